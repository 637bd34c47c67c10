"""Views of the contact form, its acknowledgement and the secret-link page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import (
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import OperationalError
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from kb import i18n, throttle
from kb.extensions import limiter
from kb.security import upload_body_limit
from kb.services import attachments, cases, events, mail, next_steps, tickets
from kb.storage import db
from kb.storage.articles import ArticleFile
from kb.storage.models import Ticket
from kb.views import params
from kb.views.context import library
from kb.views.downloads import limits
from kb.views.forms import ActionForm, checked_uploads
from kb.views.tickets import bp
from kb.views.tickets.forms import ContactForm, NewLinkForm, RatingForm, ReplyForm
from kb.views.urls import site_root
from kb.vocab import PLATFORMS, RATINGS

LANG = "<any(id, en):lang>"
HANDOFF_FIELDS = ("article", "thread", "platform", "case")
SUBMIT_LIMIT = "5/minute;30/hour;200/day"
# Only wrong links count, per client and ticket reference, so a customer's own
# link always opens even while someone behind the same NAT guesses at it; the
# per-client limit stops a sweep over many references.
WRONG_TOKEN_LIMIT = "10/minute;50/hour"
WRONG_TOKEN_CLIENT_LIMIT = "60/minute;300/hour"
RETRY_AFTER_SECONDS = 30  # database unavailable: a short wait usually does it
CASE_CODE = re.compile(r"\AC-[A-Z0-9]{4,12}\Z")


def _secret_link(reference: str, token: str) -> str:
    """The absolute secret link (``tickets.secret_link`` builds every one)."""
    return tickets.secret_link(site_root() + request.script_root, reference, token)


def _secret_path(reference: str, token: str) -> str:
    return tickets.secret_link(request.script_root, reference, token)


def _home_other(lang: str) -> str:
    # The language switch must not carry the secret path in its ``next``.
    return url_for("public.home", lang=i18n.other_lang(lang))


def _private(response: Response) -> Response:
    """Secret-link pages are never cached and never leak their URL as referrer."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/contact")
def contact_redirect() -> Response:
    """Handoff links carry no language: answer in the article's or the visitor's."""
    handoff = params.parse(HandoffArgs, request.args)
    args: dict[str, Any] = {
        k: value for k in HANDOFF_FIELDS if (value := getattr(handoff, k))
    }
    code = args.get("case", "")
    if code and "article" not in args and CASE_CODE.match(code):
        # A short link carries only the case: the case knows the rest.
        case = cases.find(db.session(), code)
        if case is not None:
            args.setdefault("platform", case.platform)
            if case.article_slug:
                args["article"] = case.article_slug
    found = library().get(args.get("article", ""))
    lang = found.lang if found else i18n.preferred_lang()
    return redirect(url_for("tickets.contact", lang=lang, **args))


def _form(lang: str) -> ContactForm:
    form = ContactForm()
    lib = library()
    form.category.choices = [SelectChoice("", "—")] + [
        SelectChoice(item.category.key, item.category.title(lang))
        for item in lib.category_counts(lang)
    ]
    if request.method == "GET":
        handoff = params.parse(HandoffArgs, request.args)
        form.platform.data = handoff.platform
        form.thread_url.data = handoff.thread
        form.case.data = handoff.case
        article = lib.get(handoff.article)
        if article:
            form.article.data = article.slug
            form.category.data = article.category
    return form


@dataclass(frozen=True)
class HandoffArgs:
    """What a handoff link may prefill (an unknown platform is left empty)."""

    platform: str = params.arg(params.choice(PLATFORMS, ""))
    thread: str = params.arg(params.text(500, squeeze=False))
    case: str = params.arg(params.text(32, squeeze=False))
    article: str = params.arg(params.text(200, squeeze=False))


@bp.route(f"/{LANG}/contact", methods=["GET", "POST"])
@limiter.limit(SUBMIT_LIMIT, methods=["POST"])
@upload_body_limit
def contact(lang: str) -> ResponseReturnValue:
    """The private ticket form, prefilled by a handoff link."""
    form = _form(lang)
    continuing = library().get(form.article.data or "")
    valid = form.validate_on_submit()
    # Files are checked even when a text field is wrong: every error at once.
    files = checked_uploads(form, limits()) if request.method == "POST" else []
    if valid and files is not None:
        if form.website.data:  # the honeypot caught a bot
            return render_template(
                "tickets/contact.html",
                lang=lang,
                form=form,
                continuing=continuing,
                spam=True,
            ), 400
        try:
            opened = _open(form, lang, continuing)
            _attach_first(opened, files)
        except OperationalError:
            db.session().rollback()
            current_app.logger.exception("could not store a ticket")
            page = render_template(
                "tickets/contact.html",
                lang=lang,
                form=form,
                continuing=continuing,
                unavailable=True,
            )
            return page, 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}
        session["acknowledged"] = [opened.reference, opened.token]
        return redirect(url_for("tickets.sent", lang=lang))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "tickets/contact.html",
        lang=lang,
        form=form,
        continuing=continuing,
        whatsapp=_whatsapp_link(form.case.data or ""),
        # Once, after the acknowledgement: a reload of it lands here.
        just_sent=session.pop("sent_reference", None) if status == 200 else None,
    ), status


def _open(
    form: ContactForm, lang: str, continuing: ArticleFile | None
) -> tickets.Opened:
    """Store the ticket; hidden handoff fields count only when they are real."""
    case_code = form.case.data or None
    if case_code and cases.find(db.session(), case_code) is None:
        case_code = None
    return tickets.open_ticket(
        db.session(),
        tickets.TicketInput(
            name=form.name.data.strip(),
            email=form.email.data.strip(),
            subject=form.subject.data.strip(),
            message=form.message.data.strip(),
            category=form.category.data or "",
            lang=lang,
            platform=form.platform.data or None,
            thread_url=(form.thread_url.data or "").strip() or None,
            article_slug=continuing.slug if continuing else None,
            case_code=case_code,
        ),
        _secret_link,
    )


def _attach_first(opened: tickets.Opened, files: list[attachments.Checked]) -> None:
    """Keep the contact form's files on the new ticket's first message."""
    if not files:
        return
    database = db.session()
    found = tickets.find(database, opened.reference, opened.token)
    message = attachments.latest_message(database, found, "customer") if found else None
    if message is not None:
        attachments.attach(database, message, files, limits())


def _whatsapp_link(case: str) -> str | None:
    """ "Continue on WhatsApp": a message that carries only the case code."""
    number = current_app.config["WHATSAPP_NUMBER"]
    if not number or not CASE_CODE.match(case):
        return None
    text = _("Hello, I would like to continue case %(case)s.", case=case)
    return f"https://wa.me/{number}?{urlencode({'text': text})}"


@bp.get(f"/{LANG}/contact/sent")
def sent(lang: str) -> Response:
    """The acknowledgement: reference and secret link, shown once."""
    acknowledged = session.pop("acknowledged", None)
    if not acknowledged:
        # A reload: the form says the message was sent and the link emailed.
        return redirect(url_for("tickets.contact", lang=lang))
    reference, token = acknowledged
    session["sent_reference"] = reference
    page = render_template(
        "tickets/sent.html",
        lang=lang,
        reference=reference,
        link=_secret_link(reference, token),
        noindex=True,
    )
    return _private(make_response(page))


@bp.post(f"/{LANG}/contact/deflect/<slug>")
@limiter.limit("60/minute")
def deflect(lang: str, slug: str) -> Response | tuple[str, int]:
    """Record that a suggested article was opened from the form (once a visit)."""
    article = library().get(slug)
    if article is None:
        abort(404)
    seen = session.get("deflected", [])
    if article.slug not in seen:
        events.record(events.Deflected(article.slug, lang))
        session["deflected"] = [*seen, article.slug][-20:]
    return "", 204


def _ticket_or_404(reference: str, token: str) -> Ticket:
    found = tickets.find(db.session(), reference, token)
    if found is not None:
        return found  # a correct link is never refused
    client = throttle.client()
    wait = max(
        throttle.blocked_for(WRONG_TOKEN_LIMIT, "ticket", client, reference.upper()),
        throttle.blocked_for(WRONG_TOKEN_CLIENT_LIMIT, "ticket-client", client),
    )
    if wait:
        abort(429)
    throttle.count_failure(WRONG_TOKEN_LIMIT, "ticket", client, reference.upper())
    throttle.count_failure(WRONG_TOKEN_CLIENT_LIMIT, "ticket-client", client)
    # The same page for a wrong token and an unknown ticket: it names neither.
    lang = i18n.preferred_lang()
    page = render_template(
        "tickets/link_not_working.html",
        lang=lang,
        alternate=_home_other(lang),
        noindex=True,
    )
    abort(_private(make_response(page, 404)))


def shown_ticket(reference: str, token: str) -> Ticket:
    """The ticket a secret link shows (a duplicate's merge target), else a 404."""
    linked = _ticket_or_404(reference, token)
    found = _merged_into(linked)
    if found is not linked and not _same_customer(linked, found):
        abort(404)
    return found


def _merged_into(found: Ticket) -> Ticket:
    """The ticket this link now shows: the one a duplicate was merged into.

    A ticket merged into another customer's ticket is not shown by this link
    (:func:`_ticket_page` says where it went instead).
    """
    return tickets.merged_target(db.session(), found)


def _same_customer(first: Ticket, second: Ticket) -> bool:
    return first.email.casefold() == second.email.casefold()


@dataclass(frozen=True)
class RatingArgs:
    """A rating chosen in the solved mail: it preselects the form, no more."""

    rating: str = params.arg(params.choice(RATINGS, ""))


def _rating_form(found: Ticket, formdata: Any = None) -> RatingForm:
    form = RatingForm(
        formdata=formdata,
        data={"rating": found.rating, "comment": found.rating_comment or ""},
    )
    if formdata is None:
        chosen = params.parse(RatingArgs, request.args).rating
        if chosen:
            form.rating.data = chosen
    return form


def _ticket_page(
    found: Ticket,
    token: str,
    form: ReplyForm,
    *,
    unavailable: bool = False,
    rating: RatingForm | None = None,
) -> Response:
    link_ref = found.reference
    shown = _merged_into(found)
    if shown is not found and not _same_customer(found, shown):
        with force_locale(found.lang):
            page = render_template(
                "tickets/merged.html",
                lang=found.lang,
                ticket=found,
                target=shown.reference,
                noindex=True,
                alternate=_home_other(found.lang),
            )
        return _private(make_response(page))
    found = shown
    # The ticket keeps the language it was opened in, whatever the browser says.
    expected = None
    if found.first_response_at is None and found.status in {"new", "open"}:
        expected = next_steps.expected_answer(
            found.created_at,
            current_app.config["FIRST_RESPONSE_TARGETS"].get(
                found.priority, current_app.config["FIRST_RESPONSE_TARGETS"]["normal"]
            ),
            current_app.config["SUPPORT_HOURS"],
        )
    with force_locale(found.lang):
        page = render_template(
            "tickets/ticket.html",
            lang=found.lang,
            ticket=found,
            messages=tickets.public_messages(found),
            files=attachments.for_ticket(db.session(), found, public=True),
            max_files=current_app.config["ATTACHMENT_MAX_FILES"],
            token=token,
            link_ref=link_ref,
            rating_open=tickets.rating_open(found, current_app.config["RATING_DAYS"]),
            rating=rating or _rating_form(found),
            just_rated=session.pop("rated", None) == found.reference,
            email=mail.mask_email(found.email),
            form=form,
            action=ActionForm(),
            unavailable=unavailable,
            expected=expected,
            noindex=True,
            alternate=_home_other(found.lang),
        )
    return _private(make_response(page))


@bp.get("/t/<reference>/<token>")
def ticket(reference: str, token: str) -> Response:
    """The customer's private ticket page."""
    return _ticket_page(_ticket_or_404(reference, token), token, ReplyForm())


@bp.post("/t/<reference>/<token>")
@upload_body_limit
def reply(reference: str, token: str) -> Response | tuple[Response, int]:
    """The customer replies on their ticket."""
    linked = _ticket_or_404(reference, token)
    found = _merged_into(linked)
    form = ReplyForm()
    with force_locale(found.lang):  # messages in the ticket's language
        valid = form.validate_on_submit()
        already = attachments.ticket_bytes(db.session(), found)
        files = checked_uploads(form, limits(), already)
    if not _same_customer(linked, found) or not valid or files is None:
        return _ticket_page(linked, token, form), 400
    try:
        tickets.add_customer_reply(db.session(), found, form.message.data.strip())
        message = attachments.latest_message(db.session(), found, "customer")
        if message is not None:
            attachments.attach(db.session(), message, files, limits())
    except OperationalError:
        db.session().rollback()
        current_app.logger.exception("could not store a customer reply")
        response = _ticket_page(linked, token, form, unavailable=True)
        response.status_code = 503
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    target = _secret_path(linked.reference, token)
    return _private(redirect(target + "#latest"))


@bp.post("/t/<reference>/<token>/<any(close, reopen):action>")
def change_status(reference: str, token: str, action: str) -> Response:
    """Close or reopen the ticket."""
    linked = _ticket_or_404(reference, token)
    found = _merged_into(linked)
    if not ActionForm().validate_on_submit() or not _same_customer(linked, found):
        abort(400)
    (tickets.close if action == "close" else tickets.reopen)(db.session(), found)
    return _private(redirect(_secret_path(linked.reference, token)))


@bp.post("/t/<reference>/<token>/rate")
def rate(reference: str, token: str) -> Response | tuple[Response, int]:
    """The customer rates their solved ticket (or changes the rating)."""
    linked = _ticket_or_404(reference, token)
    found = _merged_into(linked)
    form = _rating_form(found, request.form)
    with force_locale(found.lang):  # messages in the ticket's language
        valid = form.validate_on_submit()
    if not _same_customer(linked, found) or not valid:
        if form.csrf_token.errors:
            abort(400)
        return _ticket_page(linked, token, ReplyForm(), rating=form), 400
    days = current_app.config["RATING_DAYS"]
    if not tickets.rate(
        db.session(), found, form.rating.data, form.comment.data or "", days
    ):
        # Lazy: the page speaks the ticket's language, not the browser's.
        form.rating.errors = [
            _l(
                "This ticket can no longer be rated (ratings close %(days)s days "
                "after it is solved).",
                days=days,
            )
        ]
        return _ticket_page(linked, token, ReplyForm(), rating=form), 400
    session["rated"] = found.reference
    target = _secret_path(linked.reference, token)
    return _private(redirect(target + "#rating"))


@bp.route(f"/{LANG}/contact/new-link", methods=["GET", "POST"])
@limiter.limit("5/minute;20/hour", methods=["POST"])
def new_link(lang: str) -> Response | str:
    """Email a new secret link; the old one works until the new one is opened."""
    form = NewLinkForm()
    done = False
    if form.validate_on_submit():
        # The same work whether or not the details match: store the request.
        # The deliverer matches it later and mails a link only on a match.
        tickets.request_new_link(
            db.session(), form.reference.data, form.email.data, site_root()
        )
        done = True  # the same answer whether or not the details matched
    return _private(
        make_response(
            render_template(
                "tickets/new_link.html", lang=lang, form=form, done=done, noindex=True
            )
        )
    )

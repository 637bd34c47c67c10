"""Views of public replies: the composer, handoffs to the private form, cases."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from babel.lists import format_list
from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from kb import i18n
from kb.security import safe_next
from kb.services import cases, composer, drafting, public_replies, thread_links
from kb.storage import db
from kb.views import params
from kb.views.access import role_required
from kb.views.composer import bp
from kb.views.composer.drafts import draft_links, draft_wait, handoff_link
from kb.views.composer.forms import (
    DRAFT_PLATFORM,
    DraftForm,
    HandoffForm,
    UseReplyForm,
)
from kb.views.context import library, search_service
from kb.views.errors import wants_json
from kb.views.insights.limits import too_many
from kb.views.urls import absolute_url, article_url
from kb.vocab import PLATFORM_NAMES, PLATFORMS


@dataclass(frozen=True)
class HandoffPrefill:
    """What a link to the handoff page may prefill, and its "Find" button."""

    platform: str = params.arg(params.choice(PLATFORMS, "x"))
    article: str = params.arg(params.text(200))
    find: bool = params.arg(params.present)


@dataclass(frozen=True)
class CaseArgs:
    """The case page's own language and tone switch (empty: from the article)."""

    lang: str = params.arg(params.choice(composer.LANGS, ""))
    tone: str = params.arg(params.choice(composer.TONES, "formal"))


@dataclass(frozen=True)
class ComposerQuery:
    """The composer's query string (unknown choices fall back to defaults)."""

    lang: str  # the reply's language: defaults to the agent's own
    article: str = params.arg(params.text(200, squeeze=False))
    section: str = params.arg(params.text(200, squeeze=False))
    tone: str = params.arg(params.choice(composer.TONES, "formal"))
    platform: str = params.arg(params.choice(PLATFORMS, "x"))
    case: str = params.arg(params.text(32, squeeze=False))
    handoff: bool = params.arg(params.flag)
    kind: str = params.arg(params.choice(composer.KINDS, ""))
    q: str = params.arg(params.text(200))  # the article search


def _parse(args: Mapping[str, str]) -> ComposerQuery:
    lang = params.asked_lang(args)
    found = params.parse(
        ComposerQuery,
        args,
        lang=lang if lang in composer.LANGS else i18n.preferred_lang(),
    )
    # A case code means the agent is handing off: include the private link.
    kind = found.kind or ("handoff" if found.handoff or found.case else "answer")
    return replace(found, handoff=kind == "handoff", kind=kind)


def _reply_link(slug: str, platform: str, section: str | None) -> str:
    found = library().get(slug)
    if found is None:  # callers pass a published slug; a stale one links home
        return absolute_url("public.home", lang=str(get_locale()))
    return composer.reply_link(
        article_url(found.lang, found.slug, external=True), platform, section
    )


def _article_hits(query: str, lang: str | None) -> tuple[list, str | None]:
    """The composer's article search: hits in ``lang`` (all if None) or an error."""
    if not query:
        return [], None
    args = {"q": query, "limit": "8"}
    if lang:
        args["lang"] = lang
    try:
        req = params.search_request(args, current_app.config["MAX_QUERY_LENGTH"])
    except params.ParamError as exc:
        return [], str(exc.message)
    return list(search_service().search(req, library()).hits), None


@bp.get("/reply")
@role_required("agent")
def reply() -> str:
    """Compose a short public reply that links an article (or one section)."""
    query = _parse(request.args)
    lib = library()
    article = lib.get(query.article)
    if article is None and query.kind == "welcome" and not query.article:
        article = lib.get(composer.WELCOME_ARTICLE)
    if article and not query.section:
        # Without a section the same answer in the reply's language reads better.
        article = lib.translation_of(article, query.lang) or article
    sections = list(lib.headings(article.slug)) if article else []
    section = next((h for h in sections if h.anchor == query.section), None)
    result = None
    code = public_replies.new_code()
    if article:
        result = composer.compose(
            db.session(),
            composer.ReplyInput(
                lang=query.lang,
                tone=query.tone,
                platform=query.platform,
                title=article.title,
                section=section.text if section else "",
                link=_reply_link(
                    article.slug, query.platform, section.anchor if section else None
                ),
                handoff=handoff_link(article.slug, query.platform, query.case)
                if query.handoff
                else "",
                code=code,
            ),
            kind=query.kind,
        )
    use_form = UseReplyForm(
        article=article.slug if article else "",
        section=section.anchor if section else "",
        platform=query.platform,
        code=code,
        case=query.case,
        kind=query.kind,
    )
    hits, search_error = _article_hits(query.q, query.lang)
    return render_template(
        "composer/reply.html",
        query=query,
        hits=hits,
        search_error=search_error,
        kinds=composer.KINDS,
        article=article,
        sections=sections,
        section=section,
        reply=result,
        use_form=use_form,
        platforms=[(p, PLATFORM_NAMES[p]) for p in PLATFORMS],
        limits=composer.PLATFORM_LIMITS,
        draft_form=DraftForm(formdata=None),
        noindex=True,
    )


# What a post exposes, as the warning names it (kb.reading.personal_data kinds).
DATA_NAMES = {
    "email": _l("an email address"),
    "phone": _l("a phone number"),
    "card": _l("a card number"),
    "account": _l("a bank account number"),
    "order": _l("an order number"),
    "tracking": _l("a tracking number"),
    "reference": _l("a ticket reference"),
    "id_number": _l("an ID card number"),
    "address": _l("a street address"),
    "number": _l("a personal number"),
}


# How a candidate compares with the others (kb.services.answers.Candidate.match):
# words, not a percentage, since the search's scores are no probabilities.
MATCH_NAMES = {
    "best": _l("Best match"),
    "possible": _l("Also possible"),
    "weak": _l("Weak match"),
}


def exposed(kinds: tuple[str, ...]) -> str:
    """The kinds of personal data a post exposes, as one phrase in the UI language."""
    names = [str(DATA_NAMES.get(kind, kind)) for kind in kinds]
    return format_list(names, locale=str(get_locale())) if names else ""


@dataclass(frozen=True)
class DraftChoice:
    """Which button sent the draft form: a candidate ("slug#anchor") or "Re-draft"."""

    pick: str = params.arg(params.text(401, squeeze=False))
    redraft: bool = params.arg(params.present)


@bp.get("/reply/draft")
@role_required("agent")
def draft_page() -> str:
    """The empty "Customer's post" form (the composer page has it too)."""
    return render_template(
        "composer/draft.html", form=DraftForm(), draft=None, noindex=True
    )


@bp.post("/reply/draft")
@role_required("agent")
def draft_replies() -> str | tuple[str, int]:
    """Read a pasted post and show three ready replies (the post is not stored).

    "Draft replies" picks the best article and section; a candidate's button
    or "Re-draft" (with another section) drafts again for the agent's choice.
    """
    form = DraftForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        page = render_template(
            "composer/draft.html", form=form, draft=None, noindex=True
        )
        return page, 400
    wait = draft_wait(current_user.id)
    if wait:
        too_many(wait)
    choice = params.parse(DraftChoice, request.form)
    article, section = "", None
    if choice.pick:
        article, _hash, anchor = choice.pick.partition("#")
        section = anchor
    elif choice.redraft:
        article, section = form.article.data or "", form.section.data or ""
    thread_url = (form.thread_url.data or "").strip()
    # Left at its default (or "other"), the platform is the thread link's.
    chosen = thread_links.choose(
        form.platform.data, thread_url, unset=(DRAFT_PLATFORM, "other")
    )
    platform = form.platform.data = chosen.name
    result = drafting.draft(
        db.session(),
        search_service(),
        library(),
        drafting.DraftRequest(
            post=form.post.data,
            platform=platform,
            lang=form.lang.data or None,
            tone=form.tone.data or None,
            thread_url=thread_url,
            article=article,
            section=section,
        ),
        draft_links(platform),
    )
    form.article.data = result.article.slug if result.article else ""
    form.section.data = result.section.anchor if result.section else ""
    use_forms = {
        reply.key: UseReplyForm(
            formdata=None,
            article=result.article.slug if result.article else "",
            section=result.section.anchor if result.section else "",
            platform=platform,
            code=result.code,
            kind=reply.kind,
        )
        for reply in result.replies
    }
    return render_template(
        "composer/draft.html",
        form=form,
        draft=result,
        use_forms=use_forms,
        exposed=exposed(result.reading.personal_data),
        platform=chosen,
        platform_names=PLATFORM_NAMES,
        thread_url=thread_url if thread_links.is_web_address(thread_url) else "",
        match_names=MATCH_NAMES,
        noindex=True,
    )


@bp.post("/reply/use")
@role_required("agent")
def reply_use() -> Response | tuple[Response, int]:
    """Record the linked article when the agent copies a reply (the one place).

    The primary "Copy" posts here (by fetch with JavaScript, as a form without).
    A reply over the platform's limit cannot be posted, so nothing is recorded.
    """
    form = UseReplyForm()
    article = library().get(form.article.data or "")
    if not form.validate_on_submit() or article is None:
        if wants_json():
            return jsonify(error="invalid", status=400), 400
        abort(400)
    platform = params.choice(PLATFORMS, "other")(form.platform.data)
    text = form.text.data or ""
    limit = composer.limit_for(platform)
    if text and limit is not None and composer.count(text, platform) > limit:
        message = _("Too long for this platform: nothing was recorded.")
        if wants_json():
            return jsonify(error=message, status=422, field="text"), 422
        flash(message)
    else:
        composer.record_use(
            db.session(),
            current_user.id,
            article.slug,
            form.section.data,
            platform,
            code=form.code.data or "",
            lang=article.lang,
            case_code=form.case.data or None,
            kind=form.kind.data or "answer",
        )
        if wants_json():
            return jsonify(recorded=True), 201
        flash(_("Recorded. Select the reply text, copy it and paste it in the thread."))
    back = url_for(
        "composer.reply",
        article=article.slug,
        section=form.section.data or None,
        platform=platform,
    )
    return redirect(safe_next(params.next_target(request.form), back))


@bp.route("/handoff", methods=["GET", "POST"])
@role_required("agent")
def handoff() -> Response | str | tuple[str, int]:
    """Turn a public thread into a case with a prefilled private-form link."""
    form = HandoffForm()
    if request.method == "GET":
        prefill = params.parse(HandoffPrefill, request.args)
        form.platform.data, form.article.data = prefill.platform, prefill.article
    finding = (
        request.method == "POST" and params.parse(HandoffPrefill, request.form).find
    )
    hits, search_error = _article_hits((form.article_q.data or "").strip(), None)
    chosen = library().get((form.article.data or "").strip())
    page = {"form": form, "hits": hits, "chosen": chosen, "search_error": search_error}
    if finding:
        # "Find" only searches: the typed thread and handle come back as they were.
        if not form.validate_on_submit() and form.csrf_token.errors:
            abort(400)
        for name in form.errors:
            getattr(form, name).errors = []
        return render_template("composer/handoff.html", **page, noindex=True)
    if form.validate_on_submit():
        slug = (form.article.data or "").strip()
        if slug and library().get(slug) is None:
            form.article.errors.append(_("No published article has this slug."))
        else:
            case = cases.create(
                db.session(),
                cases.CaseInput(
                    thread_url=form.thread_url.data.strip(),
                    platform=form.platform.data,
                    handle=(form.handle.data or "").strip(),
                    article_slug=slug or None,
                    created_by=current_user.id,
                ),
            )
            return redirect(url_for("composer.case_page", code=case.code))
    status = 400 if request.method == "POST" else 200
    return render_template("composer/handoff.html", **page, noindex=True), status


@bp.get("/cases/<code>")
@role_required("agent")
def case_page(code: str) -> str:
    """A case: its thread, the handoff link and reply, and tickets opened through it."""
    database = db.session()
    case = cases.find(database, code)
    if case is None:
        abort(404)
    lib = library()
    article = lib.get(case.article_slug or "")
    link = handoff_link(article.slug if article else None, case.platform, case.code)
    reply_lang = article.lang if article else str(get_locale())
    # The case's reply speaks like the composer that opened it: its language
    # and tone come from the query (the case page's own switch), else the article.
    switch = params.parse(CaseArgs, request.args)
    reply_lang = switch.lang or reply_lang
    if article:
        article = lib.translation_of(article, reply_lang) or article
    tone = switch.tone
    result = composer.compose(
        database,
        composer.ReplyInput(
            lang=reply_lang if reply_lang in composer.LANGS else "id",
            tone=tone,
            platform=case.platform,
            title=article.title if article else "",
            link=_reply_link(article.slug, case.platform, None) if article else "",
            handoff=link,
        ),
    )
    return render_template(
        "composer/case.html",
        case=case,
        article=article,
        link=link,
        reply=result,
        tickets=cases.tickets_for(database, case.code),
        reply_lang=reply_lang if reply_lang in composer.LANGS else "id",
        tone=tone,
        use_form=UseReplyForm(
            article=article.slug if article else "", section="", platform=case.platform
        ),
        platform_name=PLATFORM_NAMES.get(case.platform, case.platform),
        noindex=True,
    )

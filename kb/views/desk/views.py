"""Views of the agents' desk: the ticket queue and the agent's ticket page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from flask import (
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_timedelta, get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from kb.markdown import Heading
from kb.security import safe_next, upload_body_limit
from kb.services import (
    agent_tickets,
    attachments,
    composer,
    ticket_merge,
    ticket_presence,
    tickets,
)
from kb.services.search import Hit
from kb.services.tickets import merged_target
from kb.storage import db
from kb.storage.models import CannedResponse, Ticket, utcnow
from kb.views import params
from kb.views.access import role_required
from kb.views.context import library, search_service
from kb.views.desk import bp
from kb.views.desk.forms import (
    AgentReplyForm,
    BulkForm,
    MergeForm,
    PresenceForm,
    TicketUpdateForm,
)
from kb.views.downloads import limits
from kb.views.errors import wants_json
from kb.views.forms import checked_uploads
from kb.views.urls import absolute_url, article_url, site_root
from kb.vocab import (
    PRIORITIES,
    PRIORITY_WORDS,
    STATUS_WORDS,
    STATUSES,
)

# The history reads as sentences: the values in their in-sentence form.
FIELD_NAMES = {"status": STATUS_WORDS, "priority": PRIORITY_WORDS}


@dataclass(frozen=True)
class PickerArgs:
    """The link picker without JavaScript (query string or the draft form)."""

    lq: str = params.arg(params.text(2000))
    la: str = params.arg(params.text(200))
    lall: bool = params.arg(params.flag)


@dataclass(frozen=True)
class ReplyToolArgs:
    """Text to put in the reply box: a picked link or a canned response."""

    insert: str = params.arg(params.text(1000, squeeze=False))
    canned: int | None = params.arg(params.identifier)
    do: str = params.arg(params.text(20))


@dataclass(frozen=True)
class MergeArgs:
    """The ticket to merge into, as typed on the ticket page."""

    into: str = params.arg(params.text(16))


@dataclass(frozen=True)
class QueueArgs:
    """The queue's query string (unknown values fall back: old links open)."""

    status: str = params.arg(params.text(16, squeeze=False))
    priority: str = params.arg(params.text(16, squeeze=False))
    # ``owner`` is what the queue's first version used; old links keep working.
    assignee: str = params.arg(params.text(16, squeeze=False), "assignee", "owner")
    category: str = params.arg(params.text(64, squeeze=False))
    platform: str = params.arg(params.text(16, squeeze=False))
    q: str = params.arg(params.text(200))
    sort: str = params.arg(params.choice(tuple(agent_tickets.SORTS), "oldest"))
    view: str = params.arg(params.choice(agent_tickets.VIEWS, "open"))


def _filters() -> agent_tickets.QueueFilter:
    found = params.parse(QueueArgs, request.args)
    return agent_tickets.QueueFilter(
        user_id=current_user.id,
        targets=current_app.config["FIRST_RESPONSE_TARGETS"],
        now=utcnow(),
        **asdict(found),
    )


def short_age(age: dt.timedelta) -> str:
    """An age as the queue shows it: "12 min", "3 h", "2 d"."""
    minutes = max(0, int(age.total_seconds() // 60))
    if minutes < 60:
        return _("%(num)d min", num=minutes)
    if minutes < 48 * 60:
        return _("%(num)d h", num=minutes // 60)
    return _("%(num)d d", num=minutes // (24 * 60))


def queue_views() -> list[tuple[str, str, int | None]]:
    """The header's queue views with live counts: (view, label, count)."""
    if "queue_views" not in g:
        labels = {
            "mine": _("Mine"),
            "unassigned": _("Unassigned"),
            "waiting": _("Waiting on us"),
            "overdue": _("Overdue"),
            "open": _("All open"),
        }
        counts = agent_tickets.view_counts(
            db.session(),
            current_user.id,
            current_app.config["FIRST_RESPONSE_TARGETS"],
            utcnow(),
        )
        g.queue_views = [(view, labels[view], counts[view]) for view in labels]
    return g.queue_views


def topic_name(key: str) -> str:
    """A ticket topic's title in the interface language (the key if unknown)."""
    found = library().category(key) if key else None
    return found.title(str(get_locale())) if found else key


@bp.app_context_processor
def shell_helpers() -> dict:
    """What the staff shell needs from the desk: the views and their counts."""
    return {"queue_views": queue_views, "topic_name": topic_name}


def _assignee_choices() -> list[SelectChoice]:
    return [SelectChoice("", _("Unassigned"))] + [
        SelectChoice(str(user.id), user.name)
        for user in agent_tickets.active_users(db.session())
    ]


@bp.get("/")
@role_required("agent")
def queue() -> str:
    """Tickets to work on: filtered, searched, sorted, overdue ones marked."""
    filters = _filters()
    database = db.session()
    rows = agent_tickets.queue(
        database, filters, current_app.config["FIRST_RESPONSE_TARGETS"], utcnow()
    )
    categories, platforms = agent_tickets.filter_options(database)
    bulk_form = BulkForm(formdata=None)
    bulk_form.assignee.choices = _assignee_choices()
    bulk_form.assignee.data = str(current_user.id)
    return render_template(
        "desk/queue.html",
        rows=rows,
        filters=filters,
        bulk=bulk_form,
        short_age=short_age,
        views=agent_tickets.VIEWS,
        statuses=STATUSES,
        priorities=PRIORITIES,
        categories=categories,
        platforms=platforms,
        staff=agent_tickets.active_users(database),
        sorts=agent_tickets.SORTS,
        format_timedelta=format_timedelta,
        noindex=True,
    )


@bp.post("/bulk")
@role_required("agent")
def bulk() -> Response:
    """Assign or close the selected queue rows, then show the same queue."""
    form = BulkForm()
    form.assignee.choices = _assignee_choices()
    back = safe_next(params.next_target(request.form), url_for("desk.queue"))
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(back)
    assignee = form.assignee.data or ""
    known = {choice.value for choice in form.assignee.choices}
    if form.action.data == "assign" and assignee not in known:
        flash(_("Choose someone to assign the tickets to."))
        return redirect(back)
    changed = agent_tickets.bulk(
        db.session(),
        list(form.tickets.data or []),
        current_user.id,
        form.action.data,
        int(assignee) if assignee else None,
    )
    flash(ngettext("%(num)d ticket changed.", "%(num)d tickets changed.", changed))
    return redirect(back)


def secret_link(reference: str, token: str) -> str:
    """A ticket's absolute secret link, for the customer's mail."""
    return tickets.secret_link(site_root() + request.script_root, reference, token)


def _ticket_or_404(reference: str, *, follow: bool = True) -> Ticket:
    """The ticket, or (``follow``) the one it was merged into: its reference opens."""
    database = db.session()
    found = agent_tickets.get(database, reference)
    if found is None:
        abort(404)
    return merged_target(database, found) if follow else found


def _update_form(found: Ticket) -> TicketUpdateForm:
    form = TicketUpdateForm(
        formdata=request.form if request.method == "POST" else None,
        data={
            "status": found.status,
            "priority": found.priority,
            "assignee": str(found.assignee_id or ""),
        },
    )
    form.assignee.choices = _assignee_choices()
    return form


def _picker(source: Mapping[str, str], lang: str) -> dict:
    """The link picker without JavaScript: search results or one article's sections.

    ``source`` is the query (a plain GET) or the reply form (a draft round trip);
    results are in the ticket's language unless the agent asked for all.
    """
    picker = params.parse(PickerArgs, source)
    query, slug, every_lang = picker.lq, picker.la, picker.lall
    results: tuple[Hit, ...] = ()
    sections: tuple[Heading, ...] = ()
    article, error, link = None, None, ""
    if query:
        args = {"q": query} if every_lang else {"q": query, "lang": lang}
        try:
            req = params.search_request(args, current_app.config["MAX_QUERY_LENGTH"])
        except params.ParamError as exc:
            error = str(exc.message)
        else:
            results = search_service().search(req, library()).hits
    if slug:
        lib = library()
        article = lib.get(slug)
        if article is not None:
            sections = lib.headings(article.slug)
            link = article_url(article.lang, article.slug, external=True)
    return {
        "lq": query,
        "lall": every_lang,
        "results": results,
        "article": article,
        "sections": sections,
        "picker_error": error,
        "article_link": link,
    }


def _canned_choices(found: Ticket) -> tuple[list, list]:
    """Canned responses filled in for this ticket: its language first, then others."""
    same: list[tuple[CannedResponse, str]] = []
    other: list[tuple[CannedResponse, str]] = []
    for response in composer.canned_responses(db.session()):
        text = composer.fill_canned(
            response.body, found.name, found.reference, current_user.name
        )
        (same if response.lang == found.lang else other).append((response, text))
    return same, other


def _canned_text(found: Ticket, chosen: int | None) -> str | None:
    """The chosen canned response, filled in for this ticket."""
    response = composer.canned(db.session(), chosen) if chosen else None
    if response is None:
        return None
    return composer.fill_canned(
        response.body, found.name, found.reference, current_user.name
    )


def _append(body: str, text: str) -> str:
    """``text`` after what the agent typed (without JS there is no cursor)."""
    if not body.strip():
        return text
    return body.rstrip() + ("\n\n" if "\n" in text else " ") + text


def _page(
    found: Ticket,
    reply: AgentReplyForm,
    update: TicketUpdateForm,
    source: Mapping[str, str] | None = None,
) -> str:
    tools = params.parse(ReplyToolArgs, request.args)
    if request.method == "GET" and tools.insert:
        reply.body.data = tools.insert
    elif request.method == "GET" and (text := _canned_text(found, tools.canned)):
        reply.body.data = text
    database = db.session()
    lib = library()
    linked = []
    for slug, section in agent_tickets.linked(database, found):
        article = lib.get(slug)
        heading = (
            next((h for h in lib.headings(slug) if h.anchor == section), None)
            if article and section
            else None
        )
        linked.append((slug, article, heading))
    same, other = _canned_choices(found)
    return render_template(
        "desk/ticket.html",
        ticket=found,
        messages=found.messages,
        files=attachments.for_ticket(database, found, public=False),
        max_files=current_app.config["ATTACHMENT_MAX_FILES"],
        history=agent_tickets.history(database, found),
        other_tickets=agent_tickets.others_from_customer(database, found),
        replying=replying_notice(
            ticket_presence.others(database, found.id, current_user.id)
        ),
        presence=PresenceForm(formdata=None),
        reply=reply,
        update=update,
        field_names=FIELD_NAMES,
        canned_same=same,
        canned_other=other,
        linked=linked,
        noindex=True,
        **_picker(source if source is not None else request.args, found.lang),
    )


@bp.get("/tickets/<reference>")
@role_required("agent")
def ticket(reference: str) -> str | Response:
    """One ticket for agents: the whole conversation, reply box, changes, history."""
    found = _ticket_or_404(reference)
    if found.reference != reference.strip().upper():
        flash(
            _(
                "%(old)s was merged into %(new)s.",
                old=reference.strip().upper(),
                new=found.reference,
            )
        )
        return redirect(url_for("desk.ticket", reference=found.reference))
    return _page(found, AgentReplyForm(formdata=None), _update_form(found))


@bp.post("/tickets/<reference>/draft")
@role_required("agent")
@upload_body_limit  # the reply form's files come along (and are dropped)
def draft(reference: str) -> str:
    """The reply box's tools without JavaScript: search, insert, canned text.

    The typed reply comes along in the form and is shown again with the
    inserted text, so nothing the agent wrote is lost.
    """
    found = _ticket_or_404(reference)
    form = AgentReplyForm()
    if not form.validate_on_submit() and form.csrf_token.errors:
        abort(400)
    form.body.errors = []  # a draft is not sent: no "please write a message"
    body = form.body.data or ""
    tools = params.parse(ReplyToolArgs, request.form)
    if tools.insert:
        body = _append(body, tools.insert)
    if tools.do == "canned":
        text = _canned_text(found, tools.canned)
        if text:
            body = _append(body, text)
    form.body.data = body
    if body.strip():
        ticket_presence.seen(db.session(), found.id, current_user.id)
    return _page(found, form, _update_form(found), source=request.form)


@bp.post("/tickets/<reference>/reply")
@role_required("agent")
@upload_body_limit
def reply(reference: str) -> Response | tuple[str, int]:
    """Reply to the customer (mailed) or add an internal note (never shown)."""
    found = _ticket_or_404(reference)
    form = AgentReplyForm()
    valid = form.validate_on_submit()
    already = attachments.ticket_bytes(db.session(), found)
    files = checked_uploads(form, limits(), already)
    if not valid or files is None:
        return _page(found, form, _update_form(found)), 400
    internal = form.kind.data == "note"
    message = agent_tickets.add_message(
        db.session(),
        found,
        current_user.id,
        form.body.data.strip(),
        internal=internal,
        status=form.next_status.data or None,
        site_root=absolute_url("public.home", lang=found.lang),
        link_for=secret_link,
        new_link_url=absolute_url("tickets.new_link", lang=found.lang),
    )
    attachments.attach(db.session(), message, files, limits())
    ticket_presence.gone(db.session(), found.id, current_user.id)
    flash(_("Internal note saved.") if internal else _("Reply sent to the customer."))
    return redirect(url_for("desk.ticket", reference=found.reference) + "#latest")


@bp.post("/tickets/<reference>/update")
@role_required("agent")
def update(reference: str) -> Response | tuple[str | Response, int]:
    """Change a ticket's status, priority and assignee."""
    found = _ticket_or_404(reference)
    form = _update_form(found)
    if not form.validate_on_submit():
        if wants_json():
            field = next(iter(form.errors), None)
            message = form.errors[field][0] if field else _("Not saved.")
            return jsonify(error=str(message), status=400, field=field), 400
        return _page(found, AgentReplyForm(formdata=None), form), 400
    assignee = form.assignee.data
    changed = agent_tickets.update(
        db.session(),
        found,
        current_user.id,
        agent_tickets.Changes(
            status=form.status.data,
            priority=form.priority.data,
            assignee_id=int(assignee) if assignee else None,
        ),
        link_for=secret_link,
    )
    message = _("Ticket updated.") if changed else _("Nothing changed.")
    if wants_json():
        return jsonify(saved=True, changed=changed, message=message)
    flash(message)
    return redirect(url_for("desk.ticket", reference=found.reference) + "#properties")


@bp.post("/tickets/<reference>/presence")
@role_required("agent")
def presence(reference: str) -> Response | tuple[Response, int]:
    """The reply box's poll: record this agent's draft, name the others'."""
    found = _ticket_or_404(reference)
    form = PresenceForm()
    if not form.validate_on_submit():
        return jsonify(error=_("Not saved."), status=400), 400
    database = db.session()
    if form.active.data == "1":
        ticket_presence.seen(database, found.id, current_user.id)
    else:
        ticket_presence.gone(database, found.id, current_user.id)
    names = ticket_presence.others(database, found.id, current_user.id)
    return jsonify(replying=names, notice=replying_notice(names))


def replying_notice(names: list[str]) -> str:
    """ "Budi is also replying…": the notice shown above the reply box."""
    if not names:
        return ""
    return ngettext(
        "%(names)s is also writing a reply to this ticket.",
        "%(names)s are also writing replies to this ticket.",
        len(names),
        names=", ".join(names),
    )


@bp.app_template_global()
def merge_problem(code: str) -> str:
    """Why two tickets cannot be merged, for staff."""
    return {
        "same": _("A ticket cannot be merged into itself."),
        "source_merged": _("This ticket was already merged into another one."),
        "target_merged": _(
            "That ticket was merged into another one: merge into that one instead."
        ),
        "unknown": _("There is no ticket with that reference."),
    }.get(code, code)


def _merge_target(found: Ticket, into: str) -> tuple[Ticket | None, str]:
    """The ticket named by ``into`` and the problem with merging into it, if any."""
    target = agent_tickets.get(db.session(), into) if into else None
    if target is None:
        return None, "unknown"
    try:
        ticket_merge.check(found, target)
    except ticket_merge.MergeError as exc:
        return target, str(exc)
    return target, ""


@bp.get("/tickets/<reference>/merge")
@role_required("agent")
def merge_confirm(reference: str) -> str | tuple[str, int]:
    """Ask before merging: both tickets side by side, one button."""
    found = _ticket_or_404(reference, follow=False)
    into = params.parse(MergeArgs, request.args).into.upper()
    # No reference yet: the page asks for one.
    target, problem = _merge_target(found, into) if into else (None, "")
    form = MergeForm(formdata=None, data={"into": into})
    page = render_template(
        "desk/merge.html",
        ticket=found,
        target=target,
        into=into,
        problem=problem,
        form=form,
        noindex=True,
    )
    return (page, 400) if problem else page


@bp.post("/tickets/<reference>/merge")
@role_required("agent")
def merge(reference: str) -> Response | tuple[str, int]:
    """Merge this ticket into the confirmed one; open the merged ticket."""
    # Not followed: a second click on a stale page is refused, never redirected
    # onto the ticket this one went into.
    found = _ticket_or_404(reference, follow=False)
    form = MergeForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
    into = (form.into.data or "").strip().upper()
    target, problem = _merge_target(found, into)
    if problem or target is None:
        page = render_template(
            "desk/merge.html",
            ticket=found,
            target=target,
            into=into,
            problem=problem or "unknown",
            form=form,
            noindex=True,
        )
        return page, 400
    ticket_merge.merge(db.session(), found, target, current_user.id)
    flash(_("%(old)s was merged into %(new)s.", old=found.reference, new=into))
    return redirect(url_for("desk.ticket", reference=target.reference))

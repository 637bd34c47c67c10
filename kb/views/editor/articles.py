"""Editor pages of one published article: its drafts and "needs an update" flags."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from kb.services import agent_tickets, update_requests
from kb.services.editing import drafts, translations
from kb.storage import db
from kb.storage.articles import ArticleFile
from kb.views import params
from kb.views.access import role_required
from kb.views.context import library
from kb.views.editor import bp
from kb.views.editor.forms import NeedsUpdateForm
from kb.views.editor.site import articles_root, note_on_ticket
from kb.views.forms import ActionForm


@dataclass(frozen=True)
class StartArgs:
    """Starting a draft of the article: a fresh one, from a ticket."""

    fresh: bool = params.arg(params.flag)
    from_ticket: str = params.arg(params.text(16))


def article_or_404(slug: str) -> ArticleFile:
    """The article (published, draft or scheduled) at ``slug``, or 404."""
    found = library().all.get(slug)
    if found is None:
        abort(404)
    return found


@dataclass(frozen=True)
class TicketArg:
    """The ticket an article page was opened from ("needs an update")."""

    from_ticket: str = params.arg(params.text(16))


@bp.get("/articles/<slug>")
@role_required("agent")
def article(slug: str) -> str:
    """One article: its open drafts, a button to edit it, its history link."""
    found = article_or_404(slug)
    reference = params.parse(TicketArg, request.args).from_ticket
    form = NeedsUpdateForm(formdata=None, from_ticket=reference)
    return _render_article(found, form, reference)[0]


def _render_article(
    found: ArticleFile, form: NeedsUpdateForm, from_ticket: str = "", status: int = 200
) -> tuple[str, int]:
    database = db.session()
    return render_template(
        "editor/article.html",
        article=found,
        scheduled=found.slug in library().scheduled,
        from_ticket=from_ticket,
        outdated=translations.outdated(database, library(), found),
        drafts=drafts.drafts_of(database, found.path),
        action=ActionForm(formdata=None),
        needs_update_form=form,
        update_reasons=update_requests.open_for(database, found.slug),
        votes=update_requests.unhelpful_votes(database, found.slug),
        noindex=True,
    ), status


@bp.post("/articles/<slug>/needs-update")
@role_required("agent")
def needs_update(slug: str) -> Response | tuple[str, int]:
    """Flag the article: it needs an update (from a ticket, a vote, or a reason)."""
    found = article_or_404(slug)
    form = NeedsUpdateForm()
    database = db.session()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _render_article(found, form, form.from_ticket.data or "", 400)
    ticket = None
    if form.from_ticket.data:
        ticket = agent_tickets.get(database, form.from_ticket.data)
        if ticket is None:
            form.reason.errors = [_("That ticket does not exist.")]
            return _render_article(found, form, "", 400)
    vote = None
    if form.from_vote.data:
        vote = update_requests.vote(database, found.slug, int(form.from_vote.data))
        if vote is None:
            form.reason.errors = [_("That vote is not a 'not helpful' vote here.")]
            return _render_article(found, form, form.from_ticket.data or "", 400)
    reason = (form.reason.data or "").strip()
    if not reason and vote is None:
        form.reason.errors = [_("Say what needs updating.")]
        return _render_article(found, form, form.from_ticket.data or "", 400)
    update_requests.flag(
        database, found.slug, current_user, reason, ticket=ticket, vote=vote
    )
    if ticket is not None:  # the ticket says where its problem went
        agent_tickets.add_message(
            database,
            ticket,
            current_user.id,
            _(
                "Flagged the article “%(title)s” as needing an update: %(link)s",
                title=found.title,
                link=url_for("editor.article", slug=found.slug),
            ),
            internal=True,
            status=None,
            site_root=request.host_url,
            new_link_url="",
        )
    flash(_("Flagged: this article needs an update."))
    return redirect(url_for("editor.article", slug=found.slug))


@bp.post("/articles/<slug>/draft")
@role_required("agent")
def start(slug: str) -> Response:
    """Start (or reopen) a draft of a published article."""
    found = article_or_404(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    draft = drafts.start_from_file(
        db.session(),
        current_user,
        articles_root(),
        found,
        fresh=params.parse(StartArgs, request.form).fresh,
    )
    # "This article needs an update" from a ticket: the draft links back to it.
    reference = params.parse(StartArgs, request.form).from_ticket
    ticket = agent_tickets.get(db.session(), reference) if reference else None
    if ticket is not None and drafts.link_ticket(db.session(), draft, ticket.reference):
        note_on_ticket(ticket, draft)
    return redirect(url_for("editor.edit", draft_id=draft.id))

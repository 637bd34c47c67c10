"""Editor pages of one published article: its drafts, history and flags."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from kb.security import role_required
from kb.services import agent_tickets, diffs, editing, update_requests
from kb.storage import db
from kb.views import params
from kb.views.context import library
from kb.views.editor import bp
from kb.views.editor.forms import NeedsUpdateForm
from kb.views.editor.site import (
    articles_root,
    note_on_ticket,
    repository,
)
from kb.views.forms import ActionForm


@dataclass(frozen=True)
class StartArgs:
    """Starting a draft of the article: a fresh one, from a ticket."""

    fresh: bool = params.arg(params.flag)
    from_ticket: str = params.arg(params.text(16))


@dataclass(frozen=True)
class ModeArgs:
    """How a version's changes are shown."""

    mode: str = params.arg(params.choice(("inline", "side"), "inline"))


def _article_or_404(slug: str):
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
    found = _article_or_404(slug)
    reference = params.parse(TicketArg, request.args).from_ticket
    form = NeedsUpdateForm(formdata=None, from_ticket=reference)
    return _render_article(found, form, reference)[0]


def _render_article(
    found, form: NeedsUpdateForm, from_ticket: str = "", status: int = 200
) -> tuple[str, int]:
    database = db.session()
    return render_template(
        "editor/article.html",
        article=found,
        scheduled=found.slug in library().scheduled,
        from_ticket=from_ticket,
        outdated=editing.outdated(database, library(), found),
        drafts=editing.drafts_of(database, found.path),
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
    found = _article_or_404(slug)
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
    found = _article_or_404(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    draft = editing.start_from_file(
        db.session(),
        current_user,
        articles_root(),
        found,
        fresh=params.parse(StartArgs, request.form).fresh,
    )
    # "This article needs an update" from a ticket: the draft links back to it.
    reference = params.parse(StartArgs, request.form).from_ticket
    ticket = agent_tickets.get(db.session(), reference) if reference else None
    if ticket is not None and draft.source_ticket is None:
        draft.source_ticket = ticket.reference
        db.session().commit()
        note_on_ticket(ticket, draft)
    return redirect(url_for("editor.edit", draft_id=draft.id))


@bp.get("/articles/<slug>/history")
@role_required("agent")
def history(slug: str) -> str:
    """Who changed the article when, from git (across renames)."""
    found = _article_or_404(slug)
    repo = repository()
    revisions = repo.history(found.path) if repo.available else []
    return render_template(
        "editor/history.html",
        article=found,
        revisions=revisions,
        available=repo.available,
        noindex=True,
    )


@bp.get("/articles/<slug>/history/<commit>")
@role_required("agent")
def revision(slug: str, commit: str) -> str:
    """One version of the article and what it changed (inline or side by side)."""
    found = _article_or_404(slug)
    repo = repository()
    if not repo.available:
        abort(404)
    revisions = repo.history(found.path)
    position = next((i for i, r in enumerate(revisions) if r.commit == commit), None)
    if position is None:
        abort(404)
    chosen = revisions[position]
    after = repo.show(chosen.commit, chosen.path) or ""
    before = ""
    if position + 1 < len(revisions):
        older = revisions[position + 1]
        before = repo.show(older.commit, older.path) or ""
    mode = params.parse(ModeArgs, request.args).mode
    return render_template(
        "editor/revision.html",
        article=found,
        revision=chosen,
        mode=mode,
        inline=diffs.around_changes(diffs.inline(before, after)),
        rows=diffs.side_by_side(before, after),
        action=ActionForm(formdata=None),
        noindex=True,
    )


@bp.post("/articles/<slug>/history/<commit>/restore")
@role_required("agent")
def restore(slug: str, commit: str) -> Response:
    """Make a new draft holding an old version (history is never rewritten)."""
    found = _article_or_404(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    repo = repository()
    chosen = next((r for r in repo.history(found.path) if r.commit == commit), None)
    text = repo.show(chosen.commit, chosen.path) if chosen else None
    if chosen is None or text is None:
        abort(404)
    try:
        draft = editing.start_from_text(
            db.session(), current_user, articles_root(), found.path, text
        )
    except editing.EditingError:
        abort(404)
    flash(
        _(
            "A new draft holds the version of %(date)s. Publish it to restore it.",
            date=chosen.date[:10],
        )
    )
    return redirect(url_for("editor.edit", draft_id=draft.id))

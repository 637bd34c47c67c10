"""Views of an article's history: who changed it when, one version, restore."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from kb.services import diffs
from kb.services.editing import history as article_history
from kb.storage import db
from kb.templating import format_date
from kb.views import params
from kb.views.access import role_required
from kb.views.editor import bp
from kb.views.editor.articles import article_or_404
from kb.views.editor.site import editor_site
from kb.views.forms import ActionForm


@dataclass(frozen=True)
class ModeArgs:
    """How a version's changes are shown."""

    mode: str = params.arg(params.choice(("inline", "side"), "inline"))


@bp.get("/articles/<slug>/history")
@role_required("agent")
def history(slug: str) -> str:
    """Who changed the article when, from git (across renames)."""
    found = article_or_404(slug)
    record = article_history.history(editor_site(), found.path)
    return render_template(
        "editor/history.html",
        article=found,
        revisions=record.revisions,
        available=record.available,
        noindex=True,
    )


@bp.get("/articles/<slug>/history/<commit>")
@role_required("agent")
def revision(slug: str, commit: str) -> str:
    """One version of the article and what it changed (inline or side by side)."""
    found = article_or_404(slug)
    chosen = article_history.version(editor_site(), found.path, commit)
    if chosen is None:
        abort(404)
    mode = params.parse(ModeArgs, request.args).mode
    return render_template(
        "editor/revision.html",
        article=found,
        revision=chosen.revision,
        mode=mode,
        inline=diffs.around_changes(diffs.inline(chosen.before, chosen.text)),
        rows=diffs.side_by_side(chosen.before, chosen.text),
        action=ActionForm(formdata=None),
        noindex=True,
    )


@bp.post("/articles/<slug>/history/<commit>/restore")
@role_required("agent")
def restore(slug: str, commit: str) -> Response:
    """Make a new draft holding an old version (history is never rewritten)."""
    found = article_or_404(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    restored = article_history.restore(
        db.session(), current_user, editor_site(), found.path, commit
    )
    if restored is None:
        abort(404)
    flash(
        _(
            "A new draft holds the version of %(date)s. Publish it to restore it.",
            date=format_date(restored.revision.moment),
        )
    )
    return redirect(url_for("editor.edit", draft_id=restored.draft.id))

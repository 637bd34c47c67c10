"""Views of a conflict: both sides, then keep my draft or start from theirs."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from kb.services import diffs
from kb.services.editing import conflicts, drafts
from kb.storage import db
from kb.views import params
from kb.views.access import role_required
from kb.views.editor import bp
from kb.views.editor.draft_page import EditArgs, draft_or_404
from kb.views.editor.site import articles_root, draft_link
from kb.views.forms import ActionForm


@bp.get("/drafts/<int:draft_id>/conflict")
@role_required("agent")
def conflict(draft_id: int) -> str:
    """Both sides of a conflict: the draft and the file as published now."""
    draft = draft_or_404(draft_id)
    try:
        sides = conflicts.sides(draft, articles_root())
    except ValueError:  # a path outside the articles folder
        abort(404)
    return render_template(
        "editor/conflict.html",
        draft=draft,
        rows=diffs.side_by_side(sides.theirs, sides.mine),
        since=diffs.around_changes(diffs.inline(sides.base, sides.theirs)),
        action=ActionForm(formdata=None),
        noindex=True,
    )


@bp.post("/drafts/<int:draft_id>/resolve")
@role_required("agent")
def resolve(draft_id: int) -> Response:
    """Keep my draft over the published changes, or start again from them."""
    draft = draft_or_404(draft_id)
    if (
        not drafts.may_edit(draft, current_user)
        or not ActionForm().validate_on_submit()
    ):
        abort(403)
    if params.parse(EditArgs, request.form).choice == "theirs":
        conflicts.take_theirs(
            db.session(), draft, articles_root(), current_user, draft_link(draft.id)
        )
        flash(_("Your draft now starts from the published version."))
    else:
        conflicts.keep_mine(db.session(), draft, articles_root())
        flash(
            _("Your draft is kept; publishing it will replace the published changes.")
        )
    return redirect(url_for("editor.edit", draft_id=draft.id))

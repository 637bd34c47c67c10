"""Views of review: ask for it, comment, approve (publish now or schedule)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from kb.security import body_limit
from kb.services.editing import checks, publishing, review, schedules
from kb.services.editing.fields import Fields
from kb.storage import db
from kb.storage.models import Draft
from kb.templating import format_time
from kb.views import params
from kb.views.access import role_required
from kb.views.context import library
from kb.views.editor import bp
from kb.views.editor.draft_page import (
    draft_form,
    draft_or_404,
    preview_of,
    rel_of,
    render_edit,
)
from kb.views.editor.forms import DRAFT_BODY_LIMIT, CommentForm, DraftForm
from kb.views.editor.site import editor_site, publish_error
from kb.views.forms import ActionForm


@dataclass(frozen=True)
class PinArgs:
    """The draft revision an approving editor saw (the form's hidden field)."""

    revision: int | None = params.arg(params.identifier)


def propose_draft(draft: Draft) -> Response:
    """Send the (just saved) draft for review."""
    review.propose(db.session(), draft)
    flash(_("Sent for review. An editor will approve and publish it."))
    return redirect(url_for("editor.edit", draft_id=draft.id))


@bp.post("/drafts/<int:draft_id>/comments")
@role_required("agent")
def add_comment(draft_id: int) -> Response | tuple[str, int]:
    """Add a reviewer's comment to the draft."""
    draft = draft_or_404(draft_id)
    form = CommentForm()
    if not form.validate_on_submit():
        flash(str(next(iter(form.errors.values()))[0]))
        return redirect(url_for("editor.edit", draft_id=draft.id) + "#comments")
    review.comment(db.session(), draft, current_user, form.body.data)
    return redirect(url_for("editor.edit", draft_id=draft.id) + "#comments")


@bp.post("/drafts/<int:draft_id>/publish")
@body_limit(DRAFT_BODY_LIMIT)
@role_required("editor")
def publish(draft_id: int) -> Response | tuple[str, int]:
    """Approve and publish the draft at the revision the editor saw."""
    draft = draft_or_404(draft_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    return publish_draft(draft, params.parse(PinArgs, request.form).revision)


def publish_draft(draft: Draft, revision: int | None) -> Response | tuple[str, int]:
    """Publish the draft at ``revision`` and say how it went."""
    result = publishing.publish(
        db.session(), draft, current_user, editor_site(), revision=revision
    )
    if result.ok:
        if result.merged:
            flash(
                _("Published. Changes made by others since you started were merged in.")
            )
        else:
            flash(_("Published."))
        if not result.git:
            flash(
                _(
                    "The articles folder is not a git repository: the file was "
                    "written, but there is no history."
                )
            )
        if result.pushed is False:
            flash(
                _(
                    "Published, but pushing to the shared repository failed "
                    "(see the log)."
                )
            )
        return redirect(url_for("editor.edit", draft_id=draft.id))
    if result.error == publishing.CHANGED:
        return changed_page(draft, revision)
    if result.conflict:
        flash(
            _(
                "The article changed since you started and the changes overlap. "
                "Your draft is kept."
            )
        )
        return redirect(url_for("editor.conflict", draft_id=draft.id))
    form = draft_form(Fields.from_draft(draft), draft.revision, fresh=True)
    if result.check is not None:
        fields = Fields.from_draft(draft)
        html = checks.preview(library(), fields, rel_of(draft, fields)).html
        shown = checks.Preview(html, result.check)
        flash(_("Not published: fix the problems below first."))
        return render_edit(draft, form, shown, status=400)
    message, status = publish_error(result.error, result.detail)
    flash(message)
    return render_edit(draft, form, status=status)


def schedule_draft(
    draft: Draft, form: DraftForm, fields: Fields
) -> Response | tuple[str, int]:
    """Approve the (just saved) draft to be published at the form's moment."""
    when = form.publish_at.data
    if when is None:
        form.publish_at.errors = [_("Choose when to publish it.")]
        return render_edit(draft, form, status=400)
    # The field read the site zone's wall clock; ``when`` is UTC.
    if when <= dt.datetime.now(dt.UTC):
        form.publish_at.errors = [_("Choose a time in the future.")]
        return render_edit(draft, form, status=400)
    rel = rel_of(draft, fields)
    result = checks.check(library(), fields, rel, new=not draft.article_path)
    if not result.ok:
        flash(_("Not scheduled: fix the problems below first."))
        return render_edit(draft, form, preview_of(draft, fields), status=400)
    refused = schedules.schedule(
        db.session(), draft, current_user, when, revision=draft.revision
    )
    if refused == review.SECOND_PERSON:
        flash(_("A second person must approve this draft: ask another editor."))
        return render_edit(draft, form, status=403)
    if refused:
        flash(_("Only editors and admins publish."))
        return render_edit(draft, form, status=403)
    flash(
        _(
            "Scheduled: it will be published at %(when)s.",
            when=format_time(when),
        )
    )
    return redirect(url_for("editor.edit", draft_id=draft.id))


def changed_page(
    draft: Draft, seen: int | None, page: Fields | None = None
) -> tuple[str, int]:
    """409: the draft changed since revision ``seen``; show what changed.

    Nothing is saved or published. The form now holds the draft as it is, so
    approving again approves what the editor has just been shown.
    """
    changed = review.changed_since(db.session(), draft, seen, page)
    flash(
        _(
            "Not published: the draft changed since you opened it. Below is what "
            "changed; the form now holds the draft as it is. Review it, then "
            "publish again."
        )
    )
    form = draft_form(Fields.from_draft(draft), draft.revision, fresh=True)
    return render_edit(draft, form, status=409, changed=changed)

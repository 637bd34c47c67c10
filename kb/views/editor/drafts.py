"""Views of drafts: write a new article, edit, save, autosave, preview, give up."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from kb.security import body_limit
from kb.services import agent_tickets
from kb.services.editing import capture, drafts
from kb.services.editing.fields import FORM_FIELDS, Fields
from kb.storage import db
from kb.storage.models import Draft
from kb.templating import format_time
from kb.views import params
from kb.views.access import role_required
from kb.views.context import library
from kb.views.editor import bp
from kb.views.editor.draft_page import (
    EditArgs,
    draft_form,
    draft_or_404,
    form_fields,
    json_errors,
    preview_of,
    problem_text,
    render_edit,
    storage_error,
    wants_json,
)
from kb.views.editor.forms import DRAFT_BODY_LIMIT, DraftForm
from kb.views.editor.review import (
    changed_page,
    propose_draft,
    publish_draft,
    schedule_draft,
)
from kb.views.editor.site import draft_link, note_on_ticket
from kb.views.forms import ActionForm


@dataclass(frozen=True)
class NewArgs:
    """What a link to a new draft may prefill."""

    title: str = params.arg(params.text(200))
    lang: str = params.arg(params.choice(("id", "en"), "id"))
    from_ticket: str = params.arg(params.text(16))


@dataclass(frozen=True)
class LiveArgs:
    """An autosave that also wants the live preview (``live=1``)."""

    live: bool = params.arg(params.flag)


@bp.route("/new", methods=["GET", "POST"])
@body_limit(DRAFT_BODY_LIMIT)
@role_required("agent")
def new() -> Response | tuple[Response | str, int]:
    """A new article: ``title``/``lang`` prefill it, ``from_ticket`` drafts a reply."""
    args = params.parse(NewArgs, request.args)
    title, lang, source = args.title, args.lang, args.from_ticket or None
    fields = Fields(title=title, lang=lang, slug=capture.slugify(title))
    ticket = None
    if source:
        ticket = agent_tickets.get(db.session(), source)
        if ticket is None:
            abort(404)
        fields = capture.from_ticket(ticket, library().categories)
    form = draft_form(fields)
    valid = request.method == "POST" and form.validate_on_submit()
    if valid and _too_big(form) is not None:
        return _too_big(form)  # type: ignore[return-value]
    if (
        not valid
        and request.method == "POST"
        and wants_json()
        and "csrf_token" not in form.errors
        and "body" not in form.errors
        and (form.title.data or "").strip()
    ):
        # The first autosave of a new article: keep what was typed even while
        # a field is not valid yet (the form shows those problems on Save).
        valid = True
        form.lang.data = form.lang.data if form.lang.data in ("id", "en") else "id"
        form.status.data = (
            form.status.data if form.status.data == "draft" else "published"
        )
        refused = _too_big(form)
        if refused is not None:
            return refused
    if valid:
        draft = drafts.create(
            db.session(),
            current_user,
            form_fields(form),
            source_ticket=ticket.reference if ticket else None,
        )
        if ticket is not None:
            note_on_ticket(ticket, draft)
        if wants_json():
            return jsonify(
                id=draft.id,
                revision=draft.revision,
                url=url_for("editor.edit", draft_id=draft.id),
                autosave=url_for("editor.autosave", draft_id=draft.id),
                saved_text=_saved_text(draft),
            )
        if params.parse(EditArgs, request.form).step == "preview":
            return redirect(url_for("editor.edit", draft_id=draft.id, preview=1))
        flash(_("Draft saved."))
        return redirect(url_for("editor.edit", draft_id=draft.id))
    if request.method == "POST":
        if wants_json():
            return json_errors(form)
        return render_edit(None, form, status=400)
    return render_edit(None, form)


def _too_big(form: DraftForm) -> tuple[Response, int] | None:
    """:func:`storage_error` for the fields of a JSON autosave of a new article."""
    return storage_error(form_fields(form)) if wants_json() else None


@bp.get("/drafts/<int:draft_id>")
@role_required("agent")
def edit(draft_id: int) -> tuple[str, int]:
    """The editor page of one draft (``?preview=1`` renders it too)."""
    draft = draft_or_404(draft_id)
    # Opening a draft being written takes its soft lock; a proposed one is
    # only read until someone saves it.
    if draft.state == "editing" and drafts.may_edit(draft, current_user):
        drafts.claim(db.session(), draft, current_user)
    fields = Fields.from_draft(draft)
    form = draft_form(fields, draft.revision)
    if draft.publish_at is not None:  # UTC; the field shows the site's wall clock
        form.publish_at.data = draft.publish_at
    shown = None
    if params.parse(EditArgs, request.args).preview:
        shown = preview_of(draft, fields)
    return render_edit(draft, form, shown)


@bp.post("/drafts/<int:draft_id>")
@body_limit(DRAFT_BODY_LIMIT)
@role_required("agent")
def save(draft_id: int) -> Response | tuple[str, int]:
    """Save (and preview, propose, schedule or publish) the draft from the form."""
    draft = draft_or_404(draft_id)
    if not drafts.may_edit(draft, current_user):
        abort(403)
    form = draft_form()
    step = params.parse(EditArgs, request.form).step or "save"
    if not form.validate_on_submit():
        return render_edit(draft, form, status=400)
    fields = form_fields(form)
    if step in ("publish", "schedule"):
        if not current_user.has_role("editor"):
            flash(_("Only editors and admins publish."))
            return render_edit(draft, form, status=403)
        if _revision(form) != draft.revision:
            # Approving names the text the editor saw: not one saved since.
            return changed_page(draft, _revision(form), fields)
    # An explicit Save always stores what the page holds (only background
    # saves, which may arrive out of order, are compared by revision).
    saved = drafts.save(
        db.session(),
        draft,
        current_user,
        fields,
        reviewed=bool(form.reviewed.data),
        link=draft_link(draft.id),
    )
    if not saved:
        flash(_("Someone else has taken over this draft; nothing was saved."))
        return render_edit(draft, form, status=409)
    form.revision.data = str(draft.revision)
    if saved.reopened:
        flash(_reopened_message(saved.reopened))
    if step == "preview":
        shown = preview_of(draft, fields)
        return render_edit(
            draft,
            draft_form(Fields.from_draft(draft), draft.revision, fresh=True),
            shown,
        )
    if step == "propose":
        return propose_draft(draft)
    if step == "publish":
        return publish_draft(draft, draft.revision)
    if step == "schedule":
        return schedule_draft(draft, form, fields)
    flash(_("Draft saved."))
    return redirect(url_for("editor.edit", draft_id=draft.id))


def _revision(form: DraftForm) -> int | None:
    try:
        return int(form.revision.data)
    except (TypeError, ValueError):
        return None


def _reopened_message(was: str) -> str:
    if was == "scheduled":
        return _(
            "The draft was scheduled: your change cancelled the schedule and it is "
            "back to being written. Whoever scheduled it was told."
        )
    return _(
        "The draft was waiting for review: your change took it back to being "
        "written. Ask for review again when it is ready."
    )


@bp.post("/drafts/<int:draft_id>/autosave")
@body_limit(DRAFT_BODY_LIMIT)
@role_required("agent")
def autosave(draft_id: int) -> tuple[Response, int]:
    """Save the form in the background (every few seconds and on leaving)."""
    draft = draft_or_404(draft_id)
    if not drafts.may_edit(draft, current_user):
        return jsonify(
            error=_("This draft can no longer be changed."), status=409, field=None
        ), 409
    form = draft_form()
    if not form.validate_on_submit():
        # Keep what was typed even when a field is not valid yet: only the
        # CSRF token and the size limits stop an autosave.
        if "csrf_token" in form.errors or "body" in form.errors:
            return json_errors(form)
    values: dict[str, str] = {
        name: str(getattr(draft, name) or "") for name in FORM_FIELDS
    } | params.sent(request.form, tuple(FORM_FIELDS), 20_000)
    fields = Fields(**values)  # type: ignore[arg-type]  # str fields by name
    if fields.lang not in ("id", "en"):
        fields = Fields(**{**fields.__dict__, "lang": draft.lang})
    if fields.status not in ("published", "draft"):
        fields = Fields(**{**fields.__dict__, "status": draft.status})
    refused = storage_error(fields)
    if refused is not None:
        return refused
    saved = drafts.save(
        db.session(),
        draft,
        current_user,
        fields,
        revision=_revision(form),
        link=draft_link(draft.id),
    )
    if not saved:
        holder = draft.lock_user.name if draft.lock_user else ""
        return jsonify(
            error=_(
                "%(name)s has taken over this draft; nothing was saved.", name=holder
            ),
            status=409,
            field=None,
        ), 409
    answer: dict[str, object] = {
        "revision": draft.revision,
        "saved_at": draft.updated_at.isoformat(),
        "saved_text": _saved_text(draft),
        "state": draft.state,
    }
    if saved.reopened:
        answer["notice"] = _reopened_message(saved.reopened)
    if params.parse(LiveArgs, request.form).live:
        answer["preview"] = _live_preview(draft)
    return jsonify(answer), 200


def _saved_text(draft: Draft) -> str:
    # What the page says after an autosave: the site's zone, not the browser's clock.
    return _("Saved automatically at %(when)s.", when=format_time(draft.updated_at))


def _live_preview(draft: Draft) -> dict[str, object]:
    """The saved draft rendered and checked, for the page to show as it is typed."""
    shown = preview_of(draft, Fields.from_draft(draft))
    problems = [
        _("Line %(n)d", n=line) + f": {problem_text(problem)}"
        for line, found in sorted(shown.check.by_line.items())
        for problem in found
    ] + [problem_text(p) for found in shown.check.by_field.values() for p in found]
    return {
        "html": shown.html,
        "ok": shown.check.ok,
        "problems": problems,
        "ok_text": _("kb check: no problems."),
    }


@bp.post("/drafts/<int:draft_id>/take-over")
@role_required("agent")
def take_over(draft_id: int) -> Response:
    """Take the soft lock from whoever has the draft open."""
    draft = draft_or_404(draft_id)
    if (
        not drafts.may_edit(draft, current_user)
        or not ActionForm().validate_on_submit()
    ):
        abort(403)
    drafts.claim(db.session(), draft, current_user, take_over=True)
    flash(_("You are now editing this draft."))
    return redirect(url_for("editor.edit", draft_id=draft.id))


@bp.post("/drafts/<int:draft_id>/discard")
@role_required("agent")
def discard(draft_id: int) -> Response:
    """Give the draft up."""
    draft = draft_or_404(draft_id)
    if (
        not drafts.may_edit(draft, current_user)
        or not ActionForm().validate_on_submit()
    ):
        abort(403)
    drafts.discard(db.session(), draft)
    flash(_("Draft discarded."))
    return redirect(url_for("editor.index"))

"""The draft page the draft and review views share: its form, how it renders."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import abort, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from kb import site_time
from kb.services.editing import checks, drafts, publishing, review
from kb.services.editing.fields import FORM_FIELDS, EditingError, Fields, target_path
from kb.services.editing.settings import requires_second_person
from kb.storage import db
from kb.storage.articles import Problem
from kb.storage.models import Draft, DraftComment
from kb.templating import format_time
from kb.views import params
from kb.views.context import content, library
from kb.views.editor import bp
from kb.views.editor.forms import CommentForm, DraftForm
from kb.views.editor.site import editor_site
from kb.views.forms import ActionForm


@bp.app_template_filter("problem_text")
def problem_text(problem: Problem) -> str:
    """A ``kb check`` problem in the interface language; English when not translated."""
    if not problem.template:
        return problem.message
    try:
        return _(problem.template, **problem.params)
    except (KeyError, TypeError, ValueError):  # a translation naming other params
        return problem.message


@dataclass(frozen=True)
class EditArgs:
    """The edit page: ``preview=1`` shows the preview; the form's step and choices."""

    preview: bool = params.arg(params.present)
    step: str = params.arg(
        params.choice(("save", "preview", "publish", "propose", "schedule"), "")
    )
    choice: str = params.arg(params.choice(("mine", "theirs"), "mine"))
    fresh: bool = params.arg(params.flag)
    from_ticket: str = params.arg(params.text(16))
    mode: str = params.arg(params.choice(("inline", "side"), "inline"))


def draft_or_404(draft_id: int) -> Draft:
    """The draft, when the signed-in person may open it (404, or 403)."""
    found = drafts.get(db.session(), draft_id)
    if found is None:
        abort(404)
    if not current_user.has_role("editor") and found.author_id != current_user.id:
        abort(403)
    return found


def draft_form(
    fields: Fields | None = None, revision: int = 0, *, fresh: bool = False
) -> DraftForm:
    """The draft form: what was posted, or ``fields`` on a GET (or when ``fresh``)."""
    shown = fields is not None and (fresh or request.method == "GET")
    form = (
        DraftForm(formdata=None, data=fields.__dict__)
        if shown and fields is not None
        else DraftForm()
    )
    lib = library()
    # Without a _categories.yml any category is allowed: offer those in use.
    keys = list(lib.categories) or sorted({a.category for a in lib.all.values()} - {""})
    form.category.choices = [SelectChoice("", _("No category"))] + [
        SelectChoice(key, lib.categories[key].title(current_user_lang()))
        if key in lib.categories
        else SelectChoice(key, key)
        for key in keys
    ]
    if shown:
        form.revision.data = str(revision)
    return form


def current_user_lang() -> str:
    """The UI language, for category names."""
    from flask_babel import get_locale

    return str(get_locale() or "en")[:2]


def form_fields(form: DraftForm) -> Fields:
    """The fields a posted draft form holds."""
    values: dict[str, str] = {
        name: str(getattr(form, name).data or "") for name in FORM_FIELDS
    }
    return Fields(**values)  # type: ignore[arg-type]  # str fields by name


def render_edit(
    draft: Draft | None,
    form: DraftForm,
    preview: checks.Preview | None = None,
    status: int = 200,
    published: publishing.Published | None = None,
    changed: review.Changed | None = None,
) -> tuple[str, int]:
    """The draft page (a new article's when ``draft`` is None)."""
    database = db.session()
    holder = drafts.holder(draft, current_user) if draft else None
    second_person = requires_second_person(database)
    return render_template(
        "editor/edit.html",
        draft=draft,
        form=form,
        preview=preview,
        holder=holder,
        published=published,
        changed=changed,
        comment_form=CommentForm(formdata=None),
        action=ActionForm(formdata=None),
        may_publish=(
            draft is not None
            and review.may_publish(database, draft, current_user) is None
        ),
        second_person=second_person,
        changed_it=(
            draft is not None
            and second_person
            and current_user.id in review.changed_since_approval(database, draft)
        ),
        reopened=review.REOPENED,
        entry=_history_entry,
        repo_problem=publishing.repository_problem(editor_site()),
        hidden_until=_hidden_until(draft),
        noindex=True,
    ), status


def _history_entry(comment: DraftComment) -> dict[str, str]:
    """A history entry of Jawab's, its ``at`` (stored in UTC) in the site's zone."""
    found = review.entry(comment)
    try:
        moment = dt.datetime.fromisoformat(found.get("at", ""))
    except ValueError:
        return found
    return {**found, "at": format_time(moment)}


def _hidden_until(draft: Draft | None) -> dt.datetime | None:
    """The file's future `publish_at:` a draft keeps, in UTC (else ``None``)."""
    value = Fields.from_draft(draft).extra.get("publish_at") if draft else None
    try:
        moment = dt.datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
    if moment is None:
        return None
    moment = site_time.as_utc(moment)  # the file's value without an offset is UTC
    return moment if moment > content().clock() else None


def rel_of(draft: Draft, fields: Fields) -> str:
    """Where the draft would be published (a stand-in while its slug is not valid)."""
    try:
        return target_path(fields, draft.article_path)
    except EditingError:
        return f"{fields.slug or 'new'}.md"


def preview_of(draft: Draft, fields: Fields) -> checks.Preview:
    """``fields`` of ``draft`` rendered and checked as its page would show them."""
    return checks.preview(
        library(), fields, rel_of(draft, fields), new=not draft.article_path
    )


def wants_json() -> bool:
    """True for the page's own background requests (autosave)."""
    return request.headers.get("X-Requested-With") == "fetch" or (
        request.accept_mimetypes.best == "application/json"
    )


def json_errors(form: DraftForm) -> tuple[Response, int]:
    """A 400 naming the first field of ``form`` at fault, for a background save."""
    field = next(iter(form.errors), None)
    message = form.errors[field][0] if field else _("Nothing was saved.")
    if field == "csrf_token":
        message = _("The page expired; reload it to keep saving.")
    return jsonify(error=str(message), status=400, field=field), 400


def storage_error(fields: Fields) -> tuple[Response, int] | None:
    """A 400 naming the field longer than the database keeps."""
    found = drafts.too_long(fields)
    if found is None:
        return None
    name, limit = found
    message = _("Use at most %(max)d characters.", max=limit)
    return jsonify(error=message, status=400, field=name), 400

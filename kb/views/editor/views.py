"""Views of the editor pages: write, preview, review, publish, history, restore."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

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
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from kb.security import body_limit, role_required
from kb.services import (
    agent_tickets,
    diffs,
    editing,
    publishing,
    review,
    update_requests,
)
from kb.services.editing import Fields
from kb.storage import articles as files
from kb.storage import db
from kb.storage.articles import Problem
from kb.storage.models import Draft, Ticket
from kb.views import params
from kb.views.context import content, library
from kb.views.editor import bp
from kb.views.editor.forms import (
    DRAFT_BODY_LIMIT,
    CommentForm,
    DraftForm,
)
from kb.views.editor.site import (
    articles_root,
    draft_link,
    editor_site,
    note_on_ticket,
    publish_error,
)
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


def _draft_or_404(draft_id: int) -> Draft:
    found = editing.get(db.session(), draft_id)
    if found is None:
        abort(404)
    if not current_user.has_role("editor") and found.author_id != current_user.id:
        abort(403)
    return found


def _form(
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


def _fields(form: DraftForm) -> Fields:
    values: dict[str, str] = {
        name: str(getattr(form, name).data or "") for name in editing.FORM_FIELDS
    }
    return Fields(**values)  # type: ignore[arg-type]  # str fields by name


@dataclass(frozen=True)
class Changed:
    """A publish or schedule refused: the draft changed since the page was opened."""

    lines: list  # the inline diff, what was seen → what is there now
    # Where the diff starts: "seen" (the version the page was given), "page"
    # (what the page held; that version is no longer kept) or "" (neither).
    start: str
    page_text: str  # what the refused page held, when it differs from now
    by: str  # who changed it last


def _render_edit(
    draft: Draft | None,
    form: DraftForm,
    preview: editing.Preview | None = None,
    status: int = 200,
    published: publishing.Published | None = None,
    changed: Changed | None = None,
) -> tuple[str, int]:
    database = db.session()
    holder = editing.holder(draft, current_user) if draft else None
    second_person = editing.requires_second_person(database)
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
            and editing.may_publish(database, draft, current_user) is None
        ),
        second_person=second_person,
        changed_it=(
            draft is not None
            and second_person
            and current_user.id in review.changed_since_approval(database, draft)
        ),
        reopened=review.REOPENED,
        entry=review.entry,
        repo_problem=publishing.repository_problem(editor_site()),
        hidden_until=_hidden_until(draft),
        noindex=True,
    ), status


@bp.get("/")
@role_required("agent")
def index() -> str:
    """Open drafts, drafts waiting for review, and the published articles."""
    database = db.session()
    if current_app.config["EDITOR_WRITER"]:
        # Schedules also run from `kb editor publish-due` (cron); looking here
        # too means a site without cron still publishes on time-ish.
        publishing.publish_due(database, editor_site())
    lib = library()
    q = params.parse(ListArgs, request.args).q
    articles = sorted(lib.all.values(), key=lambda a: (a.lang, a.title.lower()))
    if q:
        articles = [a for a in articles if q in a.title.lower() or q in a.slug]
    days = current_app.config["REVIEW_AFTER_DAYS"]
    today = dt.datetime.now(dt.UTC).date()
    stale = [a for a in lib.published.values() if (today - _reviewed_on(a)).days > days]
    stale.sort(key=_reviewed_on)
    drafts = editing.open_drafts(database)
    return render_template(
        "editor/index.html",
        repo_problem=publishing.repository_problem(editor_site()),
        mine=[d for d in drafts if d.author_id == current_user.id],
        proposed=[
            d
            for d in drafts
            if d.state == "proposed"
            and (current_user.has_role("editor") or d.author_id == current_user.id)
        ],
        others=[
            d
            for d in drafts
            if d.author_id != current_user.id
            and d.state != "proposed"
            and current_user.has_role("editor")  # agents open only their own
        ],
        articles=articles[:200],
        total=len(articles),
        stale=stale[:50],
        scheduled=sorted(lib.scheduled.values(), key=lambda a: a.publish_at),
        needs_update=[
            (lib.all[f.slug], f)
            for f in update_requests.flagged(database)
            if f.slug in lib.all
        ],
        review_days=days,
        q=q,
        action=ActionForm(formdata=None),
        noindex=True,
    )


def _hidden_until(draft: Draft | None) -> str:
    """The file's future `publish_at:` a draft keeps ("" when none or past)."""
    value = Fields.from_draft(draft).extra.get("publish_at") if draft else None
    try:
        moment = dt.datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return ""
    if moment is None or moment <= content().clock():
        return ""
    return moment.strftime("%Y-%m-%d %H:%M")


def _reviewed_on(article) -> dt.date:
    if article.reviewed:
        return max(dt.date.fromisoformat(article.reviewed), article.updated)
    return article.updated


@dataclass(frozen=True)
class ListArgs:
    """The article list's filter."""

    q: str = params.arg(lambda raw: params.text(100)(raw).lower())


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


@dataclass(frozen=True)
class NewArgs:
    """What a link to a new draft may prefill."""

    title: str = params.arg(params.text(200))
    lang: str = params.arg(params.choice(("id", "en"), "id"))
    from_ticket: str = params.arg(params.text(16))


@bp.route("/new", methods=["GET", "POST"])
@body_limit(DRAFT_BODY_LIMIT)
@role_required("agent")
def new() -> Response | tuple[Response | str, int]:
    """A new article: ``title``/``lang`` prefill it, ``from_ticket`` drafts a reply."""
    args = params.parse(NewArgs, request.args)
    title, lang, source = args.title, args.lang, args.from_ticket or None
    fields = Fields(title=title, lang=lang, slug=editing.slugify(title))
    ticket = None
    if source:
        ticket = agent_tickets.get(db.session(), source)
        if ticket is None:
            abort(404)
        fields = _from_ticket(ticket)
    form = _form(fields)
    valid = request.method == "POST" and form.validate_on_submit()
    if valid and _too_big(form) is not None:
        return _too_big(form)  # type: ignore[return-value]
    if (
        not valid
        and request.method == "POST"
        and _wants_json()
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
        draft = editing.create(
            db.session(),
            current_user,
            _fields(form),
            source_ticket=ticket.reference if ticket else None,
        )
        if ticket is not None:
            note_on_ticket(ticket, draft)
        if _wants_json():
            return jsonify(
                id=draft.id,
                revision=draft.revision,
                url=url_for("editor.edit", draft_id=draft.id),
                autosave=url_for("editor.autosave", draft_id=draft.id),
            )
        if params.parse(EditArgs, request.form).step == "preview":
            return redirect(url_for("editor.edit", draft_id=draft.id, preview=1))
        flash(_("Draft saved."))
        return redirect(url_for("editor.edit", draft_id=draft.id))
    if request.method == "POST":
        if _wants_json():
            return _json_errors(form)
        return _render_edit(None, form, status=400)
    return _render_edit(None, form)


def _from_ticket(ticket: Ticket) -> Fields:
    replies = [m for m in ticket.messages if m.author == "agent" and not m.internal]
    reply = replies[-1].body if replies else ""
    names = (ticket.name, *ticket.name.split())
    body = editing.redact(reply, names)
    title = editing.redact(ticket.subject, names)
    return Fields(
        title=title,
        lang=ticket.lang if ticket.lang in ("id", "en") else "id",
        slug=editing.slugify(title),
        category=ticket.category if ticket.category in library().categories else "",
        body=body,
    )


def _wants_json() -> bool:
    return request.headers.get("X-Requested-With") == "fetch" or (
        request.accept_mimetypes.best == "application/json"
    )


def _json_errors(form: DraftForm) -> tuple[Response, int]:
    field = next(iter(form.errors), None)
    message = form.errors[field][0] if field else _("Nothing was saved.")
    if field == "csrf_token":
        message = _("The page expired; reload it to keep saving.")
    return jsonify(error=str(message), status=400, field=field), 400


def _storage_error(fields: Fields) -> tuple[Response, int] | None:
    """A 400 naming the field longer than the database keeps."""
    found = editing.too_long(fields)
    if found is None:
        return None
    name, limit = found
    message = _("Use at most %(max)d characters.", max=limit)
    return jsonify(error=message, status=400, field=name), 400


def _too_big(form: DraftForm) -> tuple[Response, int] | None:
    """:func:`_storage_error` for the fields of a JSON autosave of a new article."""
    return _storage_error(_fields(form)) if _wants_json() else None


@bp.get("/drafts/<int:draft_id>")
@role_required("agent")
def edit(draft_id: int) -> tuple[str, int]:
    """The editor page of one draft (``?preview=1`` renders it too)."""
    draft = _draft_or_404(draft_id)
    # Opening a draft being written takes its soft lock; a proposed one is
    # only read until someone saves it.
    if draft.state == "editing" and editing.may_edit(draft, current_user):
        editing.claim(db.session(), draft, current_user)
    fields = Fields.from_draft(draft)
    form = _form(fields, draft.revision)
    if draft.publish_at is not None:
        form.publish_at.data = draft.publish_at.replace(tzinfo=None)
    shown = None
    if params.parse(EditArgs, request.args).preview:
        shown = editing.preview(
            library(), fields, _rel(draft, fields), new=not draft.article_path
        )
    return _render_edit(draft, form, shown)


def _rel(draft: Draft, fields: Fields) -> str:
    try:
        return editing.target_path(fields, draft.article_path)
    except editing.EditingError:
        return f"{fields.slug or 'new'}.md"


@bp.post("/drafts/<int:draft_id>")
@body_limit(DRAFT_BODY_LIMIT)
@role_required("agent")
def save(draft_id: int) -> Response | tuple[str, int]:
    """Save (and preview, propose, schedule or publish) the draft from the form."""
    draft = _draft_or_404(draft_id)
    if not editing.may_edit(draft, current_user):
        abort(403)
    form = _form()
    step = params.parse(EditArgs, request.form).step or "save"
    if not form.validate_on_submit():
        return _render_edit(draft, form, status=400)
    fields = _fields(form)
    if step in ("publish", "schedule"):
        if not current_user.has_role("editor"):
            flash(_("Only editors and admins publish."))
            return _render_edit(draft, form, status=403)
        if _revision(form) != draft.revision:
            # Approving names the text the editor saw: not one saved since.
            return _changed(draft, _revision(form), fields)
    # An explicit Save always stores what the page holds (only background
    # saves, which may arrive out of order, are compared by revision).
    saved = editing.save(
        db.session(),
        draft,
        current_user,
        fields,
        reviewed=bool(form.reviewed.data),
        link=draft_link(draft.id),
    )
    if not saved:
        flash(_("Someone else has taken over this draft; nothing was saved."))
        return _render_edit(draft, form, status=409)
    form.revision.data = str(draft.revision)
    if saved.reopened:
        flash(_reopened_message(saved.reopened))
    if step == "preview":
        shown = editing.preview(
            library(), fields, _rel(draft, fields), new=not draft.article_path
        )
        return _render_edit(
            draft, _form(Fields.from_draft(draft), draft.revision, fresh=True), shown
        )
    if step == "propose":
        editing.propose(db.session(), draft)
        flash(_("Sent for review. An editor will approve and publish it."))
        return redirect(url_for("editor.edit", draft_id=draft.id))
    if step == "publish":
        return _publish(draft, draft.revision)
    if step == "schedule":
        return _schedule(draft, form, fields)
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


def _schedule(
    draft: Draft, form: DraftForm, fields: Fields
) -> Response | tuple[str, int]:
    when = form.publish_at.data
    if when is None:
        form.publish_at.errors = [_("Choose when to publish it.")]
        return _render_edit(draft, form, status=400)
    when = when.replace(tzinfo=dt.UTC)
    if when <= dt.datetime.now(dt.UTC):
        form.publish_at.errors = [_("Choose a time in the future.")]
        return _render_edit(draft, form, status=400)
    rel = _rel(draft, fields)
    result = editing.check(library(), fields, rel, new=not draft.article_path)
    if not result.ok:
        flash(_("Not scheduled: fix the problems below first."))
        shown = editing.preview(library(), fields, rel, new=not draft.article_path)
        return _render_edit(draft, form, shown, status=400)
    refused = publishing.schedule(
        db.session(), draft, current_user, when, revision=draft.revision
    )
    if refused == editing.SECOND_PERSON:
        flash(_("A second person must approve this draft: ask another editor."))
        return _render_edit(draft, form, status=403)
    if refused:
        flash(_("Only editors and admins publish."))
        return _render_edit(draft, form, status=403)
    flash(
        _(
            "Scheduled: it will be published at %(when)s UTC.",
            when=when.strftime("%Y-%m-%d %H:%M"),
        )
    )
    return redirect(url_for("editor.edit", draft_id=draft.id))


def _changed(
    draft: Draft, seen: int | None, page: Fields | None = None
) -> tuple[str, int]:
    """409: the draft changed since revision ``seen``; show what changed.

    Nothing is saved or published. The form now holds the draft as it is, so
    approving again approves what the editor has just been shown.
    """
    database = db.session()
    now = editing.text_of(draft)
    before = review.seen_text(database, draft, seen)
    page_text = ""
    if page is not None:
        extra = Fields.from_draft(draft).extra
        page_text = Fields(**{**page.__dict__, "extra": extra}).to_text()
    start = before if before is not None else page_text
    last = draft.lock_user or draft.author
    flash(
        _(
            "Not published: the draft changed since you opened it. Below is what "
            "changed; the form now holds the draft as it is. Review it, then "
            "publish again."
        )
    )
    changed = Changed(
        lines=diffs.around_changes(diffs.inline(start, now)),
        start="seen" if before is not None else ("page" if page_text else ""),
        page_text=page_text if page_text and page_text != start else "",
        by=(last.name or last.email) if last else "",
    )
    form = _form(Fields.from_draft(draft), draft.revision, fresh=True)
    return _render_edit(draft, form, status=409, changed=changed)


@bp.post("/drafts/<int:draft_id>/autosave")
@body_limit(DRAFT_BODY_LIMIT)
@role_required("agent")
def autosave(draft_id: int) -> tuple[Response, int]:
    """Save the form in the background (every few seconds and on leaving)."""
    draft = _draft_or_404(draft_id)
    if not editing.may_edit(draft, current_user):
        return jsonify(
            error=_("This draft can no longer be changed."), status=409, field=None
        ), 409
    form = _form()
    if not form.validate_on_submit():
        # Keep what was typed even when a field is not valid yet: only the
        # CSRF token and the size limits stop an autosave.
        if "csrf_token" in form.errors or "body" in form.errors:
            return _json_errors(form)
    values: dict[str, str] = {
        name: str(getattr(draft, name) or "") for name in editing.FORM_FIELDS
    } | params.sent(request.form, tuple(editing.FORM_FIELDS), 20_000)
    fields = Fields(**values)  # type: ignore[arg-type]  # str fields by name
    if fields.lang not in ("id", "en"):
        fields = Fields(**{**fields.__dict__, "lang": draft.lang})
    if fields.status not in ("published", "draft"):
        fields = Fields(**{**fields.__dict__, "status": draft.status})
    refused = _storage_error(fields)
    if refused is not None:
        return refused
    saved = editing.save(
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
        "state": draft.state,
    }
    if saved.reopened:
        answer["notice"] = _reopened_message(saved.reopened)
    if params.parse(LiveArgs, request.form).live:
        answer["preview"] = _live_preview(draft)
    return jsonify(answer), 200


@dataclass(frozen=True)
class LiveArgs:
    """An autosave that also wants the live preview (``live=1``)."""

    live: bool = params.arg(params.flag)


def _live_preview(draft: Draft) -> dict[str, object]:
    """The saved draft rendered and checked, for the page to show as it is typed."""
    fields = Fields.from_draft(draft)
    shown = editing.preview(
        library(), fields, _rel(draft, fields), new=not draft.article_path
    )
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


def _publish(draft: Draft, revision: int | None) -> Response | tuple[str, int]:
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
        return _changed(draft, revision)
    if result.conflict:
        flash(
            _(
                "The article changed since you started and the changes overlap. "
                "Your draft is kept."
            )
        )
        return redirect(url_for("editor.conflict", draft_id=draft.id))
    form = _form(Fields.from_draft(draft), draft.revision, fresh=True)
    if result.check is not None:
        fields = Fields.from_draft(draft)
        html = editing.preview(library(), fields, _rel(draft, fields)).html
        shown = editing.Preview(html, result.check)
        flash(_("Not published: fix the problems below first."))
        return _render_edit(draft, form, shown, status=400)
    message, status = publish_error(result.error, result.detail)
    flash(message)
    return _render_edit(draft, form, status=status)


@dataclass(frozen=True)
class PinArgs:
    """The draft revision an approving editor saw (the form's hidden field)."""

    revision: int | None = params.arg(params.identifier)


@bp.post("/drafts/<int:draft_id>/publish")
@body_limit(DRAFT_BODY_LIMIT)
@role_required("editor")
def publish(draft_id: int) -> Response | tuple[str, int]:
    """Approve and publish the draft at the revision the editor saw."""
    draft = _draft_or_404(draft_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    return _publish(draft, params.parse(PinArgs, request.form).revision)


@bp.post("/drafts/<int:draft_id>/take-over")
@role_required("agent")
def take_over(draft_id: int) -> Response:
    """Take the soft lock from whoever has the draft open."""
    draft = _draft_or_404(draft_id)
    if (
        not editing.may_edit(draft, current_user)
        or not ActionForm().validate_on_submit()
    ):
        abort(403)
    editing.claim(db.session(), draft, current_user, take_over=True)
    flash(_("You are now editing this draft."))
    return redirect(url_for("editor.edit", draft_id=draft.id))


@bp.post("/drafts/<int:draft_id>/discard")
@role_required("agent")
def discard(draft_id: int) -> Response:
    """Give the draft up."""
    draft = _draft_or_404(draft_id)
    if (
        not editing.may_edit(draft, current_user)
        or not ActionForm().validate_on_submit()
    ):
        abort(403)
    editing.discard(db.session(), draft)
    flash(_("Draft discarded."))
    return redirect(url_for("editor.index"))


@bp.post("/drafts/<int:draft_id>/comments")
@role_required("agent")
def add_comment(draft_id: int) -> Response | tuple[str, int]:
    """Add a reviewer's comment to the draft."""
    draft = _draft_or_404(draft_id)
    form = CommentForm()
    if not form.validate_on_submit():
        flash(str(next(iter(form.errors.values()))[0]))
        return redirect(url_for("editor.edit", draft_id=draft.id) + "#comments")
    editing.comment(db.session(), draft, current_user, form.body.data)
    return redirect(url_for("editor.edit", draft_id=draft.id) + "#comments")


@bp.get("/drafts/<int:draft_id>/conflict")
@role_required("agent")
def conflict(draft_id: int) -> str:
    """Both sides of a conflict: the draft and the file as published now."""
    draft = _draft_or_404(draft_id)
    rel = draft.article_path
    current = ""
    if rel:
        try:
            target = files.inside(articles_root(), rel)
            current = target.read_text("utf-8") if target.exists() else ""
        except ValueError:
            abort(404)
    mine = Fields.from_draft(draft).to_text()
    theirs = editing.normalized(current, rel or "") if current else ""
    base = editing.normalized(draft.base_text, rel or "") if draft.base_text else ""
    return render_template(
        "editor/conflict.html",
        draft=draft,
        rows=diffs.side_by_side(theirs, mine),
        since=diffs.around_changes(diffs.inline(base, theirs)),
        action=ActionForm(formdata=None),
        noindex=True,
    )


@bp.post("/drafts/<int:draft_id>/resolve")
@role_required("agent")
def resolve(draft_id: int) -> Response:
    """Keep my draft over the published changes, or start again from them."""
    draft = _draft_or_404(draft_id)
    if (
        not editing.may_edit(draft, current_user)
        or not ActionForm().validate_on_submit()
    ):
        abort(403)
    if params.parse(EditArgs, request.form).choice == "theirs":
        editing.take_theirs(
            db.session(), draft, articles_root(), current_user, draft_link(draft.id)
        )
        flash(_("Your draft now starts from the published version."))
    else:
        editing.keep_mine(db.session(), draft, articles_root())
        flash(
            _("Your draft is kept; publishing it will replace the published changes.")
        )
    return redirect(url_for("editor.edit", draft_id=draft.id))

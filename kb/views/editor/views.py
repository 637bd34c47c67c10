"""Views of the editor pages: write, preview, review, publish, history, restore."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

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

from kb.security import body_limit, role_required, safe_next
from kb.services import agent_tickets, diffs, editing, events, update_requests
from kb.services.editing import Fields
from kb.storage import articles as files
from kb.storage import db, git_repo
from kb.storage import synonyms as synonym_file
from kb.storage.articles import Problem
from kb.storage.models import Draft, Ticket
from kb.views import params
from kb.views.context import content, library, search_service
from kb.views.editor import bp
from kb.views.editor.forms import (
    DRAFT_BODY_LIMIT,
    SYNONYMS_BODY_LIMIT,
    AddSynonymForm,
    CommentForm,
    DraftForm,
    NeedsUpdateForm,
    SettingsForm,
    SynonymsForm,
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


def _root() -> Path:
    return Path(current_app.config["ARTICLES_DIR"])


def _site() -> editing.Site:
    def after(fresh) -> None:
        # The index picks the change up now, incrementally (one article).
        search_service().ensure_current(fresh)

    return editing.Site(
        root=_root(),
        content=content(),
        lock_file=Path(current_app.config["CACHE_DIR"]) / "publish.lock",
        writer=current_app.config["EDITOR_WRITER"],
        push=current_app.config["GIT_PUSH"],
        after_publish=after,
    )


def _draft_or_404(draft_id: int) -> Draft:
    found = editing.get(db.session(), draft_id)
    if found is None:
        abort(404)
    if not current_user.has_role("editor") and found.author_id != current_user.id:
        abort(403)
    return found


def _form(fields: Fields | None = None, revision: int = 0) -> DraftForm:
    form = DraftForm(
        data=fields.__dict__ if fields and request.method == "GET" else None
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
    if request.method == "GET":
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


def _render_edit(
    draft: Draft | None,
    form: DraftForm,
    preview: editing.Preview | None = None,
    status: int = 200,
    published: editing.Published | None = None,
) -> tuple[str, int]:
    database = db.session()
    holder = editing.holder(draft, current_user) if draft else None
    return render_template(
        "editor/edit.html",
        draft=draft,
        form=form,
        preview=preview,
        holder=holder,
        published=published,
        comment_form=CommentForm(formdata=None),
        action=ActionForm(formdata=None),
        may_publish=(
            draft is not None
            and editing.may_publish(database, draft, current_user) is None
        ),
        second_person=editing.requires_second_person(database),
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
        editing.publish_due(database, _site())
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
    if valid:
        draft = editing.create(
            db.session(),
            current_user,
            _fields(form),
            source_ticket=ticket.reference if ticket else None,
        )
        if ticket is not None:
            _note_on_ticket(ticket, draft)
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


def _note_on_ticket(ticket: Ticket, draft: Draft) -> None:
    link = url_for("editor.edit", draft_id=draft.id, _external=False)
    agent_tickets.add_message(
        db.session(),
        ticket,
        current_user.id,
        _("An article draft was started from this ticket: %(link)s", link=link),
        internal=True,
        status=None,
        site_root=request.host_url,
        new_link_url="",
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
    """Save (and preview, propose or publish) the draft from the form."""
    draft = _draft_or_404(draft_id)
    if not editing.may_edit(draft, current_user):
        abort(403)
    form = _form()
    step = params.parse(EditArgs, request.form).step or "save"
    if not form.validate_on_submit():
        return _render_edit(draft, form, status=400)
    fields = _fields(form)
    # An explicit Save always stores what the page holds (only background
    # saves, which may arrive out of order, are compared by revision).
    if not editing.save(db.session(), draft, current_user, fields):
        flash(_("Someone else has taken over this draft; nothing was saved."))
        return _render_edit(draft, form, status=409)
    if form.reviewed.data:
        editing.mark_reviewed(db.session(), draft)
    if step == "preview":
        shown = editing.preview(
            library(), fields, _rel(draft, fields), new=not draft.article_path
        )
        return _render_edit(
            draft, _form(Fields.from_draft(draft), draft.revision), shown
        )
    if step == "propose":
        editing.propose(db.session(), draft)
        flash(_("Sent for review. An editor will approve and publish it."))
        return redirect(url_for("editor.edit", draft_id=draft.id))
    if step == "publish":
        return _publish(draft)
    if step == "schedule":
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
        refused = editing.schedule(db.session(), draft, current_user, when)
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
    flash(_("Draft saved."))
    return redirect(url_for("editor.edit", draft_id=draft.id))


def _revision(form: DraftForm) -> int | None:
    try:
        return int(form.revision.data)
    except (TypeError, ValueError):
        return None


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
        name: str(getattr(draft, name) or "")[:20_000] for name in editing.FORM_FIELDS
    } | params.sent(request.form, tuple(editing.FORM_FIELDS), 20_000)
    fields = Fields(**values)  # type: ignore[arg-type]  # str fields by name
    if fields.lang not in ("id", "en"):
        fields = Fields(**{**fields.__dict__, "lang": draft.lang})
    if fields.status not in ("published", "draft"):
        fields = Fields(**{**fields.__dict__, "status": draft.status})
    if not editing.save(
        db.session(), draft, current_user, fields, revision=_revision(form)
    ):
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
    }
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


def _publish(draft: Draft) -> Response | tuple[str, int]:
    result = editing.publish(db.session(), draft, current_user, _site())
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
    if result.conflict:
        flash(
            _(
                "The article changed since you started and the changes overlap. "
                "Your draft is kept."
            )
        )
        return redirect(url_for("editor.conflict", draft_id=draft.id))
    if result.check is not None:
        fields = Fields.from_draft(draft)
        html = editing.preview(library(), fields, _rel(draft, fields)).html
        shown = editing.Preview(html, result.check)
        flash(_("Not published: fix the problems below first."))
        return _render_edit(draft, _form(fields, draft.revision), shown, status=400)
    messages = {
        "not_writer": _(
            "This server does not publish articles; publish on the writer node."
        ),
        "busy": _("Another article is being published; try again in a moment."),
        "Only editors and admins publish.": _("Only editors and admins publish."),
        "This draft is no longer open.": _("This draft is no longer open."),
        "A second person must approve this draft.": _(
            "A second person must approve this draft: ask another editor."
        ),
    }
    flash(
        messages.get(result.error)
        or _("Publishing failed; nothing was changed. (%(error)s)", error=result.error)
    )
    status = 403 if result.error in messages and result.error != "busy" else 409
    return _render_edit(
        draft, _form(Fields.from_draft(draft), draft.revision), status=status
    )


@bp.post("/drafts/<int:draft_id>/publish")
@body_limit(DRAFT_BODY_LIMIT)
@role_required("editor")
def publish(draft_id: int) -> Response | tuple[str, int]:
    """Approve and publish the draft as it is saved."""
    draft = _draft_or_404(draft_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    return _publish(draft)


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
            target = files.inside(_root(), rel)
            current = target.read_text("utf-8") if target.exists() else ""
        except ValueError:
            abort(404)
    mine = Fields.from_draft(draft).to_text()
    theirs = editing._normalized(current, rel or "") if current else ""
    base = editing._normalized(draft.base_text, rel or "") if draft.base_text else ""
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
        editing.take_theirs(db.session(), draft, _root())
        flash(_("Your draft now starts from the published version."))
    else:
        editing.keep_mine(db.session(), draft, _root())
        flash(
            _("Your draft is kept; publishing it will replace the published changes.")
        )
    return redirect(url_for("editor.edit", draft_id=draft.id))


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
        _root(),
        found,
        fresh=params.parse(EditArgs, request.form).fresh,
    )
    # "This article needs an update" from a ticket: the draft links back to it.
    reference = params.parse(EditArgs, request.form).from_ticket
    ticket = agent_tickets.get(db.session(), reference) if reference else None
    if ticket is not None and draft.source_ticket is None:
        draft.source_ticket = ticket.reference
        db.session().commit()
        _note_on_ticket(ticket, draft)
    return redirect(url_for("editor.edit", draft_id=draft.id))


@bp.get("/articles/<slug>/history")
@role_required("agent")
def history(slug: str) -> str:
    """Who changed the article when, from git (across renames)."""
    found = _article_or_404(slug)
    repo = git_repo.Repository(_root())
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
    repo = git_repo.Repository(_root())
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
    mode = params.parse(EditArgs, request.args).mode
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
    repo = git_repo.Repository(_root())
    chosen = next((r for r in repo.history(found.path) if r.commit == commit), None)
    text = repo.show(chosen.commit, chosen.path) if chosen else None
    if chosen is None or text is None:
        abort(404)
    try:
        draft = editing.start_from_text(
            db.session(), current_user, _root(), found.path, text
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


@bp.route("/settings", methods=["GET", "POST"])
@role_required("admin")
def settings() -> Response | str:
    """Admin settings of the editor area."""
    database = db.session()
    form = SettingsForm()
    if request.method == "GET":
        form.require_second_person.data = editing.requires_second_person(database)
    if form.validate_on_submit():
        editing.set_setting(
            database,
            editing.REQUIRE_SECOND_PERSON,
            "1" if form.require_second_person.data else "0",
        )
        flash(_("Settings saved."))
        return redirect(url_for("editor.settings"))
    return render_template("editor/settings.html", form=form, noindex=True)


@bp.route("/synonyms", methods=["GET", "POST"])
@body_limit(SYNONYMS_BODY_LIMIT)
@role_required("editor")
def synonyms() -> Response | tuple[str, int]:
    """Edit the synonyms file, checked and committed like an article."""
    form = SynonymsForm()
    problems: tuple = ()
    if request.method == "GET":
        form.text.data = editing.synonyms_text(_root())
    elif form.validate_on_submit():
        result = editing.save_synonyms(form.text.data or "", current_user, _site())
        if result.ok:
            flash(_("Synonyms saved."))
            return redirect(url_for("editor.synonyms"))
        problems = result.problems
        if result.error:
            flash(
                _(
                    "Publishing failed; nothing was changed. (%(error)s)",
                    error=result.error,
                )
            )
    status = 400 if request.method == "POST" else 200
    return render_template(
        "editor/synonyms.html", form=form, problems=problems, noindex=True
    ), status


@dataclass(frozen=True)
class AddSynonymArgs:
    """What the search gap report's "Add a synonym" link prefills."""

    term: str = params.arg(params.text(100))
    lang: str = params.arg(params.choice(("id", "en"), "id"))
    next: str = params.arg(params.text(500, squeeze=False))


def _synonym_error(code: str) -> tuple[str, str]:
    """The field at fault and its message, for an entry that cannot be made."""
    messages = {
        "term": ("term", _("The search has no words to match.")),
        "phrase": ("phrase", _("Write a word or phrase with letters or digits.")),
        "same": ("phrase", _("A word cannot be a synonym of itself.")),
        "known": ("phrase", _("This synonym is already in the file.")),
        "lang": ("lang", _("Choose Bahasa Indonesia or English.")),
        "broken": (
            "",
            _("The synonyms file has problems; fix them on the synonyms page first."),
        ),
        "busy": ("", _("Someone else is publishing right now. Try again.")),
        "not_writer": ("", _("This server does not publish; use the main one.")),
    }
    return messages.get(
        code,
        ("", _("Publishing failed; nothing was changed. (%(error)s)", error=code)),
    )


@bp.route("/synonyms/add", methods=["GET", "POST"])
@role_required("editor")
def add_synonym() -> Response | tuple[str, int]:
    """Add one synonym (from a search gap): checked and committed like any edit."""
    form = AddSynonymForm()
    problems: tuple = ()
    if request.method == "GET":
        args = params.parse(AddSynonymArgs, request.args)
        form.term.data = args.term
        form.gap.data = args.term
        form.lang.data = args.lang
        form.next.data = args.next
    elif form.validate_on_submit():
        lang = form.lang.data or "id"
        result = editing.add_synonym(
            form.term.data or "", lang, form.phrase.data or "", current_user, _site()
        )
        if result.ok:
            gap = (form.gap.data or "").strip()
            if gap:
                # The gap is dealt with; it comes back if it fails again.
                events.record(events.GapHandled(current_user.id, lang, gap))
                events.flush()
                from kb.views.reports.views import forget_cached

                forget_cached()
            flash(
                _(
                    "Saved and published: searches for “%(term)s” now also find "
                    "“%(phrase)s”.",
                    term=form.term.data,
                    phrase=form.phrase.data,
                )
                + (" " + _("The gap is marked handled.") if gap else "")
            )
            target = safe_next(form.next.data, url_for("editor.synonyms"))
            return redirect(target)
        problems = result.problems
        field, message = _synonym_error(result.error)
        if field:
            getattr(form, field).errors = [message]
        elif not problems:
            flash(message)
    lang = form.lang.data if form.lang.data in ("id", "en") else "id"
    status = 400 if request.method == "POST" else 200
    return render_template(
        "editor/add_synonym.html",
        form=form,
        problems=problems,
        suggestions=synonym_file.phrases_of(editing.synonyms_text(_root()), lang),
        back=safe_next(form.next.data, url_for("reports.search")),
        noindex=True,
    ), status

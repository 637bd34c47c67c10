"""Publishing drafts and the synonyms file into the articles folder and git.

:func:`publish` is a unit: the draft's file is written and committed, or the
folder, git's staging area and the draft are left exactly as they were and the
editor is told why. It checks the draft exactly as ``kb check`` would check the
file it becomes, refuses when the draft changed since the reviewer saw it (the
revision they name), refuses on a repository git cannot read, then under one
lock writes the file atomically and commits it. The old file is kept through a
hard link until the commit is made, so putting it back needs no disk space;
every git command is bounded (see :mod:`kb.storage.git_repo`), so a slow hook
ends in a rollback, not in a worker killed half-way. The search index is only
told after a commit.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kb.services import editing, events, review, update_requests
from kb.services.articles import ContentStore, Library
from kb.services.editing import (
    FORM_FIELDS,
    Check,
    Fields,
    check,
    content_hash,
    may_publish,
    split_list,
    target_path,
)
from kb.storage import articles as files
from kb.storage import git_repo, synonyms
from kb.storage.articles import Problem
from kb.storage.git_repo import GitError, Person
from kb.storage.models import Draft, User, utcnow
from kb.translatable import N_

log = logging.getLogger(__name__)
# Trailers only Jawab writes (a title or a name can never add one).
APPROVED_BY = "Approved-by"
FROM_TICKET = "From-ticket"
# Error codes of :class:`Published` and :class:`FileSaved` besides git's text.
BUSY = "busy"  # another publish holds the lock
GIT_BUSY = "git_busy"  # git's index.lock is (or may be) held
DAMAGED = "damaged"  # git cannot read the repository
DISK = "disk"  # the file could not be written (a full disk, say)
NOT_WRITER = "not_writer"
CHANGED = "changed"  # the draft changed since the reviewer saw it


@dataclass
class Site:
    """Where publishing writes and whom it tells (built by the view)."""

    root: Path
    content: ContentStore
    lock_file: Path
    writer: bool = True
    push: bool = False
    after_publish: Callable[[Library], None] | None = None
    git_timeout: float = git_repo.TIMEOUT
    # A draft's editor page as an absolute URL, for mails ("" when unknown).
    draft_link: Callable[[int], str] | None = None

    def repository(self) -> git_repo.Repository:
        """The articles folder's git repository, with this site's timeout."""
        return git_repo.Repository(self.root, timeout=self.git_timeout)

    def link(self, draft: Draft) -> str:
        """The draft's editor page for a mail ("" when no link can be made)."""
        return self.draft_link(draft.id) if self.draft_link else ""


@dataclass(frozen=True)
class Published:
    """The outcome of :func:`publish`."""

    ok: bool
    check: Check | None = None  # problems that stopped it
    conflict: bool = False  # the file changed and the changes overlap
    merged: bool = False  # the file changed; the changes were merged
    commit: str | None = None
    git: bool = True  # False: the folder is not a git repository
    error: str = ""  # a code above, a refusal, or git's failure
    detail: str = ""  # what git or the system said, for the editor
    pushed: bool | None = None


def repository_problem(site: Site) -> str:
    """Why publishing is off because of the repository ("" when it is not)."""
    return site.repository().problem()


def _message(draft: Draft, rel: str, fields: Fields, approver: User) -> str:
    verb = "Add" if not draft.base_hash else "Update"
    trailers = []
    if approver.id != draft.author_id:
        trailers.append((APPROVED_BY, f"{approver.name} <{approver.email}>".strip()))
    if draft.source_ticket:
        trailers.append((FROM_TICKET, draft.source_ticket))
    return git_repo.commit_message(
        f"{verb} {rel}: {fields.title}",
        f"Published with the Jawab editor (draft {draft.id}).",
        tuple(trailers),
    )


def publish(
    db: Session,
    draft: Draft,
    publisher: User,
    site: Site,
    *,
    revision: int | None,
) -> Published:
    """Check, write and commit the draft as one article file (see module doc).

    ``revision`` is the draft's revision the publisher saw: a draft changed
    since is not published (``error`` is :data:`CHANGED`).
    """
    if not site.writer:
        return Published(False, error=NOT_WRITER)
    refused = may_publish(db, draft, publisher)
    if refused:
        return Published(False, error=refused)
    if revision is None or revision != draft.revision:
        return Published(False, error=CHANGED)
    try:
        rel = target_path(draft, draft.article_path)
        target = files.inside(site.root, rel)
    except (editing.EditingError, ValueError):
        fields = Fields.from_draft(draft)
        problem = Problem.of(fields.slug, 1, N_("slug or category is not a valid name"))
        return Published(False, check=Check(None, (problem,), {"slug": [problem]}, {}))
    repo = site.repository()
    damaged = repo.problem()
    if damaged:
        log.error("not publishing draft %s: %s", draft.id, damaged)
        return Published(False, error=DAMAGED, detail=damaged)
    try:
        with git_repo.publish_lock(site.lock_file):
            return _publish_locked(db, draft, publisher, site, repo, rel, target)
    except git_repo.PublishBusy:
        return Published(False, error=BUSY)


def _publish_locked(
    db: Session,
    draft: Draft,
    publisher: User,
    site: Site,
    repo: git_repo.Repository,
    rel: str,
    target: Path,
) -> Published:
    # What the draft is now, not what this request read before the lock: an
    # autosave may have landed in between.
    revision = draft.revision
    db.refresh(draft)
    if draft.revision != revision:
        return Published(False, error=CHANGED)
    refused = may_publish(db, draft, publisher)
    if refused:
        return Published(False, error=refused)
    if repo.available:
        try:
            repo.clear_stale_lock()
        except git_repo.GitBusy as exc:
            log.warning("not publishing draft %s: %s", draft.id, exc)
            return Published(False, error=GIT_BUSY, detail=str(exc))
    library = site.content.reload()
    fields = Fields.from_draft(draft)
    current = target.read_bytes() if target.exists() else None
    current_hash = content_hash(current) if current is not None else ""
    if current is not None and not draft.base_hash:
        problem = Problem.of(rel, 1, editing.FILE_EXISTS, path=rel)
        return Published(False, check=Check(None, (problem,), {"slug": [problem]}, {}))
    merged = False
    if current is not None and current_hash != draft.base_hash:
        theirs = current.decode("utf-8")
        text, clean = git_repo.merge_texts(
            fields.to_text(),
            editing.normalized(draft.base_text, rel),
            editing.normalized(theirs, rel),
        )
        article = files.parse_bytes(text.encode("utf-8"), rel)[0] if clean else None
        if article is None:
            draft.conflict_text = theirs
            db.commit()
            return Published(False, conflict=True)
        fields = Fields.from_article(article)
        merged = True
    result = check(library, fields, rel)
    if not result.ok:
        return Published(False, check=result)
    text = fields.to_text(dt.datetime.now(dt.UTC).date())
    commit = None
    unchanged = current is not None and (
        editing.normalized(current.decode("utf-8"), rel) == fields.to_text()
    )
    change = None
    if not unchanged:
        try:
            change = files.FileChange(target, text)
        except OSError as exc:
            log.error("publishing draft %s: cannot write %s: %s", draft.id, rel, exc)
            return Published(False, error=DISK, detail=exc.strerror or str(exc))
    if change is not None and repo.available:
        author = db.get(User, draft.author_id) or publisher
        try:
            commit = repo.commit(
                [rel],
                _message(draft, rel, fields, publisher),
                Person(author.name, author.email),
                Person(publisher.name, publisher.email),
            )
        except GitError as exc:
            # The staging area is back as it was (commit() saw to it); the
            # file goes back by a rename, so the tree is as it was too.
            change.undo()
            log.error("publishing draft %s failed: %s", draft.id, exc)
            return Published(False, error=str(exc))
    if change is not None:
        change.done()
    pushed = None
    if commit and site.push:
        try:
            repo.push()
            pushed = True
        except GitError as exc:
            log.warning("push after publishing failed: %s", exc)
            pushed = False
    _close(db, draft, publisher, fields, rel, text, commit, revision)
    # Publishing answers "this article needs an update" (any reason).
    update_requests.clear(db, {fields.slug, *split_list(fields.aliases)}, commit)
    if not unchanged:  # the team report counts the writer's knowledge work
        events.record(
            events.ArticlePublished(draft.author_id, fields.slug, fields.lang)
        )
    fresh = site.content.reload()
    editing.remember_counterpart(db, fresh, fields.slug)
    if site.after_publish:
        site.after_publish(fresh)
    return Published(
        True, merged=merged, commit=commit, git=repo.available, pushed=pushed
    )


def _close(
    db: Session,
    draft: Draft,
    publisher: User,
    fields: Fields,
    rel: str,
    text: str,
    commit: str | None,
    revision: int,
) -> None:
    """Mark the draft published, unless someone changed it while it was committed.

    Then the reviewed revision is what went live, and the newer text stays an
    open draft over the file as it is now (its next publish starts from there).
    """
    values: dict[str, object] = {name: getattr(fields, name) for name in FORM_FIELDS}
    done = db.execute(
        update(Draft)
        .where(Draft.id == draft.id, Draft.revision == revision)
        .values(
            **values,
            extra=json.dumps(fields.extra, default=str),
            article_path=rel,
            state="published",
            published_commit=commit,
            approved_by_id=publisher.id,
            approved_revision=revision,
            conflict_text=None,
            lock_user_id=None,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    if getattr(done, "rowcount", 1) == 0:
        log.warning("draft %s changed while it was published; it stays open", draft.id)
        db.execute(
            update(Draft)
            .where(Draft.id == draft.id)
            .values(article_path=rel, base_text=text, base_hash=content_hash(text))
            .execution_options(synchronize_session=False)
        )
    db.commit()
    db.refresh(draft)


# -- the synonyms file ----------------------------------------------------
@dataclass(frozen=True)
class FileSaved:
    """The outcome of saving a non-article file (the synonyms)."""

    ok: bool
    problems: tuple[Problem, ...] = ()
    commit: str | None = None
    git: bool = True
    error: str = ""
    detail: str = ""


def synonyms_text(root: Path) -> str:
    """The synonyms file as it is now ("" when there is none)."""
    path = root / synonyms.FILENAME
    return path.read_text("utf-8") if path.exists() else ""


def save_synonyms(text: str, user: User, site: Site, summary: str = "") -> FileSaved:
    """Check the synonyms file like ``kb check``, then write and commit it."""
    if not site.writer:
        return FileSaved(False, error=NOT_WRITER)
    if not user.has_role("editor"):
        return FileSaved(False, error="Only editors and admins publish.")
    text = text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n") + "\n"
    _, problems = synonyms.parse_text(text)
    if problems:
        return FileSaved(False, problems=tuple(problems))
    repo = site.repository()
    damaged = repo.problem()
    if damaged:
        return FileSaved(False, error=DAMAGED, detail=damaged)
    target = site.root / synonyms.FILENAME
    person = Person(user.name, user.email)
    try:
        with git_repo.publish_lock(site.lock_file):
            old = target.read_bytes() if target.exists() else None
            if old == text.encode("utf-8"):
                return FileSaved(True, git=repo.available)  # nothing changed
            if repo.available:
                repo.clear_stale_lock()
            try:
                change = files.FileChange(target, text)
            except OSError as exc:
                log.error("cannot write %s: %s", synonyms.FILENAME, exc)
                return FileSaved(False, error=DISK, detail=exc.strerror or str(exc))
            commit = None
            if repo.available:
                try:
                    commit = repo.commit(
                        [synonyms.FILENAME],
                        git_repo.commit_message(
                            summary or f"Update {synonyms.FILENAME}",
                            "Saved with the Jawab editor.",
                        ),
                        person,
                        person,
                    )
                except GitError as exc:
                    change.undo()
                    return FileSaved(False, error=str(exc))
            change.done()
            fresh = site.content.reload()
            if site.after_publish:
                site.after_publish(fresh)
    except git_repo.PublishBusy:
        return FileSaved(False, error=BUSY)
    except git_repo.GitBusy as exc:
        return FileSaved(False, error=GIT_BUSY, detail=str(exc))
    return FileSaved(True, commit=commit, git=repo.available)


def add_synonym(term: str, lang: str, phrase: str, user: User, site: Site) -> FileSaved:
    """Let searches for ``term`` find ``phrase`` too: one entry, checked, committed.

    The file is changed in place (comments kept) and then goes through
    :func:`save_synonyms`, so the checks and the commit are the editor's own.
    ``error`` is a :class:`~kb.storage.synonyms.SynonymEditError` code when the
    entry itself cannot be made.
    """
    try:
        text = synonyms.with_synonym(synonyms_text(site.root), lang, term, phrase)
    except synonyms.SynonymEditError as exc:
        return FileSaved(False, error=str(exc))
    key = " ".join(synonyms.words(term))
    wanted = " ".join(synonyms.words(phrase))
    return save_synonyms(text, user, site, f"Synonym ({lang}): {key} -> {wanted}")


# -- schedules ------------------------------------------------------------
def schedule(
    db: Session,
    draft: Draft,
    user: User,
    when: dt.datetime,
    *,
    revision: int | None,
) -> str | None:
    """Publish the draft at ``when`` (UTC); why not, when it may not be.

    Scheduling approves the draft's ``revision`` (the one the editor saw):
    :data:`CHANGED` when the draft is no longer at it.
    """
    refused = may_publish(db, draft, user)
    if refused:
        return refused
    if revision is None or revision != draft.revision:
        return CHANGED
    draft.state = "scheduled"
    draft.publish_at = when
    draft.approved_by_id = user.id
    draft.approved_revision = draft.revision
    draft.lock_user_id = draft.lock_at = None
    db.commit()
    return None


def unschedule(db: Session, draft: Draft) -> None:
    """Take a scheduled draft back to being written."""
    draft.state = "editing"
    draft.publish_at = None
    db.commit()


def publish_due(
    db: Session, site: Site, now: dt.datetime | None = None
) -> list[Published]:
    """Publish every scheduled draft whose time has come (by whoever scheduled it).

    Exactly the revision that was scheduled is published; a draft scheduled
    before Jawab kept that revision goes back to editing and its scheduler is
    told, since nothing shows its text is still the one they approved.
    """
    now = now or utcnow()
    due = db.scalars(
        select(Draft).where(Draft.state == "scheduled", Draft.publish_at.is_not(None))
    ).all()
    results = []
    for draft in due:
        moment = draft.publish_at
        if moment is not None and moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        if moment is None or moment > now:
            continue
        publisher = db.get(User, draft.approved_by_id) if draft.approved_by_id else None
        if publisher is None:
            continue
        if draft.approved_revision is None:
            review.reopen(db, draft, publisher, link=site.link(draft), why="unpinned")
            db.commit()
            continue
        result = publish(db, draft, publisher, site, revision=draft.approved_revision)
        if not result.ok:
            # Keep it visible to editors instead of retrying a broken draft forever.
            draft.state = "editing"
            db.commit()
            log.warning("scheduled draft %s was not published: %s", draft.id, result)
        results.append(result)
    return results

"""Publishing a draft into the articles folder and git.

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

from sqlalchemy import update
from sqlalchemy.orm import Session

from kb.services import events, update_requests
from kb.services.articles import ContentStore, Library
from kb.services.editing.checks import FILE_EXISTS, Check, check
from kb.services.editing.fields import (
    FORM_FIELDS,
    EditingError,
    Fields,
    content_hash,
    normalized,
    split_list,
    target_path,
)
from kb.services.editing.review import may_publish
from kb.services.editing.translations import remember_counterpart
from kb.storage import articles as files
from kb.storage import git_repo
from kb.storage.articles import Problem
from kb.storage.git_repo import GitError, Person
from kb.storage.models import Draft, User, utcnow
from kb.translatable import N_

log = logging.getLogger(__name__)
# Trailers only Jawab writes (a title or a name can never add one).
APPROVED_BY = "Approved-by"
FROM_TICKET = "From-ticket"
# Error codes of :class:`Published` and :class:`synonyms.FileSaved` besides git's text.
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
    except (EditingError, ValueError):
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
        problem = Problem.of(rel, 1, FILE_EXISTS, path=rel)
        return Published(False, check=Check(None, (problem,), {"slug": [problem]}, {}))
    merged = False
    if current is not None and current_hash != draft.base_hash:
        theirs = current.decode("utf-8")
        text, clean = git_repo.merge_texts(
            fields.to_text(),
            normalized(draft.base_text, rel),
            normalized(theirs, rel),
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
        normalized(current.decode("utf-8"), rel) == fields.to_text()
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
    remember_counterpart(db, fresh, fields.slug)
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

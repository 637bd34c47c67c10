"""The synonyms file beside the articles: checked like ``kb check``, committed.

Saving it goes through the publish lock and git like an article (see
:mod:`publishing`); a synonym added from the search gap report is one entry
written into the file in place, comments kept.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from kb.services.editing.publishing import (
    BUSY,
    DAMAGED,
    DISK,
    GIT_BUSY,
    NOT_WRITER,
    Site,
)
from kb.storage import articles as files
from kb.storage import git_repo, synonyms
from kb.storage.articles import Problem
from kb.storage.git_repo import GitError, Person
from kb.storage.models import User

log = logging.getLogger(__name__)


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


def phrases(root: Path, lang: str) -> tuple[str, ...]:
    """The phrases the synonyms file already has in ``lang`` (suggestions)."""
    return synonyms.phrases_of(synonyms_text(root), lang)

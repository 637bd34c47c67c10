"""An article's history, read from git: who changed it when, each version, restore.

The editor's pages never talk to git themselves: they ask here, with the
:class:`~kb.services.editing.publishing.Site` that says where the articles are.
History is never rewritten: restoring a version makes a new draft holding it,
published like any other.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from kb.services.editing.drafts import start_from_text
from kb.services.editing.fields import EditingError
from kb.services.editing.publishing import Site
from kb.storage.git_repo import Revision
from kb.storage.models import Draft, User


@dataclass(frozen=True)
class History:
    """The commits that changed one article, newest first."""

    available: bool  # False: the articles folder is not a git repository
    revisions: list[Revision]


@dataclass(frozen=True)
class Version:
    """One commit of an article: the file after it and before it."""

    revision: Revision
    text: str  # the file as that commit left it
    before: str  # the file as the commit before left it ("" for the first)


@dataclass(frozen=True)
class Restored:
    """A version restored into a new draft."""

    draft: Draft
    revision: Revision


def history(site: Site, rel: str) -> History:
    """Who changed the article at ``rel`` when (following renames)."""
    repo = site.repository()
    return History(repo.available, repo.history(rel) if repo.available else [])


def version(site: Site, rel: str, commit: str) -> Version | None:
    """The article as ``commit`` left it and as it was before (None: no such commit)."""
    repo = site.repository()
    if not repo.available:
        return None
    revisions = repo.history(rel)
    position = next((i for i, r in enumerate(revisions) if r.commit == commit), None)
    if position is None:
        return None
    chosen = revisions[position]
    after = repo.show(chosen.commit, chosen.path) or ""
    before = ""
    if position + 1 < len(revisions):
        older = revisions[position + 1]
        before = repo.show(older.commit, older.path) or ""
    return Version(chosen, after, before)


def restore(
    db: Session, user: User, site: Site, rel: str, commit: str
) -> Restored | None:
    """A new draft holding the article as ``commit`` left it (None: no such version).

    The draft starts over the file as it is now, so publishing it restores
    the old version as a new commit.
    """
    repo = site.repository()
    if not repo.available:
        return None
    chosen = next((r for r in repo.history(rel) if r.commit == commit), None)
    text = repo.show(chosen.commit, chosen.path) if chosen else None
    if chosen is None or text is None:
        return None
    try:
        draft = start_from_text(db, user, site.root, rel, text)
    except EditingError:
        return None
    return Restored(draft, chosen)

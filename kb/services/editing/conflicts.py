"""Conflicts: a published article changed under a draft and the changes overlap.

Publishing merges changes that do not overlap (see :mod:`publishing`); when
they do, the draft is kept and its writer sees both sides here, then keeps the
draft over the published file or starts again from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from kb.services.editing import review
from kb.services.editing.drafts import apply_fields
from kb.services.editing.fields import (
    EditingError,
    Fields,
    content_hash,
    normalized,
    text_of,
)
from kb.storage import articles as files
from kb.storage.models import Draft, User


@dataclass(frozen=True)
class Sides:
    """Both sides of a conflict, each as the editor writes a file."""

    mine: str  # the draft
    theirs: str  # the file as published now ("" when there is none)
    base: str  # the file the draft started from ("" for a new article)


def sides(draft: Draft, root: Path) -> Sides:
    """The draft, the published file and their common start.

    Raises ``ValueError`` when the draft's path is outside the articles folder.
    """
    rel = draft.article_path
    current = ""
    if rel:
        target = files.inside(root, rel)
        current = target.read_text("utf-8") if target.exists() else ""
    return Sides(
        mine=Fields.from_draft(draft).to_text(),
        theirs=normalized(current, rel or "") if current else "",
        base=normalized(draft.base_text, rel or "") if draft.base_text else "",
    )


def keep_mine(db: Session, draft: Draft, root: Path) -> None:
    """Resolve a conflict for the draft: its next publish replaces the file."""
    rel = draft.article_path
    if rel:
        target = files.inside(root, rel)
        if target.exists():
            raw = target.read_bytes()
            draft.base_text, draft.base_hash = raw.decode("utf-8"), content_hash(raw)
    draft.conflict_text = None
    db.commit()


def take_theirs(
    db: Session, draft: Draft, root: Path, user: User, link: str = ""
) -> None:
    """Resolve a conflict by starting the draft again from the published file."""
    rel = draft.article_path
    if not rel:
        return
    target = files.inside(root, rel)
    raw = target.read_bytes()
    article, _ = files.parse_bytes(raw, rel)
    if article is None:
        raise EditingError("the published file cannot be read")
    before = text_of(draft)
    apply_fields(draft, Fields.from_article(article))
    draft.base_text, draft.base_hash = raw.decode("utf-8"), content_hash(raw)
    draft.conflict_text = None
    if text_of(draft) != before:  # a change of the text like any other
        draft.revision += 1
        was = draft.state
        review.reopen(db, draft, user, link=link)
        review.record(db, draft, user, text_of(draft), was=was)
    db.commit()

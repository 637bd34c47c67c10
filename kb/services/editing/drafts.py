"""Drafts: start one, save it (by hand or in the background), its soft lock.

Drafts live in the database, so nothing unpublished ever reaches ``articles/``
or the search index. A change of a draft's text makes a new revision and is
recorded by :mod:`kb.services.editing.review`, which also sends a draft under
review back to being written.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.services.editing import review
from kb.services.editing.fields import (
    FORM_FIELDS,
    EditingError,
    Fields,
    content_hash,
    text_of,
)
from kb.services.editing.review import OPEN_STATES
from kb.storage import articles as files
from kb.storage.articles import ArticleFile
from kb.storage.models import Draft, User, utcnow

LOCK_MINUTES = 5  # a soft lock older than this is free to take


def get(db: Session, draft_id: int) -> Draft | None:
    """A draft by id."""
    return db.get(Draft, draft_id)


def open_drafts(db: Session, user: User | None = None) -> list[Draft]:
    """Drafts being written or waiting for review, newest first."""
    query = select(Draft).where(Draft.state.in_(OPEN_STATES))
    if user is not None:
        query = query.where(Draft.author_id == user.id)
    return list(db.scalars(query.order_by(Draft.updated_at.desc(), Draft.id.desc())))


def drafts_of(db: Session, article_path: str) -> list[Draft]:
    """Open drafts of one article file."""
    return list(
        db.scalars(
            select(Draft)
            .where(Draft.article_path == article_path, Draft.state.in_(OPEN_STATES))
            .order_by(Draft.id)
        )
    )


def too_long(fields: Fields) -> tuple[str, int] | None:
    """The first field longer than its column: (name, the column's length).

    (Control characters such as NUL never get this far: every request
    holding one is refused by ``kb.security``.)
    """
    for name in FORM_FIELDS:
        limit = getattr(Draft.__table__.c[name].type, "length", None)
        if limit is not None and len(getattr(fields, name)) > limit:
            return name, limit
    return None


def apply_fields(draft: Draft, fields: Fields) -> None:
    """Put the form's fields into the draft row (not yet stored)."""
    for name in FORM_FIELDS:
        setattr(draft, name, getattr(fields, name))
    draft.extra = json.dumps(fields.extra, default=str)


def create(
    db: Session,
    user: User,
    fields: Fields,
    *,
    source_ticket: str | None = None,
) -> Draft:
    """A new article's draft."""
    draft = Draft(author_id=user.id, source_ticket=source_ticket, base_text="")
    return _keep(db, draft, fields, user)


def start_from_file(
    db: Session, user: User, root: Path, article: ArticleFile, *, fresh: bool = False
) -> Draft:
    """A draft of a published file, remembering the version it starts from.

    The person's own open draft of the file is reused unless ``fresh``.
    """
    if not fresh:
        for draft in drafts_of(db, article.path):
            if draft.author_id == user.id:
                return draft
    raw = files.inside(root, article.path).read_bytes()
    draft = Draft(
        author_id=user.id,
        article_path=article.path,
        base_hash=content_hash(raw),
        base_text=raw.decode("utf-8"),
    )
    return _keep(db, draft, Fields.from_article(article), user)


def _keep(db: Session, draft: Draft, fields: Fields, user: User) -> Draft:
    """Fill a new ``draft`` from ``fields``, lock it for ``user`` and store it."""
    apply_fields(draft, fields)
    draft.lock_user_id, draft.lock_at = user.id, utcnow()
    db.add(draft)
    db.flush()  # its id, for the first change
    review.record(db, draft, user, text_of(draft), was="editing")
    db.commit()
    return draft


def start_from_text(db: Session, user: User, root: Path, rel: str, text: str) -> Draft:
    """A draft whose content is ``text`` (a restored version) over the current file."""
    target = files.inside(root, rel)
    article, _ = files.parse_bytes(text.encode("utf-8"), rel)
    if article is None:
        raise EditingError("that version cannot be read as an article")
    current = target.read_bytes() if target.exists() else b""
    draft = Draft(
        author_id=user.id,
        article_path=rel if current else None,
        base_hash=content_hash(current) if current else "",
        base_text=current.decode("utf-8"),
    )
    return _keep(db, draft, Fields.from_article(article), user)


def may_edit(draft: Draft, user: User) -> bool:
    """Agents edit their own drafts; editors and admins any open draft."""
    if draft.state not in OPEN_STATES:
        return False
    return draft.author_id == user.id or user.has_role("editor")


def _fresh(moment: dt.datetime | None, now: dt.datetime) -> bool:
    if moment is None:
        return False
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return now - moment < dt.timedelta(minutes=LOCK_MINUTES)


def holder(draft: Draft, user: User) -> User | None:
    """Someone else who has the draft open right now (the soft lock), if any."""
    if draft.lock_user_id in (None, user.id) or not _fresh(draft.lock_at, utcnow()):
        return None
    return draft.lock_user


def claim(db: Session, draft: Draft, user: User, *, take_over: bool = False) -> bool:
    """Take the soft lock when it is free (or ``take_over``); False if held."""
    if holder(draft, user) is not None and not take_over:
        return False
    draft.lock_user_id, draft.lock_at = user.id, utcnow()
    db.commit()
    return True


def _reviewed_text(draft: Draft) -> str:
    """The draft's text as review compares it: the ``reviewed:`` date set aside.

    Ticking "I checked that this article is still true" records when someone
    checked it; it says nothing new to readers and changes no reviewed text.
    """
    fields = Fields.from_draft(draft)
    extra = {k: v for k, v in fields.extra.items() if k != "reviewed"}
    return Fields(**{**fields.__dict__, "extra": extra}).to_text()


@dataclass(frozen=True)
class Saved:
    """What :func:`save` did."""

    ok: bool  # False: someone else holds the soft lock; nothing was saved
    changed: bool = False  # the text changed (a new revision)
    reopened: str = ""  # the review state the change ended ("proposed", "scheduled")

    def __bool__(self) -> bool:
        return self.ok


def save(
    db: Session,
    draft: Draft,
    user: User,
    fields: Fields,
    *,
    revision: int | None = None,
    reviewed: bool = False,
    link: str = "",
) -> Saved:
    """Store the form's fields, unless another holds the lock.

    ``revision`` is the version the browser last saw: an older autosave that
    arrives after a newer one (sendBeacon on leaving) is ignored. A change of
    the text makes a new revision and, on a draft under review, sends it back
    to being written (see :mod:`kb.services.editing.review`; ``link`` is the draft's
    page for the mail). ``reviewed`` records that the article was checked today.
    """
    if holder(draft, user) is not None:
        return Saved(False)
    if revision is not None and revision < draft.revision:
        return Saved(True)
    before = _reviewed_text(draft)
    keep = json.loads(draft.extra or "{}")
    if reviewed:
        keep["reviewed"] = dt.datetime.now(dt.UTC).date().isoformat()
    apply_fields(draft, Fields(**{**fields.__dict__, "extra": keep or fields.extra}))
    draft.lock_at = utcnow()
    draft.lock_user_id = user.id
    changed = _reviewed_text(draft) != before
    reopened = ""
    if changed:
        draft.revision += 1
        draft.updated_at = draft.lock_at
        was = draft.state
        reopened = review.reopen(db, draft, user, link=link)
        review.record(db, draft, user, text_of(draft), was=was)
    db.commit()
    return Saved(True, changed, reopened)


def discard(db: Session, draft: Draft) -> None:
    """Give the draft up; the published file is untouched."""
    draft.state = "discarded"
    db.commit()


def link_ticket(db: Session, draft: Draft, reference: str) -> bool:
    """Note that the draft answers ticket ``reference`` (False: it names one)."""
    if draft.source_ticket is not None:
        return False
    draft.source_ticket = reference
    db.commit()
    return True

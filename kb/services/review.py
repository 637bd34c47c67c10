"""Review of drafts: who changed the text, what a reviewer saw, who may approve.

What a help center owes its readers is that no text goes live that nobody but
its writer has read. So, as a change request's approval is dismissed by a new
push:

- Any change to the text of a draft under review (``proposed`` or
  ``scheduled``), by anyone, sends it back to being written: its schedule is
  cancelled, the draft's history gets an entry saying who changed it and what
  it was before, and whoever scheduled it gets a mail (through the outbox).
  The writer asks for review again when ready.
- Publishing and scheduling name the revision the reviewer saw; when the
  draft changed since, they are refused and the reviewer is shown what changed.
- With "a second person must approve", nobody who changed the text since its
  last approval (a schedule) may approve it: an editor who rewrites a draft
  needs another editor, whoever started the draft.

Changes are kept in ``draft_changes``: one row per run of saves by one person
while the draft is being written, and always a new row for a change to a
draft under review, so the text a reviewer was shown stays readable.
"""

from __future__ import annotations

import json
import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.services import mail
from kb.storage.models import Draft, DraftChange, DraftComment, User, utcnow

log = logging.getLogger(__name__)
REVIEW_STATES = ("proposed", "scheduled")
REOPENED = "reopened"


def record(db: Session, draft: Draft, user: User, text: str, *, was: str) -> None:
    """Note that ``user`` changed the text to ``text`` (the draft's revision now).

    ``was`` is the draft's state before the change: a change while it was
    being written extends the person's own run of saves; any other starts one.
    """
    last = db.scalars(
        select(DraftChange)
        .where(DraftChange.draft_id == draft.id)
        .order_by(DraftChange.id.desc())
        .limit(1)
    ).first()
    approved = draft.approved_revision
    if (
        last is not None
        and last.user_id == user.id
        and was == "editing"
        and (approved is None or last.revision > approved)
    ):
        last.revision, last.text, last.created_at = draft.revision, text, utcnow()
        return
    db.add(
        DraftChange(
            draft_id=draft.id, user_id=user.id, revision=draft.revision, text=text
        )
    )


def changed_since_approval(db: Session, draft: Draft) -> set[int]:
    """Who changed the text since its last approval (everyone, when never approved)."""
    since = draft.approved_revision
    query = select(DraftChange.user_id).where(DraftChange.draft_id == draft.id)
    if since is not None:
        query = query.where(DraftChange.revision > since)
    people = {uid for uid in db.scalars(query) if uid is not None}
    if since is None:
        people.add(draft.author_id)  # whoever started it wrote it
    return people


def seen_text(db: Session, draft: Draft, revision: int | None) -> str | None:
    """The article file the draft made at ``revision``, when that is still kept."""
    if revision is None:
        return None
    return db.scalars(
        select(DraftChange.text)
        .where(DraftChange.draft_id == draft.id, DraftChange.revision == revision)
        .order_by(DraftChange.id.desc())
        .limit(1)
    ).first()


def reopen(
    db: Session, draft: Draft, user: User, *, link: str = "", why: str = ""
) -> str:
    """Send a draft under review back to being written (in the caller's transaction).

    Returns the state it was in ("" when it was not under review). ``why`` is
    the history entry's reason when it is not ``user``'s change ("unpinned":
    a schedule made before reviews were pinned).
    """
    was = draft.state
    if was not in REVIEW_STATES:
        return ""
    when = draft.publish_at
    scheduler = draft.approved_by if was == "scheduled" else None
    draft.state = "editing"
    draft.publish_at = None
    entry = {"was": was, "at": when.isoformat() if when else "", "why": why}
    db.add(
        DraftComment(
            draft_id=draft.id, author_id=user.id, kind=REOPENED, body=json.dumps(entry)
        )
    )
    # The scheduler is told of a change by someone else, and always of a
    # schedule Jawab itself set aside (``why``).
    if scheduler is not None and scheduler.active and (scheduler.id != user.id or why):
        mail.enqueue(
            db,
            mail.draft_reopened(
                scheduler.email,
                # One line each: a title is never a mail header's second line.
                title=" ".join(draft.title.split()),
                changed_by=" ".join((user.name or user.email).split()),
                scheduled_at=when.strftime("%Y-%m-%d %H:%M") if when else "",
                link=link,
                why=why,
            ),
        )
    log.info("draft %s was %s and is back to editing (%s)", draft.id, was, why or "")
    return was


def entry(comment: DraftComment) -> dict[str, str]:
    """What a history entry of Jawab's says (``was``, ``at``, ``why``)."""
    try:
        found = json.loads(comment.body)
    except ValueError:
        found = {}
    if not isinstance(found, dict):
        found = {}
    return {key: str(found.get(key) or "") for key in ("was", "at", "why")}

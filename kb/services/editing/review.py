"""Review of drafts: asking for it, comments, who changed the text, who may approve.

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
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.services import diffs, mail
from kb.services.editing.fields import Fields, text_of
from kb.services.editing.settings import requires_second_person
from kb.storage.models import Draft, DraftChange, DraftComment, User, utcnow

log = logging.getLogger(__name__)
REVIEW_STATES = ("proposed", "scheduled")
# A draft being written or under review; "published" and "discarded" are closed.
OPEN_STATES = ("editing", *REVIEW_STATES)
REOPENED = "reopened"
SECOND_PERSON = "A second person must approve this draft."


def propose(db: Session, draft: Draft) -> None:
    """Ask an editor to review and publish the draft (the writer lets go of it)."""
    draft.state = "proposed"
    draft.lock_user_id = draft.lock_at = None
    db.commit()


def comment(db: Session, draft: Draft, user: User, body: str) -> DraftComment:
    """Add a reviewer's comment."""
    note = DraftComment(draft_id=draft.id, author_id=user.id, body=body.strip())
    db.add(note)
    db.commit()
    return note


def may_publish(db: Session, draft: Draft, user: User) -> str | None:
    """Why ``user`` may not publish or schedule ``draft`` now (None when they may).

    With a second person required, nobody who changed the text since its last
    approval approves it (whoever started the draft, see the module doc).
    """
    if not user.has_role("editor"):
        return "Only editors and admins publish."
    if draft.state not in OPEN_STATES:
        return "This draft is no longer open."
    if requires_second_person(db) and user.id in changed_since_approval(db, draft):
        return SECOND_PERSON
    return None


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
                scheduled_at=when,  # the mail shows it in the site's zone
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


@dataclass(frozen=True)
class Changed:
    """A publish or schedule refused: the draft changed since the page was opened."""

    lines: list  # the inline diff, what was seen → what is there now
    # Where the diff starts: "seen" (the version the page was given), "page"
    # (what the page held; that version is no longer kept) or "" (neither).
    start: str
    page_text: str  # what the refused page held, when it differs from now
    by: str  # who changed it last


def changed_since(
    db: Session, draft: Draft, seen: int | None, page: Fields | None = None
) -> Changed:
    """What changed in ``draft`` since revision ``seen`` (or since ``page``'s text)."""
    now = text_of(draft)
    before = seen_text(db, draft, seen)
    page_text = ""
    if page is not None:
        extra = Fields.from_draft(draft).extra
        page_text = Fields(**{**page.__dict__, "extra": extra}).to_text()
    start = before if before is not None else page_text
    last = draft.lock_user or draft.author
    return Changed(
        lines=diffs.around_changes(diffs.inline(start, now)),
        start="seen" if before is not None else ("page" if page_text else ""),
        page_text=page_text if page_text and page_text != start else "",
        by=(last.name or last.email) if last else "",
    )

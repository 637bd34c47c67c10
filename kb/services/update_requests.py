"""'This article needs an update': reasons staff give, kept until the next publish.

An agent or editor flags an article from a ticket (the reference links back),
from a customer's "not helpful" vote (its reason and comment), or just with a
reason. The editor's "Needs update" list counts the open reasons per article;
publishing the article clears them (see :func:`kb.services.editing.publishing.publish`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from kb.storage.models import Ticket, UpdateRequest, User, VoteLog, utcnow

MAX_REASON = 500
RECENT_VOTES = 10


@dataclass(frozen=True)
class Flagged:
    """An article with open reasons to update it."""

    slug: str
    count: int
    latest: dt.datetime


def flag(
    db: Session,
    slug: str,
    user: User,
    reason: str,
    *,
    ticket: Ticket | None = None,
    vote: VoteLog | None = None,
) -> UpdateRequest:
    """Record one reason the article needs an update (the form validated it)."""
    row = UpdateRequest(
        slug=slug,
        reason=reason.strip()[:MAX_REASON],
        ticket_reference=ticket.reference if ticket else None,
        vote_id=vote.id if vote else None,
        user_id=user.id,
    )
    db.add(row)
    db.commit()
    return row


def open_for(db: Session, slug: str) -> list[UpdateRequest]:
    """The article's open reasons, oldest first."""
    return list(
        db.scalars(
            select(UpdateRequest)
            .where(UpdateRequest.slug == slug, UpdateRequest.cleared_at.is_(None))
            .order_by(UpdateRequest.id)
        )
    )


def flagged(db: Session) -> list[Flagged]:
    """Articles with open reasons, the most reasons first."""
    count = func.count(UpdateRequest.id)
    latest = func.max(UpdateRequest.created_at)
    found = db.execute(
        select(UpdateRequest.slug, count, latest)
        .where(UpdateRequest.cleared_at.is_(None))
        .group_by(UpdateRequest.slug)
        .order_by(count.desc(), latest.desc())
    )
    return [Flagged(slug, n, when) for slug, n, when in found]


def clear(db: Session, slugs: set[str], commit: str | None) -> int:
    """Close the open reasons of an article just published; how many."""
    if not slugs:
        return 0
    result = db.execute(
        update(UpdateRequest)
        .where(UpdateRequest.slug.in_(slugs), UpdateRequest.cleared_at.is_(None))
        .values(cleared_at=utcnow(), cleared_commit=commit)
    )
    db.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def unhelpful_votes(db: Session, slug: str) -> list[VoteLog]:
    """The article's latest "not helpful" votes, with a reason or comment first."""
    return list(
        db.scalars(
            select(VoteLog)
            .where(VoteLog.slug == slug, VoteLog.helpful.is_(False))
            .order_by(VoteLog.created_at.desc(), VoteLog.id.desc())
            .limit(RECENT_VOTES)
        )
    )


def vote(db: Session, slug: str, vote_id: int) -> VoteLog | None:
    """A "not helpful" vote on ``slug`` by id (``None`` for any other vote)."""
    found = db.get(VoteLog, vote_id)
    if found is None or found.slug != slug or found.helpful:
        return None
    return found

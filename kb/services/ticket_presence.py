"""Who else is replying: agents with a draft open on a ticket, seen recently.

An agent is "seen" on a ticket when the reply box holds text: the page's small
poll reports it every few seconds, and without JavaScript each draft round trip
(inserting a link or a canned response) does. A colleague seen within
:data:`FRESH` is named on the ticket page when it loads and by the poll.
Sending the reply forgets the agent's presence.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kb.storage.models import TicketPresence, User, utcnow

FRESH = dt.timedelta(seconds=90)


def seen(
    db: Session, ticket_id: int, user_id: int, now: dt.datetime | None = None
) -> None:
    """Record that this agent has a draft open on the ticket now."""
    moment = now or utcnow()
    row = db.get(TicketPresence, (ticket_id, user_id))
    if row is not None:
        row.seen_at = moment
        db.commit()
        return
    db.add(TicketPresence(ticket_id=ticket_id, user_id=user_id, seen_at=moment))
    try:
        db.commit()
    except IntegrityError:  # the same agent's other tab got there first
        db.rollback()
        seen(db, ticket_id, user_id, moment)


def others(
    db: Session, ticket_id: int, user_id: int, now: dt.datetime | None = None
) -> list[str]:
    """Names of the other agents with a draft open on the ticket."""
    since = (now or utcnow()) - FRESH
    return list(
        db.scalars(
            select(User.name)
            .join(TicketPresence, TicketPresence.user_id == User.id)
            .where(
                TicketPresence.ticket_id == ticket_id,
                TicketPresence.user_id != user_id,
                TicketPresence.seen_at >= since,
            )
            .order_by(User.name)
        )
    )


def gone(db: Session, ticket_id: int, user_id: int) -> None:
    """The agent sent their reply (or emptied the box): no longer replying."""
    db.execute(
        delete(TicketPresence).where(
            TicketPresence.ticket_id == ticket_id, TicketPresence.user_id == user_id
        )
    )
    db.commit()

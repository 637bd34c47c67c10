"""Merging a duplicate ticket into another: one conversation, both links working.

The duplicate's messages, attached files, history and linked articles move to
the ticket it is merged into; the duplicate is closed and remembers where it went
(``merged_into_id``), so its reference opens the other ticket for staff and its
secret link keeps working for the customer (see :func:`kb.services.tickets.
merged_target`). Both tickets' histories say who merged what.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from kb.services.tickets import set_status
from kb.storage.models import (
    Attachment,
    LinkedArticle,
    Message,
    Ticket,
    TicketEvent,
    utcnow,
)


class MergeError(ValueError):
    """Two tickets that cannot be merged (the message says why, for staff)."""


def check(source: Ticket, target: Ticket) -> None:
    """Raise :class:`MergeError` unless ``source`` can go into ``target``."""
    if source.id == target.id:
        raise MergeError("same")
    if source.merged_into_id is not None:
        raise MergeError("source_merged")
    if target.merged_into_id is not None:
        raise MergeError("target_merged")


def merge(db: Session, source: Ticket, target: Ticket, user_id: int) -> None:
    """Move ``source``'s conversation into ``target`` and close ``source``."""
    check(source, target)
    for model in (Message, TicketEvent, LinkedArticle, Attachment):
        db.execute(
            update(model)
            .where(model.ticket_id == source.id)
            .values(ticket_id=target.id),
            execution_options={"synchronize_session": False},
        )
    for ticket, field, other in (
        (target, "merged_from", source),
        (source, "merged_into", target),
    ):
        db.add(
            TicketEvent(
                ticket_id=ticket.id,
                user_id=user_id,
                field=field,
                new_value=other.reference,
            )
        )
    if source.status != "closed":
        db.add(
            TicketEvent(
                ticket_id=source.id,
                user_id=user_id,
                field="status",
                old_value=source.status,
                new_value="closed",
            )
        )
    set_status(source, "closed")
    source.merged_into_id = target.id
    if target.first_response_at is None:
        target.first_response_at = source.first_response_at
    if target.created_at > source.created_at:
        # The customer has waited since the first of the two.
        target.created_at = source.created_at
    now = utcnow()
    source.updated_at = target.updated_at = now
    db.commit()
    db.expire_all()  # the moved rows: both tickets' lists are read again

"""Private tickets: open one, find it by its secret link, talk, close, reopen.

A ticket is acknowledged (reference + secret link shown and mailed) only after
the transaction that stores it has committed. Secret tokens carry 256 bits from
:mod:`secrets`; only their SHA-256 is stored and it is compared in constant time.
No request, session or flash here: views pass plain values in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from kb.services import mail, public_replies
from kb.storage.models import (
    LinkRequest,
    Message,
    Ticket,
    TicketEvent,
    TicketLink,
    utcnow,
)
from kb.vocab import RATINGS, SOLVED

REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
REFERENCE_LENGTH = 5
TOKEN_BYTES = 32  # 256 bits
RATING_COMMENT_MAX = 1000


@dataclass(frozen=True)
class TicketInput:
    """What a customer may set when opening a ticket (nothing else is accepted)."""

    name: str
    email: str
    subject: str
    message: str
    category: str = ""
    lang: str = "id"
    platform: str | None = None
    thread_url: str | None = None
    article_slug: str | None = None
    case_code: str | None = None


@dataclass(frozen=True)
class Opened:
    """An acknowledged ticket: its reference and the one copy of its secret token."""

    reference: str
    token: str


def new_reference() -> str:
    """A short, readable reference like ``JWB-7K3Q9``."""
    body = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
    return f"JWB-{body}"


def new_token() -> str:
    """A URL-safe secret with 256 bits of randomness."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """SHA-256 of a token (tokens are random, so a slow hash adds nothing)."""
    return hashlib.sha256(token.encode()).hexdigest()


def open_ticket(
    db: Session, data: TicketInput, link_for: Callable[[str, str], str]
) -> Opened:
    """Store a ticket with its first message and its mail, then acknowledge it.

    ``link_for(reference, token)`` builds the absolute secret link for the mail.
    """
    for _attempt in range(5):
        token = new_token()
        ticket = Ticket(
            reference=new_reference(),
            token_hash=hash_token(token),
            subject=data.subject,
            name=data.name,
            email=data.email,
            category=data.category,
            lang=data.lang,
            platform=data.platform,
            thread_url=data.thread_url,
            article_slug=data.article_slug,
            case_code=data.case_code,
        )
        ticket.messages.append(Message(author="customer", body=data.message))
        db.add(ticket)
        link = link_for(ticket.reference, token)
        mail.enqueue(db, mail.ticket_opened(ticket, link), ticket=ticket)
        if data.case_code:
            # A ticket through a case's handoff link: that thread went private.
            public_replies.moved_to_private(db, data.case_code, utcnow())
        try:
            db.commit()
        except IntegrityError:
            db.rollback()  # reference collision: try another one
            continue
        return Opened(ticket.reference, token)
    raise RuntimeError("could not allocate a unique ticket reference")


def find(db: Session, reference: str, token: str) -> Ticket | None:
    """The ticket this secret link opens, or None (same answer for any failure).

    A link mailed by "email me a new link" becomes the ticket's only link the
    first time it is opened; until then the old link keeps working.
    """
    ticket = db.scalars(
        select(Ticket)
        .where(Ticket.reference == reference.upper())
        .options(selectinload(Ticket.messages))
    ).first()
    given = hash_token(token)
    current = ticket.token_hash if ticket else hash_token(new_token())
    pending = (ticket.pending_token_hash if ticket else None) or current
    matches_current = hmac.compare_digest(current, given)
    matches_pending = hmac.compare_digest(pending, given)
    # A link mailed with a reply, looked up whether or not the ticket exists:
    # a wrong link costs the same work for a real and a made-up reference.
    mailed = db.scalars(
        select(TicketLink.id).where(
            TicketLink.ticket_id == (ticket.id if ticket else -1),
            TicketLink.token_hash == given,
        )
    ).first()
    if ticket is None:
        return None
    if not (matches_current or matches_pending):
        return ticket if mailed is not None else None
    if matches_pending and not matches_current:
        ticket.token_hash, ticket.pending_token_hash = given, None
        # "Email me a new link" means the old ones may be in the wrong hands.
        db.execute(delete(TicketLink).where(TicketLink.ticket_id == ticket.id))
        db.commit()
    return ticket


def mailed_link(
    db: Session, ticket: Ticket, link_for: Callable[[str, str], str]
) -> str:
    """A further secret link for a mail (stored as a hash, like the first).

    ``link_for(reference, token)`` builds the absolute link.
    """
    token = new_token()
    db.add(TicketLink(ticket_id=ticket.id, token_hash=hash_token(token)))
    return link_for(ticket.reference, token)


def set_status(ticket: Ticket, status: str) -> None:
    """Change the status, keeping when the ticket was solved (for the reports)."""
    if status in SOLVED and ticket.status not in SOLVED:
        ticket.resolved_at = utcnow()
    elif status not in SOLVED:
        ticket.resolved_at = None
    ticket.status = status


def record_customer(
    db: Session, ticket: Ticket, field: str, old: str | None, new: str | None
) -> None:
    """A change the customer made, for the ticket's history."""
    if old != new:
        db.add(
            TicketEvent(
                ticket_id=ticket.id,
                field=field,
                old_value=old,
                new_value=new,
                by_customer=True,
            )
        )


def merged_target(db: Session, ticket: Ticket) -> Ticket:
    """The ticket a merged one now lives in (itself when it was never merged)."""
    seen = {ticket.id}
    while ticket.merged_into_id is not None:
        target = db.get(Ticket, ticket.merged_into_id)
        if target is None or target.id in seen:
            break
        seen.add(target.id)
        ticket = target
    return ticket


def rating_open(ticket: Ticket, days: int, now: dt.datetime | None = None) -> bool:
    """True while the customer may rate the ticket or change their rating."""
    if ticket.status not in SOLVED or ticket.resolved_at is None:
        return False
    since = ticket.rated_at or ticket.resolved_at
    if since.tzinfo is None:  # SQLite hands back UTC without its zone
        since = since.replace(tzinfo=dt.UTC)
    return (now or utcnow()) - since <= dt.timedelta(days=days)


def rate(db: Session, ticket: Ticket, rating: str, comment: str, days: int) -> bool:
    """Store the rating; False when rating is closed or ``rating`` is unknown."""
    if rating not in RATINGS or not rating_open(ticket, days):
        return False
    record_customer(db, ticket, "rating", ticket.rating, rating)
    ticket.rating = rating
    ticket.rating_comment = comment.strip()[:RATING_COMMENT_MAX] or None
    ticket.rated_at = utcnow()
    db.commit()
    return True


def public_messages(ticket: Ticket) -> list[Message]:
    """The conversation the customer may see (internal notes excluded)."""
    return [m for m in ticket.messages if not m.internal]


def add_customer_reply(db: Session, ticket: Ticket, body: str) -> Message:
    """Append the customer's reply; a resolved or waiting ticket is open again."""
    message = Message(author="customer", body=body)
    ticket.messages.append(message)
    if ticket.status in {"waiting", "resolved"}:
        record_customer(db, ticket, "status", ticket.status, "open")
        set_status(ticket, "open")
    ticket.updated_at = utcnow()
    db.commit()
    return message


def close(db: Session, ticket: Ticket) -> None:
    """The customer closes their ticket."""
    record_customer(db, ticket, "status", ticket.status, "closed")
    set_status(ticket, "closed")
    ticket.messages.append(Message(author="system", body="closed by customer"))
    db.commit()


def reopen(db: Session, ticket: Ticket) -> None:
    """The customer reopens a closed or resolved ticket."""
    record_customer(db, ticket, "status", ticket.status, "open")
    set_status(ticket, "open")
    ticket.messages.append(Message(author="system", body="reopened by customer"))
    db.commit()


def request_new_link(db: Session, reference: str, email: str, link_base: str) -> None:
    """Store an "email me a new link" request; it is matched when mail is sent.

    Storing is all the request does, so it takes the same time and work whether
    or not the reference and email match.
    """
    db.add(
        LinkRequest(
            reference=reference.strip().upper()[:16],
            email=email.strip()[:254],
            link_base=link_base[:300],
        )
    )
    mail.deliver_after_commit(db)  # the deliverer matches and mails it
    db.commit()


def process_link_requests(db: Session, link_for: Callable[[str, str, str], str]) -> int:
    """Match stored new-link requests; mail a new link for each match.

    ``link_for(link_base, reference, token)`` builds the absolute link. Each
    request is claimed by deleting it, so two deliverers never both handle one.
    Returns the number of links mailed.
    """
    mailed = 0
    for request in db.scalars(select(LinkRequest).order_by(LinkRequest.id)).all():
        claimed = db.execute(
            delete(LinkRequest).where(LinkRequest.id == request.id)
        ).rowcount  # type: ignore[attr-defined]  # a CursorResult
        if claimed != 1:
            db.rollback()
            continue
        ticket = db.scalars(
            select(Ticket).where(Ticket.reference == request.reference)
        ).first()
        if ticket is not None and hmac.compare_digest(
            ticket.email.casefold().encode(), request.email.casefold().encode()
        ):
            token = new_token()
            ticket.pending_token_hash = hash_token(token)
            link = link_for(request.link_base, ticket.reference, token)
            mail.enqueue(db, mail.new_link(ticket, link), ticket=ticket)
            mailed += 1
        db.commit()
    return mailed


def secret_link(base: str, reference: str, token: str) -> str:
    """A ticket's secret link, ``base`` + ``/t/<reference>/<token>``.

    The one place the link is built: for the acknowledgement page and mail,
    redirects (``base`` empty: the path alone) and the mailed new link, which
    is built without a request.
    """
    values = {"reference": reference, "token": token}
    return base + current_app.url_map.bind("localhost").build("tickets.ticket", values)


@mail.before_delivery
def mail_new_links(db: Session) -> int:
    """Match stored new-link requests and queue their mail (each delivery round)."""
    return process_link_requests(db, secret_link)


def purge(db: Session, older_than_days: int) -> tuple[int, int]:
    """Delete closed tickets and sent mail older than the retention period.

    Returns (tickets deleted, mails deleted). Open tickets are never purged.
    """
    from kb.storage.models import InboundMail, OutboxMail

    cutoff = utcnow() - dt.timedelta(days=older_than_days)
    old = db.scalars(
        select(Ticket).where(Ticket.status == "closed", Ticket.updated_at < cutoff)
    ).all()
    from kb.services import attachments

    # Attached files go with their rows; with KB_ATTACHMENT_STORAGE=files the
    # files themselves are deleted once the rows are gone.
    stored = attachments.stored_names(db, [ticket.id for ticket in old])
    for ticket in old:
        db.delete(ticket)  # messages and history go with it (cascade)
    mails = db.execute(
        delete(OutboxMail).where(
            OutboxMail.sent_at.is_not(None), OutboxMail.sent_at < cutoff
        )
    ).rowcount  # type: ignore[attr-defined]  # a CursorResult
    # Unhandled new-link requests hold an email address: never keep them long.
    db.execute(delete(LinkRequest).where(LinkRequest.created_at < cutoff))
    # What was received by email is only kept to spot a mail delivered twice.
    db.execute(delete(InboundMail).where(InboundMail.received_at < cutoff))
    db.commit()
    attachments.remove_files(stored, current_app.config["ATTACHMENT_DIR"])
    return len(old), mails

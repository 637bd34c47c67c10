"""Private tickets: their messages, history, the mail outbox, new-link requests."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.storage.models.base import Base, utcnow
from kb.storage.models.staff import User


class Ticket(Base):
    """A private case opened by a customer, followed through a secret link."""

    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True, index=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    # A link asked for by "email me a new link": it replaces ``token_hash`` the
    # first time it is opened, so the old link works until then.
    pending_token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="new", index=True)
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    category: Mapped[str] = mapped_column(String(64), default="")
    subject: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254), index=True)
    lang: Mapped[str] = mapped_column(String(2), default="id")
    platform: Mapped[str | None] = mapped_column(String(16), nullable=True)
    thread_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    article_slug: Mapped[str | None] = mapped_column(String(200), nullable=True)
    case_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    first_response_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    # Set when the ticket becomes resolved or closed, cleared when it reopens.
    resolved_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True, index=True
    )
    # A duplicate merged into another ticket: its links still open (the other).
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL"), nullable=True
    )
    # The customer's satisfaction: good, okay or bad, and what they added.
    rating: Mapped[str | None] = mapped_column(String(8), nullable=True)
    rating_comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    rated_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    messages: Mapped[list[Message]] = relationship(
        back_populates="ticket",
        order_by="Message.id",
        cascade="all, delete-orphan",
        foreign_keys="Message.ticket_id",
    )
    reply_tokens: Mapped[list[ReplyToken]] = relationship(
        back_populates="ticket", cascade="all, delete-orphan", passive_deletes=True
    )


class Message(Base):
    """One message in a ticket's conversation."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    author: Mapped[str] = mapped_column(String(16))  # customer, agent, system
    body: Mapped[str] = mapped_column(Text)
    # Agent messages are Markdown, rendered once when saved (not on each view).
    body_html: Mapped[str | None] = mapped_column(Text, nullable=True)
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    # The staff member who wrote it; None for customers, the system and
    # replies written before authors were recorded ("the team").
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    ticket: Mapped[Ticket] = relationship(back_populates="messages")
    writer: Mapped[User | None] = relationship(lazy="selectin")


class TicketEvent(Base):
    """Who changed what on a ticket, for its history."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    field: Mapped[str] = mapped_column(String(32))  # status, priority, assignee, …
    by_customer: Mapped[bool] = mapped_column(Boolean, default=False)
    old_value: Mapped[str | None] = mapped_column(String(200), nullable=True)
    new_value: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )


class TicketPresence(Base):
    """An agent with a draft open on a ticket, and when that was last seen."""

    __tablename__ = "ticket_presence"

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    seen_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )


class TicketLink(Base):
    """A further secret link to a ticket, mailed with a reply (its hash only)."""

    __tablename__ = "ticket_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )


class OutboxMail(Base):
    """An email waiting to be sent; retried until it is."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    sent_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True, index=True
    )
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Threading headers of a ticket mail (JSON: Reply-To, Message-ID, …); they
    # hold a reply token, so they are dropped once the mail is sent.
    headers: Mapped[str | None] = mapped_column(Text, nullable=True)


class ReplyToken(Base):
    """A token mailed in one ticket mail's Reply-To and Message-ID (SHA-256 kept).

    Each mail gets its own, so an answer to any earlier mail still reaches the
    ticket; none of them opens the ticket's page (that is the secret link).
    """

    __tablename__ = "reply_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    ticket: Mapped[Ticket] = relationship(back_populates="reply_tokens")


class InboundMail(Base):
    """A received mail's outcome, by the SHA-256 of its Message-ID.

    A mail delivered twice (an IMAP fetch cut short before it marked the mail
    read) is recognised and not added to its ticket again.
    """

    __tablename__ = "inbound_mails"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    outcome: Mapped[str] = mapped_column(String(16))  # added, opened, ignored, …
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL"), nullable=True
    )
    received_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )


class LinkRequest(Base):
    """An "email me a new link" request, matched and mailed by the deliverer.

    The request itself does the same work whether or not the details match
    (store this row); matching happens later, so its timing tells nothing.
    The row is deleted once handled.
    """

    __tablename__ = "link_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(16))
    email: Mapped[str] = mapped_column(String(254))
    link_base: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )


# -- insights: events recorded through kb.services.events, and their roll-ups --
# No table here holds an IP address, a user agent or a customer's account: a
# visit is a random id the visitor's own tab made up, and queries are scrubbed.

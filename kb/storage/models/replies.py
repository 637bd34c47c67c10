"""Public replies and handoffs: cases, linked articles, public replies, short
links, reply templates and canned responses."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from kb.storage.models.base import Base, utcnow


class Case(Base):
    """A public thread handed off to a private channel, by its short case code."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    thread_url: Mapped[str] = mapped_column(String(500))
    platform: Mapped[str] = mapped_column(String(16))
    handle: Mapped[str] = mapped_column(String(100), default="")
    article_slug: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )


class LinkedArticle(Base):
    """An article (or one of its sections) an agent linked in a reply."""

    __tablename__ = "linked_articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), nullable=True, index=True
    )
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), nullable=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    article_slug: Mapped[str] = mapped_column(String(200), index=True)
    section: Mapped[str | None] = mapped_column(String(200), nullable=True)
    context: Mapped[str] = mapped_column(String(16), default="ticket")  # or public
    platform: Mapped[str | None] = mapped_column(String(16), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )


class PublicReply(Base):
    """A public reply an agent copied, by the short code its link carries (r=)."""

    __tablename__ = "public_replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    slug: Mapped[str] = mapped_column(String(200))
    section: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lang: Mapped[str] = mapped_column(String(2))
    platform: Mapped[str] = mapped_column(String(16))
    # answer, handoff or welcome (kb.services.composer.KINDS)
    kind: Mapped[str] = mapped_column(
        String(16), default="answer", server_default="answer"
    )
    case_code: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    outcome: Mapped[str] = mapped_column(String(16), default="open")
    outcome_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )


class ShortLink(Base):
    """Where a public reply's short link ``/s/<code>`` leads: its code is the reply's.

    Made when a reply is drafted, so some are never posted: those are pruned
    (kb.services.short_links.prune). The slug is the one at drafting time; a
    renamed article is found through its aliases.
    """

    __tablename__ = "short_links"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    slug: Mapped[str] = mapped_column(String(200))
    lang: Mapped[str] = mapped_column(String(2))
    anchor: Mapped[str | None] = mapped_column(String(200), nullable=True)
    platform: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )


class ReplyTemplate(Base):
    """Admin-editable wording of public replies, per language and tone."""

    __tablename__ = "reply_templates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lang: Mapped[str] = mapped_column(String(2))
    tone: Mapped[str] = mapped_column(String(16))  # formal, casual
    kind: Mapped[str] = mapped_column(String(16), default="answer")  # or handoff
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class CannedResponse(Base):
    """A reusable ticket reply with placeholders, managed by admins."""

    __tablename__ = "canned_responses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    lang: Mapped[str] = mapped_column(String(2))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

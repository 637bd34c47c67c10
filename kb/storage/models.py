"""Database tables: tickets, their messages, the mail outbox, deflections.

Nothing here ever reaches the public search index.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# The vocabularies live in kb.vocab; re-exported for the tables' users.
from kb.vocab import PLATFORMS, PRIORITIES, ROLES, STATUSES  # noqa: F401


def utcnow() -> dt.datetime:
    """Timezone-aware now, for defaults set in Python."""
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base for Jawab's tables."""


class User(Base):
    """A staff member who signs in: agent, editor or admin."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(16), default="agent")
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Changes when the password changes or the user is disabled, so that every
    # existing session and remember-me cookie stops working.
    session_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )

    # Set when a sign-in is made or loaded: the secret that the session and
    # remember-me cookies carry (only its hash is stored, in ``staff_sessions``).
    sign_in_token = ""

    def get_id(self) -> str:
        """Flask-Login identity: this sign-in's secret, ended on the server."""
        return self.sign_in_token

    @property
    def is_authenticated(self) -> bool:
        """Flask-Login: a loaded user is signed in."""
        return True

    @property
    def is_active(self) -> bool:
        """Flask-Login: disabled users cannot sign in."""
        return self.active

    @property
    def is_anonymous(self) -> bool:
        """Flask-Login: never anonymous."""
        return False

    def has_role(self, role: str) -> bool:
        """True when the user's role is ``role`` or a higher one."""
        return ROLES.index(self.role) >= ROLES.index(role)


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
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    messages: Mapped[list[Message]] = relationship(
        back_populates="ticket", order_by="Message.id", cascade="all, delete-orphan"
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
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    ticket: Mapped[Ticket] = relationship(back_populates="messages")


class OutboxMail(Base):
    """An email waiting to be sent; retried until it is."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
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


class Deflection(Base):
    """An article opened from the contact form instead of writing a ticket."""

    __tablename__ = "deflections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_slug: Mapped[str] = mapped_column(String(200), index=True)
    lang: Mapped[str] = mapped_column(String(2))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )


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
    old_value: Mapped[str | None] = mapped_column(String(200), nullable=True)
    new_value: Mapped[str | None] = mapped_column(String(200), nullable=True)
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


class StaffSession(Base):
    """One staff sign-in; signing out or a timeout ends it on the server."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    last_seen_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    ended_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
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


class SearchLog(Base):
    """One final search a visitor ran (the query scrubbed of personal data)."""

    __tablename__ = "search_events"
    __table_args__ = (
        Index("ix_search_events_lang_query", "lang", "query"),
        Index("ix_search_events_lang_created", "lang", "created_at"),  # 0011
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    # Random per search: the click that follows names it (never shown to staff).
    key: Mapped[str] = mapped_column(String(16), index=True)
    visit_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    query: Mapped[str] = mapped_column(String(200))
    lang: Mapped[str] = mapped_column(String(2))
    results: Mapped[int] = mapped_column(Integer, default=0)
    corrected: Mapped[bool] = mapped_column(Boolean, default=False)
    synonym: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(16), default="page")
    best_slug: Mapped[str | None] = mapped_column(String(200), nullable=True)
    clicked_slug: Mapped[str | None] = mapped_column(String(200), nullable=True)
    clicked_section: Mapped[str | None] = mapped_column(String(200), nullable=True)
    clicked_rank: Mapped[int | None] = mapped_column(Integer, nullable=True)


class ArticleViewLog(Base):
    """One article view: where the visitor came from, once per visit."""

    __tablename__ = "article_views"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    visit_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    slug: Mapped[str] = mapped_column(String(200), index=True)
    lang: Mapped[str] = mapped_column(String(2))
    source: Mapped[str] = mapped_column(String(16), default="web")
    reply_code: Mapped[str | None] = mapped_column(
        String(16), nullable=True, index=True
    )


class VoteLog(Base):
    """ "Was this helpful?" for an article or one of its sections."""

    __tablename__ = "votes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Random; lets the same visitor add a reason to the vote they just gave.
    key: Mapped[str] = mapped_column(String(16), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    visit_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    slug: Mapped[str] = mapped_column(String(200), index=True)
    section: Mapped[str] = mapped_column(String(200), default="")
    lang: Mapped[str] = mapped_column(String(2))
    helpful: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(String(16), nullable=True)
    comment: Mapped[str | None] = mapped_column(String(500), nullable=True)


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


class StaffWork(Base):
    """Knowledge work by a staff member (an article published or updated, a gap)."""

    __tablename__ = "staff_work"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))  # article_published, gap_handled
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    lang: Mapped[str] = mapped_column(String(2))
    subject: Mapped[str] = mapped_column(String(200))  # a slug or a query
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )


class DailyCount(Base):
    """A day's counts of one metric, rolled up from the raw events (kept longer)."""

    __tablename__ = "report_daily"
    __table_args__ = (
        UniqueConstraint("day", "metric", "lang", "key", "source"),
        Index("ix_report_daily_metric_day", "metric", "day"),
        # Covering the report reads (migration 0011): no table lookups.
        Index(
            "ix_report_daily_read",
            "metric",
            "day",
            "lang",
            "key",
            "source",
            "value",
            "visits",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date)
    metric: Mapped[str] = mapped_column(String(24))
    lang: Mapped[str] = mapped_column(String(2), default="")
    key: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(16), default="")
    value: Mapped[int] = mapped_column(Integer, default=0)
    visits: Mapped[int] = mapped_column(Integer, default=0)


class Draft(Base):
    """Unpublished work on one article: never in ``articles/`` or the index.

    ``base_text``/``base_hash`` are the file as it was when the draft started
    (empty for a new article), so publishing can tell whether someone else
    changed it since and merge three ways.
    """

    __tablename__ = "drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_path: Mapped[str | None] = mapped_column(String(300), nullable=True)
    base_hash: Mapped[str] = mapped_column(String(64), default="")
    base_text: Mapped[str] = mapped_column(Text, default="")
    title: Mapped[str] = mapped_column(String(200), default="")
    lang: Mapped[str] = mapped_column(String(2), default="id")
    slug: Mapped[str] = mapped_column(String(120), default="")
    category: Mapped[str] = mapped_column(String(64), default="")
    tags: Mapped[str] = mapped_column(String(500), default="")
    summary: Mapped[str] = mapped_column(String(500), default="")
    aliases: Mapped[str] = mapped_column(String(500), default="")
    translation: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[str] = mapped_column(String(16), default="published")
    owner: Mapped[str] = mapped_column(String(120), default="")
    # Front matter the form does not show (anchors, reviewed), kept as JSON.
    extra: Mapped[str] = mapped_column(Text, default="{}")
    body: Mapped[str] = mapped_column(Text, default="")
    # editing, proposed, scheduled, published or discarded
    state: Mapped[str] = mapped_column(String(16), default="editing", index=True)
    author_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    approved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    # The soft lock: who has the draft open, refreshed by each (auto)save.
    lock_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    lock_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    source_ticket: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # When a scheduled draft goes live (state "scheduled"); a draft until then.
    publish_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    published_commit: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # The published file when the last publish found a conflict (for the view).
    conflict_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    # The revision the last approval (a schedule) was given to: whoever changed
    # the text after it (see ``DraftChange``) may not approve it again.
    approved_revision: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    lock_user: Mapped[User | None] = relationship(foreign_keys=[lock_user_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    comments: Mapped[list[DraftComment]] = relationship(
        back_populates="draft",
        order_by="DraftComment.id",
        cascade="all, delete-orphan",
    )


class DraftChange(Base):
    """Who changed a draft's text, to which revision, and the text then.

    One row per run of saves by one person while the draft is being written
    (autosaves update the run's row); a change to a draft under review always
    starts a new row, so the revision a reviewer was shown is kept as it was.
    """

    __tablename__ = "draft_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draft_id: Mapped[int] = mapped_column(
        ForeignKey("drafts.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    revision: Mapped[int] = mapped_column(Integer)
    # The article file the draft made at ``revision`` (None: not known).
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )


class DraftComment(Base):
    """A reviewer's comment on a draft, or an entry Jawab wrote in its history."""

    __tablename__ = "draft_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draft_id: Mapped[int] = mapped_column(
        ForeignKey("drafts.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # "comment" (a person wrote ``body``) or "reopened" (Jawab: a change sent
    # the draft back to being written; ``body`` is JSON of what it was).
    kind: Mapped[str] = mapped_column(
        String(16), default="comment", server_default="comment"
    )
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    draft: Mapped[Draft] = relationship(back_populates="comments")
    author: Mapped[User] = relationship()


class EditorSetting(Base):
    """An admin's choice for the editor area, e.g. ``require_second_person``."""

    __tablename__ = "editor_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200), default="")


class TranslationBaseline(Base):
    """The sections of an article's counterpart when the article was last published.

    A section of the counterpart whose hash differs from the one kept here
    changed after this translation: the translation may be outdated there.
    """

    __tablename__ = "translation_baselines"

    slug: Mapped[str] = mapped_column(String(120), primary_key=True)
    counterpart_slug: Mapped[str] = mapped_column(String(120))
    hashes: Mapped[str] = mapped_column(Text, default="[]")  # JSON list, by position
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )


class ApiToken(Base):
    """A staff member's personal token for the reports API (only its hash kept)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(80))
    # SHA-256 of the secret: the secret itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    revoked_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )


class ReportSetting(Base):
    """An admin's choice for the reports, e.g. a badge threshold."""

    __tablename__ = "report_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200), default="")


class StaffPreference(Base):
    """A staff member's own choice, e.g. to stay off the leaderboard."""

    __tablename__ = "staff_preferences"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200), default="")


class UpdateRequest(Base):
    """ "This article needs an update": one reason, from a ticket, a vote or a person.

    Open requests (``cleared_at`` empty) make the editor's "Needs update" list;
    publishing the article clears them all, remembering the commit that did.
    """

    __tablename__ = "update_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), index=True)
    reason: Mapped[str] = mapped_column(String(500), default="")
    # The ticket it came from (its reference), or the "not helpful" vote.
    ticket_reference: Mapped[str | None] = mapped_column(String(16), nullable=True)
    vote_id: Mapped[int | None] = mapped_column(
        ForeignKey("votes.id", ondelete="SET NULL"), nullable=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    cleared_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True, index=True
    )
    cleared_commit: Mapped[str | None] = mapped_column(String(40), nullable=True)
    user: Mapped[User | None] = relationship()
    vote: Mapped[VoteLog | None] = relationship()

"""Anonymous analytics and reports: searches, views, votes, deflections, staff
work, daily roll-ups and report settings."""

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
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from kb.storage.models.base import Base, utcnow


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


class Deflection(Base):
    """An article opened from the contact form instead of writing a ticket."""

    __tablename__ = "deflections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_slug: Mapped[str] = mapped_column(String(200), index=True)
    lang: Mapped[str] = mapped_column(String(2))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
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


class ReportSetting(Base):
    """An admin's choice for the reports, e.g. a badge threshold."""

    __tablename__ = "report_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200), default="")

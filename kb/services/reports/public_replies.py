"""The public-replies report: per platform, replies composed, link views, handoffs.

A new column: a field of :class:`PlatformRow` filled in :func:`public`, a header
and a cell in :meth:`PublicReport.csv_rows`, and the table in
``templates/reports/public.html``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.services.reports.counts import count_by, tallies
from kb.services.reports.export import BadgesOf
from kb.services.reports.periods import Period
from kb.storage.models import Case, PublicReply, Ticket
from kb.vocab import PLATFORMS


@dataclass(frozen=True)
class PlatformRow:
    """Public replies and handoffs on one platform."""

    platform: str
    replies: int
    link_views: int
    settled: int
    private: int
    follow_up: int
    handoffs: int
    tickets: int


@dataclass(frozen=True)
class PublicReport:
    """Per platform: replies composed, their link views and outcomes, handoffs."""

    period: Period
    lang: str | None
    rows: tuple[PlatformRow, ...]

    def csv_rows(self, badges_of: BadgesOf | None = None) -> list[list[Any]]:
        """A row per platform."""
        rows: list[list[Any]] = [
            [
                "platform",
                "replies",
                "link_views",
                "settled",
                "moved_private",
                "follow_up",
                "handoffs",
                "tickets",
            ]
        ]
        rows += [
            [
                r.platform,
                r.replies,
                r.link_views,
                r.settled,
                r.private,
                r.follow_up,
                r.handoffs,
                r.tickets,
            ]
            for r in self.rows
        ]
        return rows


def public(db: Session, period: Period, lang: str | None) -> PublicReport:
    """The public-replies report."""
    start, end = period.bounds()
    query = select(PublicReply).where(
        PublicReply.created_at >= start, PublicReply.created_at < end
    )
    if lang:
        query = query.where(PublicReply.lang == lang)
    replies = list(db.scalars(query))
    views = {
        k: t.value for (k, _s), t in tallies(db, "reply_view", period, None).items()
    }
    cases = list(
        db.scalars(select(Case).where(Case.created_at >= start, Case.created_at < end))
    )
    tickets_by_case = count_by(db, Ticket.case_code, Ticket.created_at, start, end)
    rows = []
    for platform in PLATFORMS:
        mine = [r for r in replies if r.platform == platform]
        handed = [c for c in cases if c.platform == platform]
        rows.append(
            PlatformRow(
                platform=platform,
                replies=len(mine),
                link_views=sum(views.get(r.code, 0) for r in mine),
                settled=sum(r.outcome == "settled" for r in mine),
                private=sum(r.outcome == "private" for r in mine),
                follow_up=sum(r.outcome == "follow_up" for r in mine),
                handoffs=len(handed),
                tickets=sum(tickets_by_case.get(c.code, 0) for c in handed),
            )
        )
    return PublicReport(period, lang, tuple(rows))

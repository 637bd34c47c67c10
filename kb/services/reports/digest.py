"""The weekly digest mailed to editors: top zero-result queries, worst-rated sections.

``kb reports digest`` reads it and queues the mail (``kb.services.mail``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.services.reports.articles import articles
from kb.services.reports.periods import Period, last_days
from kb.services.reports.search import search_gaps
from kb.storage.models import User
from kb.vocab import LANGUAGES

DIGEST_ROWS = 10


@dataclass(frozen=True)
class DigestGap:
    """A zero-result query for the digest."""

    query: str
    lang: str
    searches: int


@dataclass(frozen=True)
class DigestSection:
    """A poorly rated article or section for the digest."""

    title: str
    anchor: str
    votes: int
    percent: int


@dataclass(frozen=True)
class Digest:
    """What the weekly mail to editors says."""

    period: Period
    gaps: tuple[DigestGap, ...]
    sections: tuple[DigestSection, ...]


def digest(db: Session, tz: str, library: Any, days: int = 7) -> Digest:
    """The last week's top zero-result queries and worst-rated sections."""
    period = last_days(days, tz)
    gaps = [
        DigestGap(row.query, lang, row.searches)
        for lang in LANGUAGES
        for row in search_gaps(db, period, lang, "zero").rows
    ]
    gaps.sort(key=lambda g: (-g.searches, g.query))
    weak: list[DigestSection] = []
    for article in articles(db, period, None, library).rows:
        for section in article.sections:
            if section.coloured and section.helpful is not None:
                weak.append(
                    DigestSection(
                        article.title,
                        section.anchor,
                        section.votes,
                        round(section.helpful * 100),
                    )
                )
    weak.sort(key=lambda s: (s.percent, -s.votes))
    return Digest(period, tuple(gaps[:DIGEST_ROWS]), tuple(weak[:DIGEST_ROWS]))


def editors(db: Session) -> list[User]:
    """Active editors and admins: who gets the digest."""
    query = select(User).where(
        User.active.is_(True), User.role.in_(("editor", "admin"))
    )
    return list(db.scalars(query.order_by(User.email)))

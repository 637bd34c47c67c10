"""The search report: the content-gap queue, what customers search for and miss.

One tab per way a search fails (:data:`TABS`): no results, no click, corrected,
and the top searches. Terms fewer than :data:`GAP_MIN_VISITS` visits searched are
summed as "other"; a term an editor marked handled leaves the queue until it
fails again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kb.services.reports.counts import aware, tallies
from kb.services.reports.export import BadgesOf, iso
from kb.services.reports.periods import Period
from kb.storage.models import StaffWork

TABS = ("zero", "noclick", "corrected", "top")
GAP_MIN_VISITS = 3  # fewer distinct visits than this: summed as "other"
GAP_ROWS = 25  # the best current hit is a search per row


@dataclass(frozen=True)
class GapRow:
    """One query in the content-gap queue."""

    query: str
    searches: int
    visits: int
    last_seen: dt.date | dt.datetime | None
    best_hit: str | None = None


@dataclass(frozen=True)
class SearchReport:
    """The content-gap queue for one tab, plus the "other" bucket."""

    period: Period
    lang: str | None
    tab: str
    rows: tuple[GapRow, ...]
    other_searches: int
    other_terms: int
    handled: int
    counts: dict[str, int] = field(default_factory=dict)

    def csv_rows(self, badges_of: BadgesOf | None = None) -> list[list[Any]]:
        """The queue's rows, then the "other" bucket."""
        rows: list[list[Any]] = [
            ["query", "searches", "visits", "last_seen", "best_hit"]
        ]
        rows += [
            [r.query, r.searches, r.visits, iso(r.last_seen), r.best_hit or ""]
            for r in self.rows
        ]
        rows.append(
            ["(other)", self.other_searches, "", "", f"{self.other_terms} terms"]
        )
        return rows


_TAB_METRIC = {
    "zero": "search_zero",
    "noclick": "search_noclick",
    "corrected": "search_corrected",
    "top": "search",
}


def search_gaps(
    db: Session,
    period: Period,
    lang: str | None,
    tab: str,
    best_hit: Callable[[str, str | None], str | None] | None = None,
) -> SearchReport:
    """Terms at least :data:`GAP_MIN_VISITS` visits searched, for one tab."""
    found = tallies(db, _TAB_METRIC[tab], period, lang)
    handled = _handled(db, lang) if tab != "top" else {}
    rows: list[GapRow] = []
    other_searches = other_terms = hidden = 0
    for (query, _source), tally in sorted(
        found.items(), key=lambda item: (-item[1].value, item[0][0])
    ):
        if tally.visits < GAP_MIN_VISITS:
            other_searches += tally.value
            other_terms += 1
            continue
        done = handled.get(query)
        if done is not None and tally.last is not None and _after(done, tally.last):
            hidden += 1
            continue
        rows.append(GapRow(query, tally.value, tally.visits, tally.last))
    rows = rows[:GAP_ROWS]
    if best_hit is not None:
        rows = [
            GapRow(**{**r.__dict__, "best_hit": best_hit(r.query, lang)}) for r in rows
        ]
    return SearchReport(
        period=period,
        lang=lang,
        tab=tab,
        rows=tuple(rows),
        other_searches=other_searches,
        other_terms=other_terms,
        handled=hidden,
    )


def _after(handled_at: dt.datetime, last: dt.date | dt.datetime) -> bool:
    """True when a term was marked handled after it last failed."""
    if isinstance(last, dt.datetime):
        return aware(handled_at) >= aware(last)
    return handled_at.date() > last


def _handled(db: Session, lang: str | None) -> dict[str, dt.datetime]:
    query = select(StaffWork.subject, func.max(StaffWork.created_at)).where(
        StaffWork.kind == "gap_handled"
    )
    if lang:
        query = query.where(StaffWork.lang == lang)
    return {
        subject: aware(when)
        for subject, when in db.execute(query.group_by(StaffWork.subject))
    }

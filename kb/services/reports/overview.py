"""The overview report: headline figures against the period before, searches per day.

A new figure: compute it in :func:`_overview_figures` and name its kind in
:data:`KINDS` (its CSV row and JSON follow), then give it a label and a hint in
``templates/reports/overview.html``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kb.services.reports.counts import (
    aware,
    rate,
    series,
    tallies,
    tickets_in,
    total,
)
from kb.services.reports.export import BadgesOf
from kb.services.reports.periods import Period
from kb.services.reports.visits import found_an_answer
from kb.storage.models import Deflection


@dataclass(frozen=True)
class Metric:
    """One figure with its value in the previous period."""

    key: str
    value: float | None
    previous: float | None
    kind: str = "count"  # count, rate (0..1), ratio ("N : 1"), seconds

    @property
    def change(self) -> float | None:
        """Difference with the previous period (None when either is unknown)."""
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


@dataclass(frozen=True)
class Overview:
    """The overview: headline figures and searches per day."""

    period: Period
    lang: str | None
    metrics: tuple[Metric, ...]
    searches_per_day: tuple[tuple[dt.date, int], ...]
    previous_per_day: tuple[tuple[dt.date, int], ...]

    def csv_rows(self, badges_of: BadgesOf | None = None) -> list[list[Any]]:
        """The figures, then the searches per day."""
        rows: list[list[Any]] = [["metric", "value", "previous", "kind"]]
        rows += [[m.key, m.value, m.previous, m.kind] for m in self.metrics]
        rows += [
            ["searches_on", day.isoformat(), n, "count"]
            for day, n in self.searches_per_day
        ]
        return rows


def _overview_figures(
    db: Session,
    period: Period,
    lang: str | None,
    targets: dict[str, int],
    searches: int,
) -> dict[str, float | None]:
    zero = total(db, "search_zero", period, lang)
    clicks = total(db, "search_click", period, lang)
    start, end = period.bounds()
    tickets = tickets_in(db, start, end, lang)
    requesters = len({t.email.casefold() for t in tickets})
    view_visits = _visits_with_views(db, period, lang)
    searched, found = found_an_answer(db, period, lang)
    deflections = db.scalar(
        select(func.count())
        .select_from(Deflection)
        .where(
            Deflection.created_at >= start,
            Deflection.created_at < end,
            *((Deflection.lang == lang,) if lang else ()),
        )
    )
    answered = [t for t in tickets if t.first_response_at is not None]
    within = [
        t
        for t in answered
        if (aware(t.first_response_at) - aware(t.created_at)).total_seconds()
        <= targets.get(t.priority, 86400)
    ]
    return {
        "searches": searches,
        "zero_rate": rate(zero, searches),
        "click_through": rate(clicks, searches - zero),
        "found_answer": rate(found, searched),
        "tickets_after_search": (len(tickets) * 100 / searches) if searches else None,
        "self_service": (view_visits / requesters) if requesters else None,
        "deflection": rate(int(deflections or 0), int(deflections or 0) + len(tickets)),
        "first_response": rate(len(within), len(answered)),
    }


KINDS = {
    "searches": "count",
    "zero_rate": "rate",
    "click_through": "rate",
    "found_answer": "rate",
    "tickets_after_search": "per100",
    "self_service": "ratio",
    "deflection": "rate",
    "first_response": "rate",
}


def overview(
    db: Session, period: Period, lang: str | None, targets: dict[str, int]
) -> Overview:
    """The overview report for ``period`` compared with the one before."""
    per_day = series(db, "search", period, lang)
    before_per_day = series(db, "search", period.previous(), lang)
    # The searches are the chart's sum: read once.
    now = _overview_figures(db, period, lang, targets, sum(n for _d, n in per_day))
    before = _overview_figures(
        db, period.previous(), lang, targets, sum(n for _d, n in before_per_day)
    )
    return Overview(
        period=period,
        lang=lang,
        metrics=tuple(Metric(k, now[k], before[k], KINDS[k]) for k in KINDS),
        searches_per_day=tuple(per_day),
        previous_per_day=tuple(before_per_day),
    )


def _visits_with_views(db: Session, period: Period, lang: str | None) -> int:
    return sum(t.visits for t in tallies(db, "view", period, lang).values())

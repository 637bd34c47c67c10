"""The nightly roll-up into ``report_daily``, and the purge of old raw events.

:func:`rollup` closes every day before today: per metric of
:func:`~kb.services.reports.counts.metric_sources`, a row per (day, language, key,
source), a total row per (day, language), and the visits that found an answer.
Reports then read those rows for closed days instead of the raw events.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from kb.services.reports.counts import (
    ROLLED,
    as_date,
    aware,
    metric_sources,
    raw_rows,
    rolled_through,
    total_metric,
)
from kb.services.reports.periods import Period, today
from kb.services.reports.visits import found_per_day
from kb.storage.models import ArticleViewLog, DailyCount, SearchLog, VoteLog
from kb.vocab import LANGUAGES


def rollup(db: Session, tz: str, now: dt.datetime | None = None) -> int:
    """Close every day before today: write its counts to ``report_daily``.

    Idempotent: a day already closed is rewritten from the raw events only if
    they are still there. Returns the number of days closed.
    """
    yesterday = today(tz, now) - dt.timedelta(days=1)
    closed = rolled_through(db)
    firsts = [
        aware(db.scalar(select(func.min(m.created_at))))
        for m in (SearchLog, ArticleViewLog, VoteLog)
    ]
    known = [f for f in firsts if f is not None]
    if closed is not None:
        start_day = closed + dt.timedelta(days=1)
    elif known:
        start_day = min(f.astimezone(ZoneInfo(tz)).date() for f in known)
    else:
        start_day = yesterday
    if start_day > yesterday:
        return 0
    span = Period(start_day, yesterday, tz)
    start, end = span.bounds()
    db.execute(
        delete(DailyCount).where(
            DailyCount.day >= span.start,
            DailyCount.day <= span.end,
            DailyCount.metric != ROLLED,
        )
    )
    languages = set(LANGUAGES)
    for metric in metric_sources():
        # One grouped pass per metric over the whole span, every language.
        totals: dict[tuple[dt.date, str], int] = defaultdict(int)
        rows = []
        for day, key, source, n, visits, _last, lang in raw_rows(
            db, metric, start, end, None, by_day=tz, by_lang=True
        ):
            if lang not in languages:
                continue
            day = as_date(day)
            rows.append(
                {
                    "day": day,
                    "metric": metric,
                    "lang": lang,
                    "key": (key or "")[:200],
                    "source": (source or "")[:16],
                    "value": int(n or 0),
                    "visits": int(visits or 0),
                }
            )
            totals[(day, lang)] += int(n or 0)
        rows += [
            {
                "day": day,
                "metric": total_metric(metric),
                "lang": lang,
                "key": "",
                "source": "",
                "value": value,
                "visits": 0,
            }
            for (day, lang), value in totals.items()
        ]
        for i in range(0, len(rows), 10_000):  # bulk inserts, bounded in memory
            db.execute(insert(DailyCount), rows[i : i + 10_000])
    # Visits that searched and found an answer: a visit's events are all in
    # one day (30 minutes idle ends it), so daily counts add up.
    visit_rows = [
        {"day": day, "metric": metric, "lang": lang, "key": "", "source": ""}
        | {"value": value, "visits": 0}
        for (day, lang, metric), value in found_per_day(db, start, end, tz).items()
        if value and lang in languages
    ]
    if visit_rows:
        db.execute(insert(DailyCount), visit_rows)
    db.execute(delete(DailyCount).where(DailyCount.metric == ROLLED))
    db.add(DailyCount(day=span.end, metric=ROLLED, lang="", key="", source=""))
    db.commit()
    return span.days


def purge(db: Session, older_than_days: int, tz: str) -> dict[str, int]:
    """Roll up, then delete raw events older than ``older_than_days`` days."""
    rollup(db, tz)
    cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(days=older_than_days)
    removed = {}
    for name, model in (
        ("searches", SearchLog),
        ("views", ArticleViewLog),
        ("votes", VoteLog),
    ):
        result = db.execute(delete(model).where(model.created_at < cutoff))
        removed[name] = int(getattr(result, "rowcount", 0) or 0)
    db.commit()
    return removed

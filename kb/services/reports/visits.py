"""Visits that searched, and of those, visits that found an answer.

A visit found an answer when it clicked a result or opened an article the same
(local) day. The overview reads it over a period (:func:`found_an_answer`); the
roll-up stores it per day (:func:`found_per_day`): a visit's events are all in
one day (30 minutes idle ends it), so daily counts add up.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, or_, select, tuple_
from sqlalchemy.orm import Session

from kb.services.reports.counts import as_date, local_day, rolled_through
from kb.services.reports.periods import Period
from kb.storage.models import ArticleViewLog, DailyCount, SearchLog


def found_an_answer(db: Session, period: Period, lang: str | None) -> tuple[int, int]:
    """(visits that searched, of which opened an article): roll-ups, then raw."""
    closed = rolled_through(db)
    searched = found = 0
    raw_from = period.start
    if closed is not None and closed >= period.start:
        last_closed = min(closed, period.end)
        for metric in ("visit_search", "visit_found"):
            query = select(func.sum(DailyCount.value)).where(
                DailyCount.metric == metric,
                DailyCount.day >= period.start,
                DailyCount.day <= last_closed,
            )
            if lang:
                query = query.where(DailyCount.lang == lang)
            value = int(db.scalar(query) or 0)
            if metric == "visit_search":
                searched += value
            else:
                found += value
        raw_from = last_closed + dt.timedelta(days=1)
    if raw_from <= period.end:
        start, end = Period(raw_from, period.end, period.tz).bounds()
        more_searched, more_found = _found_an_answer(db, start, end, lang)
        searched, found = searched + more_searched, found + more_found
    return searched, found


def _found_an_answer(
    db: Session, start: dt.datetime, end: dt.datetime, lang: str | None
) -> tuple[int, int]:
    """(visits that searched, of which opened an article) — raw, linked visits."""
    where = [
        SearchLog.created_at >= start,
        SearchLog.created_at < end,
        SearchLog.visit_id.is_not(None),
    ]
    if lang:
        where.append(SearchLog.lang == lang)
    searched = db.scalar(
        select(func.count(func.distinct(SearchLog.visit_id))).where(*where)
    )
    found = db.scalar(
        select(func.count(func.distinct(SearchLog.visit_id))).where(
            *where,
            or_(
                SearchLog.clicked_slug.is_not(None),
                SearchLog.visit_id.in_(
                    select(ArticleViewLog.visit_id).where(
                        ArticleViewLog.created_at >= start,
                        ArticleViewLog.created_at < end,
                    )
                ),
            ),
        )
    )
    return int(searched or 0), int(found or 0)


def found_per_day(
    db: Session, start: dt.datetime, end: dt.datetime, tz: str
) -> dict[tuple[dt.date, str, str], int]:
    """Per (day, language, "visit_search"/"visit_found"): what
    :func:`_found_an_answer` gives for each day, in two grouped queries."""
    s, v = SearchLog, ArticleViewLog
    day = local_day(db, s.created_at, tz)
    where = (s.created_at >= start, s.created_at < end, s.visit_id.is_not(None))
    # A visit found an answer that day: it clicked a result, or opened an
    # article the same (local) day.
    viewed = select(v.visit_id, local_day(db, v.created_at, tz)).where(
        v.created_at >= start, v.created_at < end, v.visit_id.is_not(None)
    )
    found: dict[tuple[dt.date, str, str], int] = {}
    for metric, extra in (
        ("visit_search", ()),
        (
            "visit_found",
            (or_(s.clicked_slug.is_not(None), tuple_(s.visit_id, day).in_(viewed)),),
        ),
    ):
        query = (
            select(day, s.lang, func.count(func.distinct(s.visit_id)))
            .where(*where, *extra)
            .group_by(day, s.lang)
        )
        for when, lang, n in db.execute(query):
            found[(as_date(when), lang, metric)] = int(n or 0)
    return found

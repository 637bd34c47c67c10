"""Reading counts: the roll-ups for closed days, the raw events for the rest.

A metric (:func:`metric_sources`) is a raw event table, a row filter and the key
and source columns it is counted by. :func:`tallies` counts it per key over a
period, :func:`total` and :func:`series` count it as a whole and per day: each
reads ``report_daily`` for the days :func:`kb.services.reports.rollup.rollup`
closed and the raw events for the days after. Also here: the small queries and
arithmetic several reports share.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, and_, case, cast, func, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from kb.services.reports.periods import Period
from kb.storage.models import ArticleViewLog, DailyCount, SearchLog, Ticket, VoteLog

ROLLED = "rolled"  # the report_daily metric marking the last closed day
SECTION_MARK = "#"  # joins an article's slug and a section's anchor in one key


def rolled_through(db: Session) -> dt.date | None:
    """The last day :func:`rollup` closed, or None."""
    return db.scalar(
        select(func.max(DailyCount.day)).where(DailyCount.metric == ROLLED)
    )


def total_metric(metric: str) -> str:
    """The roll-up metric holding ``metric``'s daily total per language."""
    return f"all:{metric}"


def local_day(db: Session, column: Any, tz: str) -> ColumnElement:
    """``column`` (a UTC timestamp) as a date in ``tz``, in either database."""
    if db.get_bind().dialect.name == "postgresql":
        return cast(func.timezone(tz, column), Date)
    # SQLite has no time zones: use the zone's offset now (Asia/Jakarta has no DST).
    offset = dt.datetime.now(ZoneInfo(tz)).utcoffset() or dt.timedelta()
    return func.date(column, f"{int(offset.total_seconds())} seconds")


@dataclass
class Tally:
    """Counts of one metric for one key (and source) over a period."""

    value: int = 0
    visits: int = 0
    last: dt.date | dt.datetime | None = None


def metric_sources() -> dict[str, tuple[Any, Callable[[], Any], Any, Any]]:
    """Each metric: its raw table, row filter, and key and source columns."""
    s, v, w = SearchLog, ArticleViewLog, VoteLog
    nothing = literal("")
    return {
        "search": (s, lambda: True, s.query, nothing),
        "search_zero": (s, lambda: s.results == 0, s.query, nothing),
        "search_noclick": (
            s,
            lambda: and_(s.results > 0, s.clicked_slug.is_(None)),
            s.query,
            nothing,
        ),
        "search_corrected": (s, lambda: s.corrected.is_(True), s.query, nothing),
        "search_click": (s, lambda: s.clicked_slug.is_not(None), s.query, nothing),
        "view": (v, lambda: True, v.slug, v.source),
        "reply_view": (v, lambda: v.reply_code.is_not(None), v.reply_code, nothing),
        "vote_yes": (w, lambda: w.helpful.is_(True), w.slug, w.section),
        "vote_no": (w, lambda: w.helpful.is_(False), w.slug, w.section),
        # Reasons are per section: the key is "slug#anchor" (SECTION_MARK).
        "reason": (
            w,
            lambda: w.reason.is_not(None),
            w.slug + SECTION_MARK + w.section,
            w.reason,
        ),
    }


def raw_rows(
    db: Session,
    metric: str,
    start: dt.datetime,
    end: dt.datetime,
    lang: str | None,
    by_day: str | None = None,
    *,
    by_lang: bool = False,
) -> list[Any]:
    """(day or None, key, source, count, distinct visits, last) from raw events.

    ``by_lang``: one more column, the language, and a row per language (the
    roll-up reads every language in one pass over the events).
    """
    model, where, key, source = metric_sources()[metric]
    # An event without a visit (no JavaScript) stands for a visit of its own.
    visits = func.count(func.distinct(model.visit_id)) + func.sum(
        case((model.visit_id.is_(None), 1), else_=0)
    )
    day = local_day(db, model.created_at, by_day) if by_day else literal(None)
    groups = (*((day,) if by_day else ()), *((model.lang,) if by_lang else ()))
    query = (
        select(
            day.label("day"),
            key.label("key"),
            source.label("source"),
            func.count().label("n"),
            visits.label("visits"),
            func.max(model.created_at).label("last"),
            *((model.lang.label("lang"),) if by_lang else ()),
        )
        .where(model.created_at >= start, model.created_at < end, where())
        .group_by(*groups, key, source)
    )
    if lang:
        query = query.where(model.lang == lang)
    return list(db.execute(query).all())


def tallies(
    db: Session, metric: str, period: Period, lang: str | None
) -> dict[tuple[str, str], Tally]:
    """Per (key, source): the count, distinct visits and last seen in ``period``."""
    closed = rolled_through(db)
    found: dict[tuple[str, str], Tally] = defaultdict(Tally)
    raw_from = period.start
    if closed is not None and closed >= period.start:
        last_closed = min(closed, period.end)
        query = select(
            DailyCount.key,
            DailyCount.source,
            func.sum(DailyCount.value),
            func.sum(DailyCount.visits),
            func.max(DailyCount.day),
        ).where(
            DailyCount.metric == metric,
            DailyCount.day >= period.start,
            DailyCount.day <= last_closed,
        )
        if lang:
            query = query.where(DailyCount.lang == lang)
        for key, source, value, visits, last in db.execute(
            query.group_by(DailyCount.key, DailyCount.source)
        ):
            tally = found[(key, source)]
            tally.value += int(value or 0)
            tally.visits += int(visits or 0)
            tally.last = last
        raw_from = last_closed + dt.timedelta(days=1)
    if raw_from <= period.end:
        start, end = Period(raw_from, period.end, period.tz).bounds()
        rows = raw_rows(db, metric, start, end, lang)
        for _day, key, source, n, visits, last in rows:
            tally = found[(key or "", source or "")]
            tally.value += int(n or 0)
            tally.visits += int(visits or 0)
            tally.last = aware(last)
    return dict(found)


def aware(value: Any) -> Any:
    """``value`` as an aware datetime when it is a naive one (UTC assumed)."""
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)  # SQLite gives naive UTC back
    return value


def _split(db: Session, period: Period) -> tuple[dt.date | None, Period | None]:
    """The last rolled-up day inside ``period`` (or None), and the days after
    it that only the raw events hold (or None)."""
    closed = rolled_through(db)
    if closed is None or closed < period.start:
        return None, period
    last_closed = min(closed, period.end)
    if last_closed >= period.end:
        return last_closed, None
    return last_closed, Period(
        last_closed + dt.timedelta(days=1), period.end, period.tz
    )


def _raw_count(
    db: Session, metric: str, period: Period, lang: str | None, *, by_day: bool
) -> list[tuple[Any, int]]:
    """(local day or None, count) of ``metric``'s raw events in ``period``.

    Counts only, never per key: the per-day chart and the totals need no more.
    """
    model, where, _key, _source = metric_sources()[metric]
    start, end = period.bounds()
    day = local_day(db, model.created_at, period.tz) if by_day else literal(None)
    query = select(day, func.count()).where(
        model.created_at >= start, model.created_at < end, where()
    )
    if lang:
        query = query.where(model.lang == lang)
    if by_day:
        query = query.group_by(day)
    return [(when, int(n or 0)) for when, n in db.execute(query)]


def total(db: Session, metric: str, period: Period, lang: str | None) -> int:
    """The metric's count over ``period`` (one sum, not per key)."""
    last_closed, raw = _split(db, period)
    found = 0
    if last_closed is not None:
        query = select(func.sum(DailyCount.value)).where(
            DailyCount.metric == total_metric(metric),
            DailyCount.day >= period.start,
            DailyCount.day <= last_closed,
        )
        if lang:
            query = query.where(DailyCount.lang == lang)
        found += int(db.scalar(query) or 0)
    if raw is not None:
        found += sum(n for _day, n in _raw_count(db, metric, raw, lang, by_day=False))
    return found


def series(
    db: Session, metric: str, period: Period, lang: str | None
) -> list[tuple[dt.date, int]]:
    """The metric's count per day of ``period``."""
    per_day: dict[dt.date, int] = defaultdict(int)
    last_closed, raw = _split(db, period)
    if last_closed is not None:
        # The day's total row: a row per day and language, not per query.
        query = select(DailyCount.day, func.sum(DailyCount.value)).where(
            DailyCount.metric == total_metric(metric),
            DailyCount.day >= period.start,
            DailyCount.day <= last_closed,
        )
        if lang:
            query = query.where(DailyCount.lang == lang)
        for day, value in db.execute(query.group_by(DailyCount.day)):
            per_day[as_date(day)] += int(value or 0)
    if raw is not None:
        for day, n in _raw_count(db, metric, raw, lang, by_day=True):
            per_day[as_date(day)] += n
    return [(day, per_day.get(day, 0)) for day in period.each_day()]


def as_date(value: Any) -> dt.date:
    """A day as either database gives it back (date, datetime or text)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def rate(part: int, whole: int) -> float | None:
    """``part`` ÷ ``whole``, or None when ``whole`` is 0."""
    return part / whole if whole else None


def count_by(
    db: Session,
    key: Any,
    created: Any,
    start: dt.datetime,
    end: dt.datetime,
    *where: Any,
) -> dict[str, int]:
    """Rows created in [start, end) counted per ``key`` (None keys left out)."""
    query = (
        select(key, func.count())
        .where(created >= start, created < end, key.is_not(None), *where)
        .group_by(key)
    )
    return {k: int(n) for k, n in db.execute(query)}


def tickets_in(
    db: Session, start: dt.datetime, end: dt.datetime, lang: str | None
) -> list[Ticket]:
    """Tickets opened in [start, end), in ``lang`` when given."""
    query = select(Ticket).where(Ticket.created_at >= start, Ticket.created_at < end)
    if lang:
        query = query.where(Ticket.lang == lang)
    return list(db.scalars(query))

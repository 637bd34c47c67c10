"""Reports: what customers search for and miss, which answers help, who does the work.

Every report takes a :class:`Period` (whole days in ``KB_REPORT_TZ``) and a
language, and compares with the previous period of the same length. Counts come
from the daily roll-ups (``report_daily``) for days that :func:`rollup` has
closed and from the raw event tables for the rest, so a report over a year reads
a few thousand roll-up rows, not a million events. Results are frozen
dataclasses; :func:`csv_rows` flattens any of them for export. Nothing here
touches the request.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Date,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    tuple_,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from kb.storage.models import (
    ArticleViewLog,
    Case,
    DailyCount,
    Deflection,
    LinkedArticle,
    PublicReply,
    SearchLog,
    StaffWork,
    Ticket,
    User,
    VoteLog,
)
from kb.vocab import LANGUAGES, PLATFORMS

PERIODS = (7, 30, 90, 365)
GAP_MIN_VISITS = 3  # fewer distinct visits than this: summed as "other"
COLOUR_MIN_VOTES = 10  # helpfulness is coloured only with this many votes
TABS = ("zero", "noclick", "corrected", "top")
ROLLED = "rolled"  # the report_daily metric marking the last closed day
GAP_ROWS = 25  # the best current hit is a search per row
SECTION_MARK = "#"  # joins an article's slug and a section's anchor in one key


@dataclass(frozen=True)
class Period:
    """Whole days ``start`` … ``end`` (inclusive) in the time zone ``tz``."""

    start: dt.date
    end: dt.date
    tz: str = "Asia/Jakarta"

    @property
    def days(self) -> int:
        """Length in days."""
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        end = self.start - dt.timedelta(days=1)
        return Period(end - dt.timedelta(days=self.days - 1), end, self.tz)

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """UTC instants: the start of the first day, the start of the day after."""
        zone = ZoneInfo(self.tz)
        start = dt.datetime.combine(self.start, dt.time(), zone)
        end = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), zone)
        return start.astimezone(dt.UTC), end.astimezone(dt.UTC)

    def each_day(self) -> list[dt.date]:
        """Every day of the period, in order."""
        return [self.start + dt.timedelta(days=i) for i in range(self.days)]


def today(tz: str, now: dt.datetime | None = None) -> dt.date:
    """Today's date in ``tz``."""
    return (now or dt.datetime.now(dt.UTC)).astimezone(ZoneInfo(tz)).date()


def last_days(days: int, tz: str, now: dt.datetime | None = None) -> Period:
    """The last ``days`` days, today included."""
    end = today(tz, now)
    return Period(end - dt.timedelta(days=days - 1), end, tz)


# -- reading counts: roll-ups for closed days, raw events for the rest -----------


def rolled_through(db: Session) -> dt.date | None:
    """The last day :func:`rollup` closed, or None."""
    return db.scalar(
        select(func.max(DailyCount.day)).where(DailyCount.metric == ROLLED)
    )


def total_metric(metric: str) -> str:
    """The roll-up metric holding ``metric``'s daily total per language."""
    return f"all:{metric}"


def _local_day(db: Session, column: Any, tz: str) -> ColumnElement:
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


# Each metric: the raw table, the row filter, the key and source columns.
def _metric_sources() -> dict[str, tuple[Any, Callable[[], Any], Any, Any]]:
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
        # Reasons are per section: the key is "slug#anchor" (see _section_key).
        "reason": (
            w,
            lambda: w.reason.is_not(None),
            w.slug + SECTION_MARK + w.section,
            w.reason,
        ),
    }


def _raw(
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
    model, where, key, source = _metric_sources()[metric]
    # An event without a visit (no JavaScript) stands for a visit of its own.
    visits = func.count(func.distinct(model.visit_id)) + func.sum(
        case((model.visit_id.is_(None), 1), else_=0)
    )
    day = _local_day(db, model.created_at, by_day) if by_day else literal(None)
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
        for _day, key, source, n, visits, last in _raw(db, metric, start, end, lang):
            tally = found[(key or "", source or "")]
            tally.value += int(n or 0)
            tally.visits += int(visits or 0)
            tally.last = _aware(last)
    return dict(found)


def _aware(value: Any) -> Any:
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
    model, where, _key, _source = _metric_sources()[metric]
    start, end = period.bounds()
    day = _local_day(db, model.created_at, period.tz) if by_day else literal(None)
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
            per_day[_as_date(day)] += int(value or 0)
    if raw is not None:
        for day, n in _raw_count(db, metric, raw, lang, by_day=True):
            per_day[_as_date(day)] += n
    return [(day, per_day.get(day, 0)) for day in period.each_day()]


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


# -- roll-up and purge ------------------------------------------------------------


def rollup(db: Session, tz: str, now: dt.datetime | None = None) -> int:
    """Close every day before today: write its counts to ``report_daily``.

    Idempotent: a day already closed is rewritten from the raw events only if
    they are still there. Returns the number of days closed.
    """
    yesterday = today(tz, now) - dt.timedelta(days=1)
    closed = rolled_through(db)
    firsts = [
        _aware(db.scalar(select(func.min(m.created_at))))
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
    for metric in _metric_sources():
        # One grouped pass per metric over the whole span, every language.
        totals: dict[tuple[dt.date, str], int] = defaultdict(int)
        rows = []
        for day, key, source, n, visits, _last, lang in _raw(
            db, metric, start, end, None, by_day=tz, by_lang=True
        ):
            if lang not in languages:
                continue
            day = _as_date(day)
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
        for (day, lang, metric), value in _found_per_day(db, start, end, tz).items()
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


# -- the reports ------------------------------------------------------------------


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


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


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
    tickets = _tickets_in(db, start, end, lang)
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
        if (_aware(t.first_response_at) - _aware(t.created_at)).total_seconds()
        <= targets.get(t.priority, 86400)
    ]
    return {
        "searches": searches,
        "zero_rate": _rate(zero, searches),
        "click_through": _rate(clicks, searches - zero),
        "found_answer": _rate(found, searched),
        "tickets_after_search": (len(tickets) * 100 / searches) if searches else None,
        "self_service": (view_visits / requesters) if requesters else None,
        "deflection": _rate(
            int(deflections or 0), int(deflections or 0) + len(tickets)
        ),
        "first_response": _rate(len(within), len(answered)),
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


def _tickets_in(
    db: Session, start: dt.datetime, end: dt.datetime, lang: str | None
) -> list[Ticket]:
    query = select(Ticket).where(Ticket.created_at >= start, Ticket.created_at < end)
    if lang:
        query = query.where(Ticket.lang == lang)
    return list(db.scalars(query))


def _visits_with_views(db: Session, period: Period, lang: str | None) -> int:
    return sum(t.visits for t in tallies(db, "view", period, lang).values())


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


def _found_per_day(
    db: Session, start: dt.datetime, end: dt.datetime, tz: str
) -> dict[tuple[dt.date, str, str], int]:
    """Per (day, language, "visit_search"/"visit_found"): what
    :func:`_found_an_answer` gives for each day, in two grouped queries."""
    s, v = SearchLog, ArticleViewLog
    day = _local_day(db, s.created_at, tz)
    where = (s.created_at >= start, s.created_at < end, s.visit_id.is_not(None))
    # A visit found an answer that day: it clicked a result, or opened an
    # article the same (local) day.
    viewed = select(v.visit_id, _local_day(db, v.created_at, tz)).where(
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
            found[(_as_date(when), lang, metric)] = int(n or 0)
    return found


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
        return _aware(handled_at) >= _aware(last)
    return handled_at.date() > last


def _handled(db: Session, lang: str | None) -> dict[str, dt.datetime]:
    query = select(StaffWork.subject, func.max(StaffWork.created_at)).where(
        StaffWork.kind == "gap_handled"
    )
    if lang:
        query = query.where(StaffWork.lang == lang)
    return {
        subject: _aware(when)
        for subject, when in db.execute(query.group_by(StaffWork.subject))
    }


@dataclass(frozen=True)
class SectionRow:
    """Helpfulness of one section (or the article as a whole: anchor "")."""

    anchor: str
    yes: int
    no: int
    reasons: dict[str, int]

    @property
    def votes(self) -> int:
        """All votes."""
        return self.yes + self.no

    @property
    def coloured(self) -> bool:
        """Enough votes to colour the helpfulness."""
        return self.votes >= COLOUR_MIN_VOTES

    @property
    def helpful(self) -> float | None:
        """Share of yes votes."""
        return self.yes / self.votes if self.votes else None


@dataclass(frozen=True)
class ArticleRow:
    """One article in the articles report."""

    slug: str
    title: str
    lang: str
    views: int
    views_by_source: dict[str, int]
    sections: tuple[SectionRow, ...]
    agent_links: int
    public_replies: int
    settled: int
    handoffs: int
    tickets: int
    translated: bool
    status: str
    updated: dt.date

    @property
    def overall(self) -> SectionRow:
        """All votes on the article and its sections."""
        reasons: dict[str, int] = defaultdict(int)
        for s in self.sections:
            for k, v in s.reasons.items():
                reasons[k] += v
        return SectionRow(
            "",
            sum(s.yes for s in self.sections),
            sum(s.no for s in self.sections),
            dict(reasons),
        )

    @property
    def settled_rate(self) -> float | None:
        """Settled public replies ÷ public replies."""
        return _rate(self.settled, self.public_replies)


@dataclass(frozen=True)
class ArticlesReport:
    """Per article and per section: views, helpfulness, replies, tickets."""

    period: Period
    lang: str | None
    rows: tuple[ArticleRow, ...]


def articles(
    db: Session, period: Period, lang: str | None, library: Any
) -> ArticlesReport:
    """The articles report over the published articles of ``library``."""
    start, end = period.bounds()
    views: dict[str, dict[str, int]] = defaultdict(dict)
    for (slug, source), tally in tallies(db, "view", period, lang).items():
        views[slug][source] = views[slug].get(source, 0) + tally.value
    votes: dict[str, dict[str, list[int]]] = defaultdict(
        lambda: defaultdict(lambda: [0, 0])
    )
    for metric, index in (("vote_yes", 0), ("vote_no", 1)):
        for (slug, section), tally in tallies(db, metric, period, lang).items():
            votes[slug][section][index] += tally.value
    reasons: dict[str, dict[str, dict[str, int]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for (key, reason), tally in tallies(db, "reason", period, lang).items():
        slug, _mark, section = key.partition(SECTION_MARK)
        given = reasons[slug][section]
        given[reason] = given.get(reason, 0) + tally.value
    links = _count_by(
        db, LinkedArticle.article_slug, LinkedArticle.created_at, start, end
    )
    replies = _count_by(db, PublicReply.slug, PublicReply.created_at, start, end)
    settled = _count_by(
        db,
        PublicReply.slug,
        PublicReply.created_at,
        start,
        end,
        PublicReply.outcome == "settled",
    )
    handoffs = _count_by(db, Case.article_slug, Case.created_at, start, end)
    tickets = _count_by(db, Ticket.article_slug, Ticket.created_at, start, end)
    rows = []
    for article in sorted(library.published.values(), key=lambda a: a.slug):
        if lang and article.lang != lang:
            continue
        by_source = views.get(article.slug, {})
        sections = tuple(
            SectionRow(anchor, yes, no, reasons[article.slug].get(anchor, {}))
            for anchor, (yes, no) in sorted(votes.get(article.slug, {}).items())
        )
        rows.append(
            ArticleRow(
                slug=article.slug,
                title=article.title,
                lang=article.lang,
                views=sum(by_source.values()),
                views_by_source=dict(sorted(by_source.items())),
                sections=sections,
                agent_links=links.get(article.slug, 0),
                public_replies=replies.get(article.slug, 0),
                settled=settled.get(article.slug, 0),
                handoffs=handoffs.get(article.slug, 0),
                tickets=tickets.get(article.slug, 0),
                translated=library.translation_of(
                    article, "en" if article.lang == "id" else "id"
                )
                is not None,
                status=article.status,
                updated=article.updated,
            )
        )
    rows.sort(key=lambda r: (-r.views, r.slug))
    return ArticlesReport(period, lang, tuple(rows))


def _count_by(
    db: Session,
    key: Any,
    created: Any,
    start: dt.datetime,
    end: dt.datetime,
    *where: Any,
) -> dict[str, int]:
    query = (
        select(key, func.count())
        .where(created >= start, created < end, key.is_not(None), *where)
        .group_by(key)
    )
    return {k: int(n) for k, n in db.execute(query)}


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
    tickets_by_case = _count_by(db, Ticket.case_code, Ticket.created_at, start, end)
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


@dataclass(frozen=True)
class TeamRow:
    """One staff member's part in the period."""

    user_id: int
    name: str
    role: str
    public_answers: int
    settled: int
    moved_private: int
    tickets_answered: int
    within_target: int
    articles: int
    gaps_closed: int
    welcomes: int = 0

    @property
    def settled_rate(self) -> float | None:
        """Settled ÷ public answers."""
        return _rate(self.settled, self.public_answers)


@dataclass(frozen=True)
class TeamReport:
    """The participation count, one row per active staff member."""

    period: Period
    lang: str | None
    rows: tuple[TeamRow, ...]


def team(
    db: Session,
    period: Period,
    lang: str | None,
    targets: dict[str, int],
    only_user: int | None = None,
) -> TeamReport:
    """The team report; ``only_user`` limits it to one person's row."""
    start, end = period.bounds()
    users = db.scalars(select(User).where(User.active.is_(True)).order_by(User.name))
    where_lang = (PublicReply.lang == lang,) if lang else ()
    # A welcome greets a newcomer: counted apart from the answers it is not.
    answers = _count_by(
        db,
        PublicReply.user_id,
        PublicReply.created_at,
        start,
        end,
        PublicReply.kind != "welcome",
        *where_lang,
    )
    welcomes = _count_by(
        db,
        PublicReply.user_id,
        PublicReply.created_at,
        start,
        end,
        PublicReply.kind == "welcome",
        *where_lang,
    )
    settled = _count_by(
        db,
        PublicReply.user_id,
        PublicReply.created_at,
        start,
        end,
        PublicReply.outcome == "settled",
        *where_lang,
    )
    private = _count_by(
        db,
        PublicReply.user_id,
        PublicReply.created_at,
        start,
        end,
        PublicReply.outcome == "private",
        *where_lang,
    )
    work_lang = (StaffWork.lang == lang,) if lang else ()
    written = _count_by(
        db,
        StaffWork.user_id,
        StaffWork.created_at,
        start,
        end,
        StaffWork.kind == "article_published",
        *work_lang,
    )
    gaps = _count_by(
        db,
        StaffWork.user_id,
        StaffWork.created_at,
        start,
        end,
        StaffWork.kind == "gap_handled",
        *work_lang,
    )
    answered: dict[int, int] = defaultdict(int)
    within: dict[int, int] = defaultdict(int)
    for ticket in _tickets_in(db, start, end, lang):
        if ticket.assignee_id is None or ticket.first_response_at is None:
            continue
        answered[ticket.assignee_id] += 1
        took = _aware(ticket.first_response_at) - _aware(ticket.created_at)
        if took.total_seconds() <= targets.get(ticket.priority, 86400):
            within[ticket.assignee_id] += 1
    rows = tuple(
        TeamRow(
            user_id=user.id,
            name=user.name or user.email,
            role=user.role,
            public_answers=answers.get(user.id, 0),  # type: ignore[call-overload]
            settled=settled.get(user.id, 0),  # type: ignore[call-overload]
            moved_private=private.get(user.id, 0),  # type: ignore[call-overload]
            tickets_answered=answered[user.id],
            within_target=within[user.id],
            articles=written.get(user.id, 0),  # type: ignore[call-overload]
            gaps_closed=gaps.get(user.id, 0),  # type: ignore[call-overload]
            welcomes=welcomes.get(user.id, 0),  # type: ignore[call-overload]
        )
        for user in users
        if only_user is None or user.id == only_user
    )
    return TeamReport(period, lang, rows)


# -- export ----------------------------------------------------------------------


def csv_rows(
    report: Any, badges_of: Callable[[TeamRow], Sequence[str]] | None = None
) -> list[list[Any]]:
    """Any report as a header row and data rows, for CSV export.

    ``badges_of`` names the badges a team row earned (they depend on the admins'
    settings, which this module does not read); without it the column is empty.
    """
    if isinstance(report, Overview):
        rows: list[list[Any]] = [["metric", "value", "previous", "kind"]]
        rows += [[m.key, m.value, m.previous, m.kind] for m in report.metrics]
        rows += [
            ["searches_on", day.isoformat(), n, "count"]
            for day, n in report.searches_per_day
        ]
        return rows
    if isinstance(report, SearchReport):
        rows = [["query", "searches", "visits", "last_seen", "best_hit"]]
        rows += [
            [r.query, r.searches, r.visits, _iso(r.last_seen), r.best_hit or ""]
            for r in report.rows
        ]
        rows.append(
            ["(other)", report.other_searches, "", "", f"{report.other_terms} terms"]
        )
        return rows
    if isinstance(report, ArticlesReport):
        rows = [
            [
                "slug",
                "lang",
                "section",
                "views",
                "views_by_source",
                "yes",
                "no",
                "reasons",
                "agent_links",
                "public_replies",
                "settled",
                "handoffs",
                "tickets",
                "translated",
                "status",
                "updated",
            ]
        ]
        for a in report.rows:
            whole = a.overall
            rows.append(
                [
                    a.slug,
                    a.lang,
                    "",
                    a.views,
                    _pairs(a.views_by_source),
                    whole.yes,
                    whole.no,
                    _pairs(whole.reasons),
                    a.agent_links,
                    a.public_replies,
                    a.settled,
                    a.handoffs,
                    a.tickets,
                    a.translated,
                    a.status,
                    a.updated.isoformat(),
                ]
            )
            for s in a.sections:
                rows.append(
                    [
                        a.slug,
                        a.lang,
                        s.anchor or "(article)",
                        "",
                        "",
                        s.yes,
                        s.no,
                        _pairs(s.reasons),
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                    ]
                )
        return rows
    if isinstance(report, PublicReport):
        rows = [
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
            for r in report.rows
        ]
        return rows
    if isinstance(report, TeamReport):
        rows = [
            [
                "name",
                "role",
                "public_answers",
                "settled",
                "moved_private",
                "tickets_answered",
                "first_responses_within_target",
                "articles_written_or_updated",
                "gaps_closed",
                "welcomes",
                "badges",
            ]
        ]
        rows += [
            [
                r.name,
                r.role,
                r.public_answers,
                r.settled,
                r.moved_private,
                r.tickets_answered,
                r.within_target,
                r.articles,
                r.gaps_closed,
                r.welcomes,
                list(badges_of(r)) if badges_of else [],
            ]
            for r in report.rows
        ]
        return rows
    raise TypeError(f"not a report: {type(report).__name__}")


def _iso(value: Any) -> str:
    return value.isoformat() if value is not None else ""


def _pairs(values: dict[str, int]) -> str:
    return " ".join(f"{k}={v}" for k, v in values.items())


def as_json(
    report: Any, badges_of: Callable[[TeamRow], Sequence[str]] | None = None
) -> dict[str, Any]:
    """A report as JSON-ready data (the same columns as its CSV)."""
    header, *rows = csv_rows(report, badges_of)
    period = report.period
    return {
        "period": {
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "time_zone": period.tz,
        },
        "lang": report.lang,
        "columns": header,
        "rows": [[_plain(v) for v in row] for row in rows],
    }


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


# -- the weekly digest ------------------------------------------------------------

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

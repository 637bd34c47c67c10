"""The ticket report: volume, backlog, response and resolution times, satisfaction.

Read from the ticket tables directly (tickets are few next to search events, so
they need no roll-up): per day in ``KB_REPORT_TZ`` the tickets opened, the
tickets solved (resolved or closed) and the open backlog at the day's end; first
response and resolution times as median and 90th percentile, counted in support
hours (``KB_SUPPORT_HOURS``, around the clock when unset); the customers'
ratings; and the same by topic, platform and agent (the assignee). Duplicates
merged into another ticket are left out.

The backlog comes from each ticket's history (its ``status`` events): a ticket
is open from its creation to its first solving, and again from each reopening
to the next solving, so a reopened ticket is in the backlog on the days it was
open again. Its current state has the last word (``resolved_at`` ends the last
interval; none keeps it open), which also covers tickets changed without
history. A reopened ticket counts as *solved* once, on its last solving.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from kb.services.reports.counts import aware, rate
from kb.services.reports.periods import Period
from kb.storage.models import Ticket, TicketEvent, User
from kb.support_hours import SupportHours, support_seconds
from kb.vocab import SOLVED

GROUPS = ("topic", "platform", "agent")


def percentile(values: list[float], share: float) -> float | None:
    """The ``share`` percentile of ``values`` (linear between ranks), or None."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class TicketDay:
    """One day: tickets opened, solved, and still open at its end."""

    day: dt.date
    new: int
    solved: int
    backlog: int


@dataclass
class _Tally:
    new: int = 0
    solved: int = 0
    first_response: list[float] = field(default_factory=list)
    resolution: list[float] = field(default_factory=list)
    ratings: dict[str, int] = field(
        default_factory=lambda: {"good": 0, "okay": 0, "bad": 0}
    )


@dataclass(frozen=True)
class TicketRow:
    """The tickets of one group (a topic, a platform, an agent) or of all."""

    group: str  # all, topic, platform or agent
    key: str
    new: int
    solved: int
    first_response_median: float | None  # hours, in support hours
    first_response_p90: float | None
    resolution_median: float | None
    resolution_p90: float | None
    good: int
    okay: int
    bad: int

    @property
    def rated(self) -> int:
        """How many tickets were rated."""
        return self.good + self.okay + self.bad

    @property
    def satisfaction(self) -> float | None:
        """Good ratings ÷ all ratings (the usual CSAT)."""
        return rate(self.good, self.rated)


def _row(group: str, key: str, tally: _Tally) -> TicketRow:
    hours = [v / 3600 for v in tally.first_response]
    solved = [v / 3600 for v in tally.resolution]
    return TicketRow(
        group,
        key,
        tally.new,
        tally.solved,
        percentile(hours, 0.5),
        percentile(hours, 0.9),
        percentile(solved, 0.5),
        percentile(solved, 0.9),
        tally.ratings["good"],
        tally.ratings["okay"],
        tally.ratings["bad"],
    )


@dataclass(frozen=True)
class TicketsReport:
    """The ticket report for a period."""

    period: Period
    lang: str | None
    days: tuple[TicketDay, ...]
    total: TicketRow
    by_topic: tuple[TicketRow, ...]
    by_platform: tuple[TicketRow, ...]
    by_agent: tuple[TicketRow, ...]
    in_support_hours: bool

    def csv_rows(self, badges_of: Any = None) -> list[list[Any]]:
        """One row per day, then the period's total and each group's rows."""
        header = [
            "group",
            "key",
            "new",
            "solved",
            "open_backlog",
            "first_response_median_hours",
            "first_response_p90_hours",
            "resolution_median_hours",
            "resolution_p90_hours",
            "rated_good",
            "rated_okay",
            "rated_bad",
        ]
        rows: list[list[Any]] = [header]
        rows += [
            ["day", d.day.isoformat(), d.new, d.solved, d.backlog] + [None] * 7
            for d in self.days
        ]
        for row in (self.total, *self.by_topic, *self.by_platform, *self.by_agent):
            rows.append(
                [
                    row.group,
                    row.key,
                    row.new,
                    row.solved,
                    None,
                    row.first_response_median,
                    row.first_response_p90,
                    row.resolution_median,
                    row.resolution_p90,
                    row.good,
                    row.okay,
                    row.bad,
                ]
            )
        return rows


def _day(moment: dt.datetime, zone: ZoneInfo) -> dt.date:
    return aware(moment).astimezone(zone).date()


def _within(moment: dt.datetime | None, start: dt.datetime, end: dt.datetime) -> bool:
    return moment is not None and start <= aware(moment) < end


def tickets(
    db: Session,
    period: Period,
    lang: str | None,
    hours: SupportHours | None,
) -> TicketsReport:
    """The ticket report for ``period`` (``lang``: one language or all)."""
    start, end = period.bounds()
    zone = ZoneInfo(period.tz)
    query = select(Ticket).where(
        Ticket.merged_into_id.is_(None),
        Ticket.created_at < end,
        or_(
            Ticket.resolved_at.is_(None),
            Ticket.resolved_at >= start,
            Ticket.rated_at >= start,
        ),
    )
    if lang:
        query = query.where(Ticket.lang == lang)
    found = list(db.scalars(query))
    history = _status_changes(db, query, end)
    names = {row.id: row.name or row.email for row in db.scalars(select(User))}
    new_per_day: dict[dt.date, int] = defaultdict(int)
    solved_per_day: dict[dt.date, int] = defaultdict(int)
    total = _Tally()
    groups: dict[str, dict[str, _Tally]] = {g: defaultdict(_Tally) for g in GROUPS}
    for ticket in found:
        keys = {
            "topic": ticket.category or "",
            "platform": ticket.platform or "",
            "agent": names.get(ticket.assignee_id, "") if ticket.assignee_id else "",
        }
        tallies = [total] + [groups[g][keys[g]] for g in GROUPS]
        _count(ticket, start, end, zone, hours, tallies, new_per_day, solved_per_day)
    each_day = period.each_day()
    day_ends = [
        dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zone)
        for day in each_day
    ]
    backlog = _backlog(
        (_open_intervals(t, history.get(t.id, [])) for t in found), day_ends
    )
    days = tuple(
        TicketDay(day, new_per_day[day], solved_per_day[day], open_at_end)
        for day, open_at_end in zip(each_day, backlog, strict=True)
    )

    def rows(group: str) -> tuple[TicketRow, ...]:
        made = [_row(group, key, tally) for key, tally in groups[group].items()]
        made = [r for r in made if r.new or r.solved or r.rated]
        return tuple(sorted(made, key=lambda r: (-r.new, -r.solved, r.key)))

    return TicketsReport(
        period,
        lang,
        days,
        _row("all", "", total),
        rows("topic"),
        rows("platform"),
        rows("agent"),
        hours is not None,
    )


def _count(
    ticket: Ticket,
    start: dt.datetime,
    end: dt.datetime,
    zone: ZoneInfo,
    hours: SupportHours | None,
    tallies: Iterable[_Tally],
    new_per_day: dict[dt.date, int],
    solved_per_day: dict[dt.date, int],
) -> None:
    """Add one ticket to every tally it belongs to."""
    opened = aware(ticket.created_at)
    is_new = start <= opened < end
    is_solved = _within(ticket.resolved_at, start, end)
    if is_new:
        new_per_day[_day(opened, zone)] += 1
    if is_solved:
        solved_per_day[_day(ticket.resolved_at, zone)] += 1  # type: ignore[arg-type]
    for tally in tallies:
        if is_new:
            tally.new += 1
            if ticket.first_response_at is not None:
                tally.first_response.append(
                    support_seconds(opened, ticket.first_response_at, hours)
                )
        if is_solved:
            tally.solved += 1
            tally.resolution.append(
                support_seconds(opened, ticket.resolved_at, hours)  # type: ignore[arg-type]
            )
        if ticket.rating in tally.ratings and _within(ticket.rated_at, start, end):
            tally.ratings[ticket.rating] += 1


Interval = tuple[dt.datetime, dt.datetime | None]  # open from, to (None: still)


def _status_changes(
    db: Session, tickets_query: Select[Any], end: dt.datetime
) -> dict[int, list[tuple[dt.datetime, bool]]]:
    """Each status change of the tickets of ``tickets_query``: (when, solved)."""
    ids = tickets_query.with_only_columns(Ticket.id).scalar_subquery()
    rows = db.execute(
        select(TicketEvent.ticket_id, TicketEvent.created_at, TicketEvent.new_value)
        .where(
            TicketEvent.field == "status",
            TicketEvent.ticket_id.in_(ids),
            TicketEvent.created_at < end,
        )
        .order_by(TicketEvent.ticket_id, TicketEvent.created_at, TicketEvent.id)
    )
    changes: dict[int, list[tuple[dt.datetime, bool]]] = defaultdict(list)
    for ticket_id, when, value in rows:
        changes[ticket_id].append((aware(when), value in SOLVED))
    return changes


def _open_intervals(
    ticket: Ticket, changes: list[tuple[dt.datetime, bool]]
) -> list[Interval]:
    """When ``ticket`` was open: from creation and each reopening to its solving."""
    intervals: list[Interval] = []
    since: dt.datetime | None = aware(ticket.created_at)
    for when, solved in changes:
        if since is not None and solved:
            intervals.append((since, when))
            since = None
        elif since is None and not solved:
            since = when
    last_solved = aware(ticket.resolved_at)
    if last_solved is None:
        if since is None:  # solved in the history but open now: it never ended
            since = intervals.pop()[0]
        intervals.append((since, None))
    elif since is not None:  # solved without a recorded change
        intervals.append((since, last_solved))
    else:  # the last solving as the ticket has it (what "solved" counts)
        intervals[-1] = (intervals[-1][0], last_solved)
    return [(a, b) for a, b in intervals if b is None or b > a]


def _backlog(
    tickets: Iterable[list[Interval]], moments: list[dt.datetime]
) -> list[int]:
    """How many tickets were open at each of ``moments`` (in order).

    Open at a moment means opened before it and not solved by then. Each
    interval adds one to a run of moments (found by bisection), so the cost is
    the intervals' number times log(days), not tickets times days.
    """
    steps = [0] * (len(moments) + 1)
    for intervals in tickets:
        for opened, solved in intervals:
            first = bisect.bisect_right(moments, opened)
            # Solved at a moment itself still counts as open at it.
            after = (
                len(moments) if solved is None else bisect.bisect_right(moments, solved)
            )
            if first < after:
                steps[first] += 1
                steps[after] -= 1
    counts, running = [], 0
    for step in steps[:-1]:
        running += step
        counts.append(running)
    return counts

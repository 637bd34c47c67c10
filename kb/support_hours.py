"""Support hours: ``KB_SUPPORT_HOURS`` parsed into days, a daily window and a zone.

Kept apart from the services so that ``kb.config`` can validate the setting without
importing them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = re.compile(
    r"^\s*(?P<days>[a-z,\-]+)\s+(?P<start>\d{1,2}:\d{2})-(?P<end>\d{1,2}:\d{2})"
    r"(?:\s+(?P<zone>\S+))?\s*$"
)


@dataclass(frozen=True)
class SupportHours:
    """Opening hours: weekdays (0 = Monday), a daily window and a time zone."""

    days: frozenset[int]
    start: dt.time
    end: dt.time
    zone: str = "UTC"

    @property
    def tz(self) -> ZoneInfo:
        """The zone the hours are in."""
        return ZoneInfo(self.zone)


def _days(spec: str) -> frozenset[int]:
    found: set[int] = set()
    for part in spec.split(","):
        first, _, last = part.partition("-")
        a, b = DAYS.index(first), DAYS.index(last or first)
        found.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    return frozenset(found)


def parse_hours(raw: str) -> SupportHours:
    """``mon-fri 08:00-17:00 Asia/Jakarta`` → :class:`SupportHours`; ValueError."""
    found = _HOURS.match(raw.strip().lower().replace(" - ", "-"))
    if not found:
        raise ValueError("must look like mon-fri 08:00-17:00 Asia/Jakarta")
    try:
        days = _days(found["days"])
        start = dt.time.fromisoformat(found["start"].zfill(5))
        end = dt.time.fromisoformat(found["end"].zfill(5))
    except ValueError:
        raise ValueError(
            "days are mon, tue, wed, thu, fri, sat, sun (e.g. mon-fri or sat,sun) "
            "and times HH:MM"
        ) from None
    if start >= end:
        raise ValueError("the opening time must be before the closing time")
    # Zone names are case-sensitive (Asia/Jakarta): take it as written.
    zone = _zone_name(raw.split()[-1] if found["zone"] else "UTC")
    return SupportHours(days, start, end, zone)


def _zone_name(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (e.g. Asia/Jakarta)") from None
    return name


def support_seconds(
    start: dt.datetime, end: dt.datetime, hours: SupportHours | None
) -> float:
    """Seconds between two instants that fall within support hours.

    Without hours (support around the clock) it is the plain difference. Used
    for the ticket reports' first response and resolution times.
    """
    if start.tzinfo is None:  # the database keeps UTC without a zone
        start = start.replace(tzinfo=dt.UTC)
    if end.tzinfo is None:
        end = end.replace(tzinfo=dt.UTC)
    if end <= start:
        return 0.0
    if hours is None:
        return (end - start).total_seconds()
    tz = hours.tz
    first, last = start.astimezone(tz).date(), end.astimezone(tz).date()
    total = 0.0
    day = first
    while day <= last:
        if day.weekday() in hours.days:
            opens = dt.datetime.combine(day, hours.start, tz)
            closes = dt.datetime.combine(day, hours.end, tz)
            overlap = min(closes, end) - max(opens, start)
            total += max(overlap.total_seconds(), 0.0)
        day += dt.timedelta(days=1)
    return total

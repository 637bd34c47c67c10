"""Report periods: whole days in ``KB_REPORT_TZ``, and the period before."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

PERIODS = (7, 30, 90, 365)  # the lengths offered, in days (any dates may be asked)


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

"""The site's time zone (``KB_TIME_ZONE``): local wall-clock times to UTC and back.

Storage and the API keep UTC; people see and type times in one site zone.
Formatting for pages and mails is in :mod:`kb.templating` (``format_time``,
``format_date``); this module only converts.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app


class NonexistentTime(ValueError):
    """A wall-clock time the zone skips (the hour the clocks go forward)."""


def site_zone() -> ZoneInfo:
    """The zone every time is shown in (``KB_TIME_ZONE``; UTC when unset)."""
    return ZoneInfo(current_app.config.get("TIME_ZONE") or "UTC")


def as_utc(moment: dt.datetime) -> dt.datetime:
    """``moment`` as an aware UTC datetime; a naive one is UTC already.

    SQLite hands timestamps back without their zone; they were written in UTC.
    """
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def to_local(moment: dt.datetime, zone: ZoneInfo | None = None) -> dt.datetime:
    """The wall-clock time (naive) that ``moment`` is in the site's zone."""
    zone = zone or site_zone()
    return as_utc(moment).astimezone(zone).replace(tzinfo=None)


def from_local(wall: dt.datetime, zone: ZoneInfo | None = None) -> dt.datetime:
    """The UTC instant of the wall-clock time ``wall`` in the site's zone.

    A time the clocks pass twice (the hour they go back) is its first
    passing, the earlier instant, as people who type it usually mean
    (``fold=0``). A time they skip raises :class:`NonexistentTime`: guessing
    an hour either side would publish at a moment nobody chose.
    """
    zone = zone or site_zone()
    local = wall.replace(tzinfo=zone, fold=0)
    instant = local.astimezone(dt.UTC)
    # zoneinfo accepts a skipped time and maps it to a real one: the round
    # trip back to the wall clock shows whether it exists.
    if instant.astimezone(zone).replace(tzinfo=None) != wall.replace(tzinfo=None):
        raise NonexistentTime(wall.isoformat(sep=" ", timespec="minutes"))
    return instant

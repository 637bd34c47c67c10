"""Next steps for a customer who did not find an answer, or is waiting for one.

- the topic a failed search most likely belongs to, and its top articles;
- when a ticket can expect its first answer, from the priority's target
  (``KB_FIRST_RESPONSE_TARGETS``) counted within the support hours
  (``KB_SUPPORT_HOURS``, when set).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kb.services.articles import Library
from kb.storage.articles import ArticleFile

_WORD = re.compile(r"\w+")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = re.compile(
    r"^\s*(?P<days>[a-z,\-]+)\s+(?P<start>\d{1,2}:\d{2})-(?P<end>\d{1,2}:\d{2})"
    r"(?:\s+(?P<zone>\S+))?\s*$"
)


def _stems(text: str) -> set[str]:
    # A crude prefix match is enough to tell "refund" from "password" topics.
    return {w[:5] for w in _WORD.findall(text.casefold()) if len(w) >= 3}


def likely_category(
    lib: Library, q: str, lang: str, chosen: str | None = None
) -> str | None:
    """The topic a search most likely means: the chosen filter, else by words."""
    if chosen and lib.category(chosen):
        return chosen
    words = _stems(q)
    best, best_score = None, 0
    for item in lib.category_counts(lang):
        category = item.category
        text = " ".join(
            [category.key]
            + [category.title(code) for code in ("id", "en")]
            + [category.description(code) for code in ("id", "en")]
            + [" ".join(a.tags) for a in lib.in_category(category.key, lang)]
        )
        score = len(words & _stems(text))
        if score > best_score:
            best, best_score = category.key, score
    return best


def top_articles(
    lib: Library, lang: str, category: str | None, limit: int = 4
) -> list[ArticleFile]:
    """The most useful articles of ``category`` (or of the whole help center)."""
    found = lib.most_useful(lang, limit=1000)
    if category:
        found = [a for a in found if a.category == category] or found
    return found[:limit]


# -- support hours and the expected first answer ---------------------------


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


def expected_answer(
    opened: dt.datetime, seconds: int, hours: SupportHours | None
) -> dt.datetime:
    """When a ticket opened at ``opened`` (UTC) should have its first answer."""
    if opened.tzinfo is None:
        opened = opened.replace(tzinfo=dt.UTC)
    if hours is None:
        return opened + dt.timedelta(seconds=seconds)
    tz = hours.tz
    moment = opened.astimezone(tz)
    left = dt.timedelta(seconds=seconds)
    for _ in range(800):  # at most two years of days: a target is days, not years
        day = moment.date()
        start = dt.datetime.combine(day, hours.start, tz)
        end = dt.datetime.combine(day, hours.end, tz)
        if day.weekday() in hours.days and moment < end:
            moment = max(moment, start)
            if moment + left <= end:
                return (moment + left).astimezone(dt.UTC)
            left -= end - moment
        moment = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tz)
    return (opened + dt.timedelta(seconds=seconds)).astimezone(dt.UTC)

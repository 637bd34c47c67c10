"""Next steps for a customer who did not find an answer, or is waiting for one.

- the topic a failed search most likely belongs to, and its top articles;
- when a ticket can expect its first answer, from the priority's target
  (``KB_FIRST_RESPONSE_TARGETS``) counted within the support hours
  (``KB_SUPPORT_HOURS``, when set).
"""

from __future__ import annotations

import datetime as dt
import re

from kb.services.articles import Library
from kb.storage.articles import ArticleFile
from kb.support_hours import SupportHours

_WORD = re.compile(r"\w+")


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

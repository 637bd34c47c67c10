"""What the report pages, the leaderboard and the JSON API share.

The filters every report takes (:class:`ReportQuery`, read by :func:`parse_query`),
the app's report cache (:func:`cached`, ``KB_REPORT_CACHE_SECONDS``), and
:func:`build`, which computes a report for the signed-in person (an agent gets
their own part). A new report's name goes in :data:`NAMES` and :func:`build`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import abort, current_app, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from kb.cache import Cache
from kb.services import reports
from kb.services.search import SearchRequest
from kb.storage import db
from kb.views import params
from kb.views.api.errors import invalid
from kb.views.context import library, search_service

MAX_DAYS = 731
NAMES = ("overview", "search", "articles", "public", "team", "tickets")


# Report dates: any day Jawab can have data for, with room either side. Python's
# dates end at years 1 and 9999, and a period's bounds and the period before it
# reach a day beyond its own: year 1 or 9999 was a 500.
FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2099, 12, 31)


def _date(name: str) -> params.Parser:
    def read(raw: str | None) -> dt.date | None:
        if not raw:
            return None
        try:
            day = dt.date.fromisoformat(raw.strip())
        except ValueError:
            raise params.ParamError(
                name, _l("%(field)s must be a date like 2026-01-31.", field=name)
            ) from None
        if not FIRST_DAY <= day <= LAST_DAY:
            raise params.ParamError(
                name,
                _l(
                    "%(field)s must be a date from %(first)s to %(last)s.",
                    field=name,
                    first=FIRST_DAY.isoformat(),
                    last=LAST_DAY.isoformat(),
                ),
            )
        return day

    return read


@dataclass(frozen=True)
class ReportQuery:
    """The filters every report takes: language, period, tab, format."""

    lang: str = params.arg(params.choice(("all", "id", "en"), "all"))
    days: str = params.arg(params.choice(tuple(map(str, reports.PERIODS)), "30"))
    start: dt.date | None = params.arg(_date("start"))
    end: dt.date | None = params.arg(_date("end"))
    tab: str = params.arg(params.choice(reports.TABS, "zero"))
    format: str = params.arg(params.choice(("html", "csv"), "html"))

    @property
    def language(self) -> str | None:
        """The language filter, or None for all languages."""
        return None if self.lang == "all" else self.lang


def parse_query(args: Any) -> tuple[ReportQuery, reports.Period]:
    """The filters and the period they name (ParamError for bad dates)."""
    query = params.parse(ReportQuery, args)
    tz = current_app.config["REPORT_TZ"]
    if query.start or query.end:
        if not (query.start and query.end):
            missing = "end" if query.start else "start"
            raise params.ParamError(
                missing, _l("Give both a start and an end date, or neither.")
            )
        if query.end < query.start:
            raise params.ParamError("end", _l("The end date is before the start date."))
        if (query.end - query.start).days + 1 > MAX_DAYS:
            raise params.ParamError(
                "end", _l("A period is at most %(days)s days.", days=MAX_DAYS)
            )
        return query, reports.Period(query.start, query.end, tz)
    return query, reports.last_days(int(query.days), tz)


def current_query() -> tuple[ReportQuery, reports.Period]:
    """This request's filters and period; a bad one is a 400 naming the field."""
    try:
        return parse_query(request.args)
    except params.ParamError as exc:
        invalid(exc.field, exc.message)


def cached(key: tuple, build: Callable[[], Any]) -> Any:
    """``build()``, or its result from the last ``KB_REPORT_CACHE_SECONDS``."""
    cache: Cache[Any] = current_app.extensions["jawab.reports"]
    return cache.get_or_make(key, build)


def forget_cached() -> None:
    """Drop cached reports (after a change made from a report)."""
    current_app.extensions["jawab.reports"].clear()


def targets() -> dict[str, int]:
    """Seconds to a first answer per priority (``KB_FIRST_RESPONSE_TARGETS``)."""
    return current_app.config["FIRST_RESPONSE_TARGETS"]


def _best_hit(term: str, lang: str | None) -> str | None:
    # A search per row: kept per content version, as the results pages are.
    lib = library()

    def search() -> tuple[str | None]:
        hits = search_service().search(SearchRequest(q=term, lang=lang, limit=1), lib)
        return (hits.hits[0].title if hits.hits else None,)

    best: Cache[tuple[str | None]] = current_app.extensions["jawab.best_hits"]
    return best.get_or_make((term, lang), search, version=lib)[0]


def build(name: str, query: ReportQuery, period: reports.Period) -> Any:
    """The report ``name`` for the signed-in person (an agent: their own part)."""
    database = db.session()
    lang = query.language
    restricted = not current_user.has_role("editor")
    if name in ("overview", "team") and restricted:
        key: tuple = ("team", period, lang, current_user.id)
        return cached(
            key,
            lambda: reports.team(
                database, period, lang, targets(), only_user=current_user.id
            ),
        )
    if restricted:
        abort(403)
    if name == "overview":
        return cached(
            (name, period, lang),
            lambda: reports.overview(database, period, lang, targets()),
        )
    if name == "search":
        return cached(
            (name, period, lang, query.tab),
            lambda: reports.search_gaps(database, period, lang, query.tab, _best_hit),
        )
    if name == "articles":
        return cached(
            (name, period, lang),
            lambda: reports.articles(database, period, lang, library()),
        )
    if name == "tickets":
        hours = current_app.config.get("SUPPORT_HOURS")
        return cached(
            (name, period, lang),
            lambda: reports.tickets(database, period, lang, hours),
        )
    if name == "public":
        return cached(
            (name, period, lang), lambda: reports.public(database, period, lang)
        )
    return cached(
        (name, period, lang), lambda: reports.team(database, period, lang, targets())
    )

"""Reports: what customers search for and miss, which answers help, who does the work.

Every report takes a :class:`Period` (whole days in ``KB_REPORT_TZ``) and a
language, and compares with the previous period of the same length. Counts come
from the daily roll-ups (``report_daily``) for days that :func:`rollup` has
closed and from the raw event tables for the rest, so a report over a year reads
a few thousand roll-up rows, not a million events. Results are frozen
dataclasses, each with a ``csv_rows`` method giving its columns; :func:`csv_rows`
and :func:`as_json` export any of them. Nothing here touches the request.

Where each thing is:

- ``periods.py``: :class:`Period`, :func:`last_days`, the offered lengths.
- ``counts.py``: reading a metric's counts (roll-ups, then raw events), the
  metrics themselves (:func:`~kb.services.reports.counts.metric_sources`), and
  the small queries several reports share.
- ``visits.py``: visits that searched, and of those, that found an answer.
- ``rollup.py``: the nightly :func:`rollup` and the :func:`purge` of old events.
- one module per report, holding its result classes, the function that computes
  it and its CSV columns (the ``csv_rows`` method of its report class):
  ``overview.py`` (:func:`overview`), ``search.py`` (:func:`search_gaps`, the
  content-gap queue), ``articles.py`` (:func:`articles`), ``public_replies.py``
  (:func:`public`), ``team.py`` (:func:`team`) and ``tickets.py``
  (:func:`tickets`: volume, backlog, response times, satisfaction).
- ``export.py``: the :class:`Report` protocol, :func:`csv_rows`, :func:`as_json`.
- ``digest.py``: the editors' weekly :func:`digest` and who gets it.

A new column goes in its report's module: a field on the row class, filled in by
the report's function, and a header and a cell in its ``csv_rows`` (the JSON API
follows), then the table in ``templates/reports/<name>.html``.

A new report: a module here with a frozen result class that has ``period``,
``lang`` and ``csv_rows`` (see :class:`Report`) and a function computing it from
``(db, period, lang, ...)``, re-exported below; then its name in
``kb/views/reports/shared.py`` (``NAMES`` and ``build``, which the JSON API uses
too) and in ``REPORT_NAMES`` in ``kb/views/api/schemas.py``, a route in
``kb/views/reports/views.py``, a template, and a tab in
``templates/reports/_layout.html``.
"""

from __future__ import annotations

from kb.services.reports.articles import (
    COLOUR_MIN_VOTES,
    ArticleRow,
    ArticlesReport,
    SectionRow,
    articles,
)
from kb.services.reports.counts import series, tallies, total
from kb.services.reports.digest import Digest, DigestGap, DigestSection, digest, editors
from kb.services.reports.export import BadgesOf, Report, as_json, csv_rows
from kb.services.reports.overview import Metric, Overview, overview
from kb.services.reports.periods import PERIODS, Period, last_days, today
from kb.services.reports.public_replies import PlatformRow, PublicReport, public
from kb.services.reports.rollup import purge, rollup
from kb.services.reports.search import (
    GAP_MIN_VISITS,
    TABS,
    GapRow,
    SearchReport,
    search_gaps,
)
from kb.services.reports.team import TeamReport, TeamRow, team
from kb.services.reports.tickets import TicketDay, TicketRow, TicketsReport, tickets
from kb.services.reports.visits import found_an_answer

__all__ = [
    "COLOUR_MIN_VOTES",
    "GAP_MIN_VISITS",
    "PERIODS",
    "TABS",
    "ArticleRow",
    "ArticlesReport",
    "BadgesOf",
    "Digest",
    "DigestGap",
    "DigestSection",
    "GapRow",
    "Metric",
    "Overview",
    "Period",
    "PlatformRow",
    "PublicReport",
    "Report",
    "SearchReport",
    "SectionRow",
    "TeamReport",
    "TeamRow",
    "TicketDay",
    "TicketRow",
    "TicketsReport",
    "articles",
    "as_json",
    "csv_rows",
    "digest",
    "editors",
    "found_an_answer",
    "last_days",
    "overview",
    "public",
    "purge",
    "rollup",
    "search_gaps",
    "series",
    "tallies",
    "team",
    "tickets",
    "today",
    "total",
]

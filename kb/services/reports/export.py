"""Reports as CSV rows and JSON: what every report has, and the shared cell formats.

Each report owns its columns: its result class has a ``csv_rows`` method giving
the header row, then the data rows. :func:`csv_rows` and :func:`as_json` work on
any :class:`Report`; the CSV download and the JSON API both go through them, so
they always have the same columns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from kb.services.reports.periods import Period
    from kb.services.reports.team import TeamRow

# The badges a team row earned: they depend on the admins' settings, which the
# reports do not read, so the caller says (kb.services.recognition.badge_keys).
BadgesOf = Callable[["TeamRow"], Sequence[str]]


class Report(Protocol):
    """What every report result has: its period, language and CSV rows."""

    @property
    def period(self) -> Period:
        """The days the report covers."""
        ...

    @property
    def lang(self) -> str | None:
        """The language it is limited to, or None for all."""
        ...

    def csv_rows(self, badges_of: BadgesOf | None = None) -> list[list[Any]]:
        """A header row, then the data rows (``badges_of``: team rows only)."""
        ...


def csv_rows(report: Report, badges_of: BadgesOf | None = None) -> list[list[Any]]:
    """Any report as a header row and data rows, for CSV export.

    ``badges_of`` names the badges a team row earned; without it the column is
    empty. Other reports have no such column.
    """
    return report.csv_rows(badges_of)


def as_json(report: Report, badges_of: BadgesOf | None = None) -> dict[str, Any]:
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


def iso(value: Any) -> str:
    """A date or time as ISO 8601 text, or "" for None (a CSV cell)."""
    return value.isoformat() if value is not None else ""


def pairs(values: dict[str, int]) -> str:
    """Counts by name as ``name=n`` pairs, space-separated (a CSV cell)."""
    return " ".join(f"{k}={v}" for k, v in values.items())


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value

"""Recognition on the team report: badges earned in a period, and a leaderboard.

Admins choose the badge thresholds and whether the leaderboard exists
(``report_settings``); each staff member may keep themself off it
(``staff_preferences``). Both read the team report's rows and never the raw
events, so they cost nothing beyond that report. The leaderboard ranks settled
public answers and knowledge work (articles written or updated, gaps closed):
never raw volume or speed on their own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.services.reports import TeamReport, TeamRow
from kb.storage.models import ReportSetting, StaffPreference

# Each badge: the TeamRow figure it counts.
BADGE_METRICS = {
    "settled": "settled",
    "articles": "articles",
    "gaps": "gaps_closed",
    "on_time": "within_target",
}
MAX_THRESHOLD = 10_000
HIDE_FROM_LEADERBOARD = "leaderboard_hidden"


@dataclass(frozen=True)
class Settings:
    """The admins' choices; a badge whose threshold is 0 is switched off."""

    settled: int = 5  # settled public answers
    articles: int = 2  # articles written or updated
    gaps: int = 3  # search gaps closed
    on_time: int = 10  # first responses within the target
    leaderboard: bool = False  # off until an admin turns it on
    exclude_admins: bool = True

    def threshold(self, badge: str) -> int:
        """The threshold of ``badge`` (0: the badge is off)."""
        return int(getattr(self, badge))


@dataclass(frozen=True)
class Badge:
    """A badge a person earned in the period: which, their figure, the bar."""

    key: str
    value: int
    threshold: int


@dataclass(frozen=True)
class Standing:
    """One line of the leaderboard."""

    rank: int
    user_id: int
    name: str
    settled: int
    articles: int
    gaps_closed: int

    @property
    def score(self) -> int:
        """Settled answers plus knowledge work: what the leaderboard ranks."""
        return self.settled + self.articles + self.gaps_closed


def _parse(field_type: Any, raw: str, default: Any) -> Any:
    if field_type in (bool, "bool"):
        return raw == "1"
    try:
        value = int(raw)
    except ValueError:
        return default  # a hand-edited row never breaks the report
    return value if 0 <= value <= MAX_THRESHOLD else default


def load(db: Session) -> Settings:
    """The current settings (defaults for anything never set)."""
    stored = {row.key: row.value for row in db.scalars(select(ReportSetting))}
    defaults = Settings()
    values = {
        f.name: _parse(f.type, stored[f.name], getattr(defaults, f.name))
        for f in fields(Settings)
        if f.name in stored
    }
    return replace(defaults, **values)


def save(db: Session, settings: Settings) -> None:
    """Store every setting."""
    for f in fields(Settings):
        value = getattr(settings, f.name)
        text = ("1" if value else "0") if isinstance(value, bool) else str(value)
        row = db.get(ReportSetting, f.name)
        if row is None:
            db.add(ReportSetting(key=f.name, value=text))
        else:
            row.value = text
    db.commit()


def badges(row: TeamRow, settings: Settings) -> tuple[Badge, ...]:
    """The badges ``row`` earned in its period."""
    earned = []
    for key, metric in BADGE_METRICS.items():
        threshold = settings.threshold(key)
        value = int(getattr(row, metric))
        if threshold and value >= threshold:
            earned.append(Badge(key, value, threshold))
    return tuple(earned)


def badge_keys(settings: Settings) -> Callable[[TeamRow], list[str]]:
    """For exports: the keys of the badges a team row earned under ``settings``."""
    return lambda row: [badge.key for badge in badges(row, settings)]


def is_hidden(db: Session, user_id: int) -> bool:
    """True when the person keeps themself off the leaderboard."""
    row = db.get(StaffPreference, (user_id, HIDE_FROM_LEADERBOARD))
    return bool(row and row.value == "1")


def set_hidden(db: Session, user_id: int, hidden: bool) -> None:
    """Keep the person off the leaderboard, or put them back on it."""
    row = db.get(StaffPreference, (user_id, HIDE_FROM_LEADERBOARD))
    value = "1" if hidden else "0"
    if row is None:
        db.add(StaffPreference(user_id=user_id, key=HIDE_FROM_LEADERBOARD, value=value))
    else:
        row.value = value
    db.commit()


def _hidden_users(db: Session) -> set[int]:
    return set(
        db.scalars(
            select(StaffPreference.user_id).where(
                StaffPreference.key == HIDE_FROM_LEADERBOARD,
                StaffPreference.value == "1",
            )
        )
    )


def leaderboard(
    db: Session, report: TeamReport, settings: Settings
) -> tuple[Standing, ...]:
    """The ranked standings of the team report (ties share a rank).

    People who hid themselves, admins when excluded, and anyone with nothing
    to rank are left out.
    """
    hidden = _hidden_users(db)
    rows = [
        r
        for r in report.rows
        if r.user_id not in hidden
        and not (settings.exclude_admins and r.role == "admin")
        and r.settled + r.articles + r.gaps_closed > 0
    ]
    rows.sort(
        key=lambda r: (-(r.settled + r.articles + r.gaps_closed), -r.settled, r.name)
    )
    standings: list[Standing] = []
    for position, r in enumerate(rows, start=1):
        score = r.settled + r.articles + r.gaps_closed
        rank = position
        if standings and standings[-1].score == score:
            rank = standings[-1].rank
        standings.append(
            Standing(rank, r.user_id, r.name, r.settled, r.articles, r.gaps_closed)
        )
    return tuple(standings)

"""The team report: the participation count, one row per active staff member.

An agent sees only their own row (``only_user``). Badges and the leaderboard are
read from these rows by :mod:`kb.services.recognition`. A new column: a field of
:class:`TeamRow` filled in :func:`team`, a header and a cell in
:meth:`TeamReport.csv_rows`, and the table in ``templates/reports/team.html``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.services.reports.counts import aware, count_by, rate, tickets_in
from kb.services.reports.export import BadgesOf
from kb.services.reports.periods import Period
from kb.storage.models import PublicReply, StaffWork, User


@dataclass(frozen=True)
class TeamRow:
    """One staff member's part in the period."""

    user_id: int
    name: str
    role: str
    public_answers: int
    settled: int
    moved_private: int
    tickets_answered: int
    within_target: int
    articles: int
    gaps_closed: int
    welcomes: int = 0

    @property
    def settled_rate(self) -> float | None:
        """Settled ÷ public answers."""
        return rate(self.settled, self.public_answers)


@dataclass(frozen=True)
class TeamReport:
    """The participation count, one row per active staff member."""

    period: Period
    lang: str | None
    rows: tuple[TeamRow, ...]

    def csv_rows(self, badges_of: BadgesOf | None = None) -> list[list[Any]]:
        """A row per person; ``badges_of`` fills the badges column."""
        rows: list[list[Any]] = [
            [
                "name",
                "role",
                "public_answers",
                "settled",
                "moved_private",
                "tickets_answered",
                "first_responses_within_target",
                "articles_written_or_updated",
                "gaps_closed",
                "welcomes",
                "badges",
            ]
        ]
        rows += [
            [
                r.name,
                r.role,
                r.public_answers,
                r.settled,
                r.moved_private,
                r.tickets_answered,
                r.within_target,
                r.articles,
                r.gaps_closed,
                r.welcomes,
                list(badges_of(r)) if badges_of else [],
            ]
            for r in self.rows
        ]
        return rows


def team(
    db: Session,
    period: Period,
    lang: str | None,
    targets: dict[str, int],
    only_user: int | None = None,
) -> TeamReport:
    """The team report; ``only_user`` limits it to one person's row."""
    start, end = period.bounds()
    users = db.scalars(select(User).where(User.active.is_(True)).order_by(User.name))
    where_lang = (PublicReply.lang == lang,) if lang else ()
    # A welcome greets a newcomer: counted apart from the answers it is not.
    answers = count_by(
        db,
        PublicReply.user_id,
        PublicReply.created_at,
        start,
        end,
        PublicReply.kind != "welcome",
        *where_lang,
    )
    welcomes = count_by(
        db,
        PublicReply.user_id,
        PublicReply.created_at,
        start,
        end,
        PublicReply.kind == "welcome",
        *where_lang,
    )
    settled = count_by(
        db,
        PublicReply.user_id,
        PublicReply.created_at,
        start,
        end,
        PublicReply.outcome == "settled",
        *where_lang,
    )
    private = count_by(
        db,
        PublicReply.user_id,
        PublicReply.created_at,
        start,
        end,
        PublicReply.outcome == "private",
        *where_lang,
    )
    work_lang = (StaffWork.lang == lang,) if lang else ()
    written = count_by(
        db,
        StaffWork.user_id,
        StaffWork.created_at,
        start,
        end,
        StaffWork.kind == "article_published",
        *work_lang,
    )
    gaps = count_by(
        db,
        StaffWork.user_id,
        StaffWork.created_at,
        start,
        end,
        StaffWork.kind == "gap_handled",
        *work_lang,
    )
    answered: dict[int, int] = defaultdict(int)
    within: dict[int, int] = defaultdict(int)
    for ticket in tickets_in(db, start, end, lang):
        if ticket.assignee_id is None or ticket.first_response_at is None:
            continue
        answered[ticket.assignee_id] += 1
        took = aware(ticket.first_response_at) - aware(ticket.created_at)
        if took.total_seconds() <= targets.get(ticket.priority, 86400):
            within[ticket.assignee_id] += 1
    rows = tuple(
        TeamRow(
            user_id=user.id,
            name=user.name or user.email,
            role=user.role,
            public_answers=answers.get(user.id, 0),  # type: ignore[call-overload]
            settled=settled.get(user.id, 0),  # type: ignore[call-overload]
            moved_private=private.get(user.id, 0),  # type: ignore[call-overload]
            tickets_answered=answered[user.id],
            within_target=within[user.id],
            articles=written.get(user.id, 0),  # type: ignore[call-overload]
            gaps_closed=gaps.get(user.id, 0),  # type: ignore[call-overload]
            welcomes=welcomes.get(user.id, 0),  # type: ignore[call-overload]
        )
        for user in users
        if only_user is None or user.id == only_user
    )
    return TeamReport(period, lang, rows)

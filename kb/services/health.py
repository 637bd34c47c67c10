"""Is this worker well? Its dependencies (database, rate limits, mail) and counters.

Two readers: a load balancer, which gets only "ok" or "unavailable" (the
database answers or not; without it nothing a customer sends can be kept), and
an admin, who gets each dependency with a short detail and the worker's
:mod:`kb.metrics` counters. Nothing here names a person or holds a secret.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from kb import metrics, ratelimit
from kb.storage.models import OutboxMail
from kb.translatable import N_

OK, DEGRADED, DOWN = "ok", "degraded", "down"


@dataclass(frozen=True)
class Dependency:
    """One thing the worker relies on: its state and what an admin should know."""

    name: str  # database, rate_limits, mail
    state: str  # ok, degraded or down
    detail: str  # English (N_, %-style): the page translates it with ``params``
    params: dict[str, object] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The detail in English, as the log and tests read it."""
        return self.detail % self.params


@dataclass(frozen=True)
class Report:
    """The admins' view of one worker process."""

    pid: int
    dependencies: tuple[Dependency, ...]
    counters: dict[str, int]


def database_answers(db: Session) -> bool:
    """True when the database runs a trivial query."""
    try:
        db.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError:
        db.rollback()
        return False


def _database(db: Session) -> Dependency:
    if database_answers(db):
        return Dependency("database", OK, N_("answers"))
    return Dependency(
        "database", DOWN, N_("does not answer: new tickets are refused with a 503")
    )


def _rate_limits(storage: object) -> Dependency:
    if storage is None:
        return Dependency("rate_limits", OK, N_("switched off (KB_RATELIMIT_ENABLED)"))
    status = ratelimit.probe(storage)
    if status is None:
        return Dependency(
            "rate_limits", OK, N_("memory:// (each worker counts on its own)")
        )
    where: dict[str, object] = {"storage": status.storage}
    if status.in_use:
        return Dependency("rate_limits", OK, N_("%(storage)s answers"), where)
    return Dependency(
        "rate_limits",
        DEGRADED,
        N_("%(storage)s does not answer: each worker counts in its own memory"),
        where,
    )


def _mail(db: Session, config: Mapping[str, Any]) -> Dependency:
    backend = config["MAIL_BACKEND"]
    waiting = failing = 0
    try:
        waiting, failing = db.execute(
            select(
                func.count(OutboxMail.id),
                func.count(OutboxMail.last_error),
            ).where(OutboxMail.sent_at.is_(None))
        ).one()
    except SQLAlchemyError:
        db.rollback()
    counts: dict[str, object] = {"waiting": waiting, "failing": failing}
    if backend == "log":
        return Dependency(
            "mail",
            DEGRADED,
            N_(
                "log: nothing is sent, each mail is logged without its text "
                "(%(waiting)d waiting in the outbox)"
            ),
            counts,
        )
    if backend == "console":
        return Dependency(
            "mail",
            DEGRADED,
            N_("console: mail is printed (%(waiting)d waiting in the outbox)"),
            counts,
        )
    server = f"{config['SMTP_HOST']}:{config['SMTP_PORT']}"
    return Dependency(
        "mail",
        DEGRADED if failing else OK,
        N_(
            "SMTP %(server)s: %(waiting)d waiting in the outbox, "
            "%(failing)d of them failed at least once"
        ),
        {**counts, "server": server},
    )


def report(
    db: Session, limit_storage: object | None, config: Mapping[str, Any]
) -> Report:
    """Every dependency, checked now, and this worker's counters."""
    return Report(
        pid=os.getpid(),
        dependencies=(
            _database(db),
            _rate_limits(limit_storage),
            _mail(db, config),
        ),
        counters=metrics.snapshot(),
    )

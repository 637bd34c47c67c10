"""The audit log of staff administration: who did what to whose account, when.

Entries copy both email addresses, so they read the same after a person is
renamed or removed. They are kept ``KB_AUDIT_RETENTION_DAYS`` and deleted by
``kb reports purge`` (:func:`prune`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from kb.storage.models import AuditEntry, utcnow

# What an entry can say was done (each has a label on the audit page).
ACTIONS = (
    "invited",
    "invitation_accepted",
    "role_changed",
    "disabled",
    "enabled",
    "reset_sent",
    "sessions_ended",
    "password_reset",
    "password_changed",
    "mfa_enabled",
    "mfa_disabled",
    "recovery_codes_renewed",
    "passkey_added",
    "passkey_removed",
    "passkey_used",
)
PAGE_SIZE = 50


@dataclass(frozen=True)
class Entry:
    """One audit entry as the admin page lists it."""

    created_at: dt.datetime
    actor_email: str
    action: str
    target_email: str
    detail: str


def record(
    db: Session, actor_email: str, action: str, target_email: str, detail: str = ""
) -> None:
    """Add an entry in the caller's transaction (it commits with the change)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    db.add(
        AuditEntry(
            actor_email=actor_email[:254],
            action=action,
            target_email=target_email[:254],
            detail=detail[:200],
        )
    )


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def page(db: Session, number: int = 1) -> tuple[list[Entry], int]:
    """Page ``number`` of the log, newest first, and how many entries there are."""
    total = db.scalar(select(func.count(AuditEntry.id))) or 0
    rows = db.scalars(
        select(AuditEntry)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(PAGE_SIZE)
        .offset((number - 1) * PAGE_SIZE)
    ).all()
    entries = [
        Entry(_aware(r.created_at), r.actor_email, r.action, r.target_email, r.detail)
        for r in rows
    ]
    return entries, total


def prune(db: Session, days: int, now: dt.datetime | None = None) -> int:
    """Delete entries older than ``days``; commits; how many went."""
    cutoff = (now or utcnow()) - dt.timedelta(days=days)
    removed = db.execute(
        delete(AuditEntry).where(AuditEntry.created_at < cutoff)
    ).rowcount  # type: ignore[attr-defined]
    db.commit()
    return removed

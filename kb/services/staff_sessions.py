"""Staff sign-ins kept on the server, so that signing out really ends them.

The session and remember-me cookies carry only a random secret; its SHA-256 is
a row in ``staff_sessions``. A sign-in holds while that row is not ended, is
younger than its absolute lifetime, and (without "keep me signed in") has been
used within the idle timeout. Signing out, changing the password or disabling
the account ends rows, so a copied cookie is refused from then on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kb.storage.models import StaffSession, User, utcnow

# Recording every request would write on every staff page view; a minute of
# slack on the idle timeout is worth one write a minute at most.
TOUCH_EVERY = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class Lifetimes:
    """How long a staff sign-in may last."""

    absolute: dt.timedelta
    idle: dt.timedelta
    remember: dt.timedelta

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Lifetimes:
        """Read ``KB_STAFF_*`` settings."""
        return cls(
            absolute=dt.timedelta(hours=config["STAFF_SESSION_HOURS"]),
            idle=dt.timedelta(minutes=config["STAFF_IDLE_MINUTES"]),
            remember=dt.timedelta(days=config["STAFF_REMEMBER_DAYS"]),
        )


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(moment: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes for timezone-aware columns.
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def begin(db: Session, user: User, *, remember: bool) -> str:
    """Record a new sign-in for ``user``; return the secret for its cookies."""
    token = secrets.token_urlsafe(32)
    db.add(StaffSession(token_hash=_hash(token), user_id=user.id, remember=remember))
    db.commit()
    user.sign_in_token = token
    return token


def load(db: Session, token: str, lifetimes: Lifetimes) -> User | None:
    """The active user of a sign-in that still holds, or None."""
    if not token:
        return None
    # One query on every staff request: the sign-in and its user together.
    found = db.execute(
        select(StaffSession, User)
        .join(User, User.id == StaffSession.user_id)
        .where(StaffSession.token_hash == _hash(token))
    ).first()
    if found is None or found[0].ended_at is not None:
        return None
    row, user = found
    now = utcnow()
    age = now - _aware(row.created_at)
    idle = now - _aware(row.last_seen_at)
    expired = (
        age > lifetimes.remember
        if row.remember
        else age > lifetimes.absolute or idle > lifetimes.idle
    )
    if expired or not user.active:
        row.ended_at = now
        db.commit()
        return None
    if idle > TOUCH_EVERY:
        row.last_seen_at = now
        db.commit()
    user.sign_in_token = token
    return user


def end(db: Session, token: str) -> None:
    """End one sign-in (signing out)."""
    if token:
        db.execute(
            update(StaffSession)
            .where(StaffSession.token_hash == _hash(token))
            .values(ended_at=utcnow())
        )
        db.commit()


def end_all(db: Session, user: User) -> None:
    """End every sign-in of ``user`` (new password, account disabled)."""
    db.execute(
        update(StaffSession)
        .where(StaffSession.user_id == user.id, StaffSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )

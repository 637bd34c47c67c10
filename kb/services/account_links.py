"""One-time links that set a staff password: invitations and password resets.

A link carries ``secrets.token_urlsafe(32)`` (256 bits); only its SHA-256 is
stored, as for API tokens, so a copy of the database opens no account. A link
works once, until it expires, and only while its account is enabled; issuing a
new link of the same kind voids the person's older ones. Using a link ends
every sign-in and API token of the account (the password changed).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from kb.services import users
from kb.storage.models import AccountLink, User, utcnow

PURPOSES = ("invite", "reset")


class LinkError(ValueError):
    """The link is unknown, used, expired, or its account is disabled."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(moment: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes for timezone-aware columns.
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def issue(
    db: Session,
    user: User,
    purpose: str,
    lifetime: dt.timedelta,
    now: dt.datetime | None = None,
) -> str:
    """A new link's secret for ``user``; older unused ones of ``purpose`` stop.

    The caller commits (with the mail that carries the link).
    """
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")
    now = now or utcnow()
    db.execute(
        update(AccountLink)
        .where(
            AccountLink.user_id == user.id,
            AccountLink.purpose == purpose,
            AccountLink.used_at.is_(None),
        )
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    db.add(
        AccountLink(
            token_hash=_hash(token),
            user_id=user.id,
            purpose=purpose,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    return token


def _valid(
    db: Session, token: str, purpose: str, now: dt.datetime
) -> tuple[AccountLink, User] | None:
    if not token or len(token) > 100:
        return None
    found = db.execute(
        select(AccountLink, User)
        .join(User, User.id == AccountLink.user_id)
        .where(AccountLink.token_hash == _hash(token), AccountLink.purpose == purpose)
    ).first()
    if found is None:
        return None
    link, user = found
    if link.used_at is not None or _aware(link.expires_at) <= now or not user.active:
        return None
    return link, user


def holder(
    db: Session, token: str, purpose: str, now: dt.datetime | None = None
) -> User | None:
    """The account a link that still works belongs to, or None."""
    found = _valid(db, token, purpose, now or utcnow())
    return found[1] if found else None


def redeem(
    db: Session,
    token: str,
    purpose: str,
    password: str,
    *,
    site_name: str = "",
    now: dt.datetime | None = None,
) -> User:
    """Set the password through a link and use the link up; commits.

    Raises :class:`LinkError` for a link that no longer works and
    :class:`kb.services.users.UserError` for a password the rules refuse (the
    link then still works).
    """
    now = now or utcnow()
    found = _valid(db, token, purpose, now)
    if found is None:
        raise LinkError("this link no longer works")
    link, user = found
    users.replace_password(db, user, password, site_name=site_name)
    # Claimed with a conditional UPDATE: two tabs posting at once use it once.
    claimed = db.execute(
        update(AccountLink)
        .where(AccountLink.id == link.id, AccountLink.used_at.is_(None))
        .values(used_at=now)
    ).rowcount  # type: ignore[attr-defined]
    if claimed != 1:
        db.rollback()
        raise LinkError("this link no longer works")
    db.commit()
    return user


def void(db: Session, user: User, now: dt.datetime | None = None) -> None:
    """Stop every unused link of ``user`` (a disabled account); caller commits."""
    db.execute(
        update(AccountLink)
        .where(AccountLink.user_id == user.id, AccountLink.used_at.is_(None))
        .values(used_at=now or utcnow())
    )


def prune(db: Session, now: dt.datetime | None = None) -> int:
    """Delete links that were used or have expired (they open nothing); commits."""
    now = now or utcnow()
    removed = db.execute(
        delete(AccountLink).where(
            or_(AccountLink.used_at.is_not(None), AccountLink.expires_at <= now)
        )
    ).rowcount  # type: ignore[attr-defined]
    db.commit()
    return removed

"""Personal staff API tokens for /api/v1/reports: made, listed, revoked, checked.

A token is ``jwb_`` and 43 random URL-safe characters (``secrets.token_urlsafe(32)``,
256 bits), shown once when made. Only its SHA-256 is stored: a fast hash is
enough for a secret that cannot be guessed, and a lookup by hash needs no
per-row salt. A token authenticates as its owner, with the owner's role, only
while it is neither revoked nor expired and the owner's account is active.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from kb.storage.models import ApiToken, User, utcnow

PREFIX = "jwb_"
LIFETIMES = (7, 30, 90, 365)  # days a token may last; there is no "never"
MAX_TOKENS = 20  # per person: enough for scripts, few enough to review
# Writing on every API call would be a write per request; a minute is plenty.
TOUCH_EVERY = dt.timedelta(minutes=1)


# Built once: building the query on every API call cost a fifth of the lookup.
_BY_HASH = (
    select(ApiToken, User)
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_hash == bindparam("digest"))
)


class TokenError(ValueError):
    """A token that cannot be made (the message names why)."""


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    # SQLite hands back naive datetimes for timezone-aware columns.
    if moment is None or moment.tzinfo:
        return moment
    return moment.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class TokenInfo:
    """One token as its owner's page lists it (never the secret)."""

    id: int
    name: str
    created_at: dt.datetime
    expires_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None

    def state(self, now: dt.datetime | None = None) -> str:
        """``active``, ``expired`` or ``revoked``."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= (now or utcnow()):
            return "expired"
        return "active"


def _info(row: ApiToken) -> TokenInfo:
    return TokenInfo(
        row.id,
        row.name,
        _aware(row.created_at),  # type: ignore[arg-type]
        _aware(row.expires_at),  # type: ignore[arg-type]
        _aware(row.last_used_at),
        _aware(row.revoked_at),
    )


def create(
    db: Session, user: User, name: str, days: int, now: dt.datetime | None = None
) -> tuple[str, TokenInfo]:
    """Make a token for ``user``; return the secret (shown once) and its row."""
    name = " ".join(name.split())
    if not name:
        raise TokenError("name")
    if days not in LIFETIMES:
        raise TokenError("days")
    if len(for_user(db, user.id, active_only=True)) >= MAX_TOKENS:
        raise TokenError("too_many")
    secret = PREFIX + secrets.token_urlsafe(32)
    moment = now or utcnow()
    row = ApiToken(
        user_id=user.id,
        name=name[:80],
        token_hash=_hash(secret),
        created_at=moment,
        expires_at=moment + dt.timedelta(days=days),
    )
    db.add(row)
    db.commit()
    return secret, _info(row)


def for_user(
    db: Session, user_id: int, *, active_only: bool = False
) -> list[TokenInfo]:
    """The person's tokens, newest first (``active_only``: usable ones)."""
    found = db.scalars(
        select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc())
    )
    tokens = [_info(row) for row in found]
    if active_only:
        return [t for t in tokens if t.state() == "active"]
    return tokens


def revoke(db: Session, user_id: int, token_id: int) -> bool:
    """End one of the person's own tokens; False when it is not theirs."""
    row = db.get(ApiToken, token_id)
    if row is None or row.user_id != user_id:
        return False
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        db.commit()
    return True


def revoke_all(db: Session, user_id: int, now: dt.datetime | None = None) -> int:
    """End every usable token of the person (new password); how many there were.

    The caller commits, in the same transaction as the change that calls for it.
    """
    moment = now or utcnow()
    ended = db.execute(
        update(ApiToken)
        .where(
            ApiToken.user_id == user_id,
            ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > moment,
        )
        .values(revoked_at=moment)
    )
    return int(ended.rowcount)  # type: ignore[attr-defined]  # a CursorResult


def authenticate(
    db: Session, secret: str, now: dt.datetime | None = None
) -> User | None:
    """The active owner of a usable token, or None (unknown, revoked, expired)."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    digest = _hash(secret)
    found = db.execute(_BY_HASH, {"digest": digest}).first()
    if found is None:
        return None
    row, user = found
    moment = now or utcnow()
    # The lookup is by hash already; comparing again in constant time keeps
    # the check itself from leaking how much of a hash matched.
    if not hmac.compare_digest(row.token_hash, digest):
        return None
    if row.revoked_at is not None or _aware(row.expires_at) <= moment:  # type: ignore[operator]
        return None
    if not user.active:
        return None
    last = _aware(row.last_used_at)
    if last is None or moment - last >= TOUCH_EVERY:
        row.last_used_at = moment
        db.commit()
    return user

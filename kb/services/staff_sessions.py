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
import ipaddress
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, or_, select, update
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


def _expired(
    row: StaffSession,
    created: dt.datetime,
    seen: dt.datetime,
    now: dt.datetime,
    lifetimes: Lifetimes,
) -> bool:
    if row.remember:
        return now - created > lifetimes.remember
    return now - created > lifetimes.absolute or now - seen > lifetimes.idle


def begin(
    db: Session,
    user: User,
    *,
    remember: bool,
    user_agent: str = "",
    address: str = "",
) -> str:
    """Record a new sign-in for ``user``; return the secret for its cookies."""
    token = secrets.token_urlsafe(32)
    db.add(
        StaffSession(
            token_hash=_hash(token),
            user_id=user.id,
            remember=remember,
            device=describe_device(user_agent)[:80],
            network=coarse_network(address)[:64],
        )
    )
    user.last_sign_in_at = utcnow()
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
    seen = _aware(row.last_seen_at)
    idle = now - seen
    if _expired(row, _aware(row.created_at), seen, now, lifetimes) or not user.active:
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


def end_all(db: Session, user: User, *, keep: str = "") -> int:
    """End every sign-in of ``user`` but the one whose secret is ``keep``.

    (A new password, a disabled account.) Returns how many were ended.
    """
    query = update(StaffSession).where(
        StaffSession.user_id == user.id, StaffSession.ended_at.is_(None)
    )
    if keep:
        query = query.where(StaffSession.token_hash != _hash(keep))
    return db.execute(query.values(ended_at=utcnow())).rowcount  # type: ignore[attr-defined]


@dataclass(frozen=True)
class SignIn:
    """One sign-in that still holds, as its owner's page lists it."""

    id: int
    device: str
    network: str
    created_at: dt.datetime
    last_seen_at: dt.datetime
    remember: bool
    current: bool


def active(
    db: Session, user: User, lifetimes: Lifetimes, now: dt.datetime | None = None
) -> list[SignIn]:
    """``user``'s sign-ins that have not ended nor expired, newest first."""
    now = now or utcnow()
    mine = _hash(user.sign_in_token) if user.sign_in_token else ""
    found = []
    for row in db.scalars(
        select(StaffSession)
        .where(StaffSession.user_id == user.id, StaffSession.ended_at.is_(None))
        .order_by(StaffSession.created_at.desc(), StaffSession.id.desc())
    ):
        created, seen = _aware(row.created_at), _aware(row.last_seen_at)
        if _expired(row, created, seen, now, lifetimes):
            continue
        found.append(
            SignIn(
                row.id,
                row.device,
                row.network,
                created,
                seen,
                row.remember,
                row.token_hash == mine,
            )
        )
    return found


def end_one(db: Session, user: User, session_id: int) -> bool:
    """End one of ``user``'s own sign-ins by its id; False if there is none."""
    ended = db.execute(
        update(StaffSession)
        .where(
            StaffSession.id == session_id,
            StaffSession.user_id == user.id,
            StaffSession.ended_at.is_(None),
        )
        .values(ended_at=utcnow())
    ).rowcount  # type: ignore[attr-defined]
    db.commit()
    return ended == 1


# -- what a person sees of their sign-ins ---------------------------------------

_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
    ("curl/", "curl"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def describe_device(user_agent: str) -> str:
    """A browser and system from a user agent ("Firefox on Linux"), nothing more."""
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), "")
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), "")
    if browser and system:
        return f"{browser} on {system}"
    return browser or system


def coarse_network(address: str) -> str:
    """The client's network, not its address: IPv4 /24, IPv6 /48."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv4Address):
        return ".".join(str(ip).split(".")[:3]) + ".x"
    return str(ipaddress.ip_network(f"{ip}/48", strict=False))


def prune(
    db: Session, days: int, lifetimes: Lifetimes, now: dt.datetime | None = None
) -> int:
    """Delete sign-ins that ended ``days`` ago (or surely expired by then); commits."""
    now = now or utcnow()
    cutoff = now - dt.timedelta(days=days)
    surely_over = min(cutoff, now - max(lifetimes.remember, lifetimes.absolute))
    removed = db.execute(
        delete(StaffSession).where(
            or_(
                StaffSession.ended_at < cutoff,
                StaffSession.created_at < surely_over,
            )
        )
    ).rowcount  # type: ignore[attr-defined]
    db.commit()
    return removed

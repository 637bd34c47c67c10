"""The staff second factor: TOTP (RFC 6238) with single-use recovery codes.

- The secret (160 random bits, base32) is shown once, as a QR code drawn on the
  server as inline SVG (segno) and as text. It is stored *sealed*: XORed with an
  HMAC-SHA256 keystream keyed by ``KB_SECRET_KEY`` and a random nonce, so a copy
  of the database alone cannot produce codes. Changing ``KB_SECRET_KEY`` makes
  every enrolled person enrol again (``kb users reset-mfa``).
- A code is accepted for the current 30-second step or the one either side, and
  only for a step later than the last one used: a code that worked once never
  works again (the step is claimed with a conditional UPDATE).
- Ten recovery codes (40 random bits each) are shown once; only their SHA-256 is
  kept, and each works once.
- Guesses are throttled by the sign-in's own counters (the view's business).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

import pyotp
import segno
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from kb.services import audit, staff_sessions
from kb.storage.models import RecoveryCode, User, utcnow

STEP = 30
DIGITS = 6
RECOVERY_CODES = 10
_NONCE = 16


class MfaError(ValueError):
    """A code that is not right (or already used)."""


# -- sealing the secret ------------------------------------------------------------


def _keystream(key: str, user_id: int, nonce: bytes, length: int) -> bytes:
    out = b""
    counter = 0
    while len(out) < length:
        block = f"jawab-totp:{user_id}:{counter}".encode() + nonce
        out += hmac.new(key.encode(), block, hashlib.sha256).digest()
        counter += 1
    return out[:length]


def seal(key: str, user_id: int, secret: str) -> str:
    """``secret`` sealed for storage (bound to the user and ``key``)."""
    raw = base64.b32decode(secret)
    nonce = secrets.token_bytes(_NONCE)
    body = bytes(
        a ^ b
        for a, b in zip(raw, _keystream(key, user_id, nonce, len(raw)), strict=True)
    )
    tag = hmac.new(key.encode(), nonce + body, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(nonce + tag + body).decode()


def unseal(key: str, user_id: int, sealed: str) -> str | None:
    """The secret, or None when it was sealed with another key."""
    try:
        data = base64.urlsafe_b64decode(sealed.encode())
    except ValueError:
        return None
    nonce, tag, body = data[:_NONCE], data[_NONCE : _NONCE + 16], data[_NONCE + 16 :]
    expected = hmac.new(key.encode(), nonce + body, hashlib.sha256).digest()[:16]
    if not hmac.compare_digest(tag, expected):
        return None
    raw = bytes(
        a ^ b
        for a, b in zip(body, _keystream(key, user_id, nonce, len(body)), strict=True)
    )
    return base64.b32encode(raw).decode()


# -- enrolment -----------------------------------------------------------------------


def new_secret() -> str:
    """A fresh TOTP secret (base32, 160 bits)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, email: str, issuer: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP).provisioning_uri(
        name=email, issuer_name=issuer or "Jawab"
    )


def qr_svg(uri: str) -> str:
    """The QR code of ``uri`` as an inline ``<svg>`` (no script, no request)."""
    return segno.make(uri, error="m").svg_inline(
        scale=5, dark="#000", light="#fff", omitsize=False
    )


def _step_matching(secret: str, code: str, now: float) -> int | None:
    code = "".join(code.split())
    if len(code) != DIGITS or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP)
    current = int(now // STEP)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.at(step * STEP), code):
            return step
    return None


def _recovery_hash(code: str) -> str:
    normal = "".join(ch for ch in code.lower() if ch.isalnum())
    return hashlib.sha256(normal.encode()).hexdigest()


def _new_recovery_codes(db: Session, user: User) -> list[str]:
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = secrets.token_hex(5)
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.add(RecoveryCode(user_id=user.id, code_hash=_recovery_hash(raw)))
    return codes


def enable(
    db: Session, user: User, secret: str, code: str, key: str, now: float | None = None
) -> list[str]:
    """Turn TOTP on once ``code`` proves the app has ``secret``; the recovery codes."""
    step = _step_matching(secret, code, time.time() if now is None else now)
    if step is None:
        raise MfaError("the code is not right")
    user.totp_sealed = seal(key, user.id, secret)
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    codes = _new_recovery_codes(db, user)
    audit.record(db, user.email, "mfa_enabled", user.email, "totp")
    db.commit()
    return codes


def new_recovery_codes(db: Session, user: User) -> list[str]:
    """Replace every recovery code of ``user`` with ten new ones."""
    codes = _new_recovery_codes(db, user)
    audit.record(db, user.email, "recovery_codes_renewed", user.email)
    db.commit()
    return codes


def recovery_codes_left(db: Session, user: User) -> int:
    """How many unused recovery codes ``user`` has."""
    return (
        db.scalar(
            select(func.count(RecoveryCode.id)).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        )
        or 0
    )


def disable(db: Session, user: User, actor_email: str, *, end_sessions: bool) -> None:
    """Turn the second factor off (``kb users reset-mfa`` or the person)."""
    user.totp_sealed = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    user.mfa_grace_until = None
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    if end_sessions:
        staff_sessions.end_all(db, user)
    audit.record(db, actor_email, "mfa_disabled", user.email)
    db.commit()


# -- signing in ------------------------------------------------------------------------


def verify(
    db: Session, user: User, code: str, key: str, now: float | None = None
) -> str:
    """Accept a TOTP or recovery code once; ``totp`` or ``recovery``, else MfaError."""
    if not user.totp_enabled or not user.totp_sealed:
        raise MfaError("no second factor")
    secret = unseal(key, user.id, user.totp_sealed)
    step = (
        _step_matching(secret, code, time.time() if now is None else now)
        if secret
        else None
    )
    if step is not None:
        # Claimed: a code (or an older one) already used never works again.
        claimed = db.execute(
            update(User)
            .where(
                User.id == user.id,
                (User.totp_last_step.is_(None)) | (User.totp_last_step < step),
            )
            .values(totp_last_step=step)
        ).rowcount  # type: ignore[attr-defined]
        db.commit()
        if claimed == 1:
            return "totp"
        raise MfaError("this code was used already")
    found = db.scalars(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _recovery_hash(code),
            RecoveryCode.used_at.is_(None),
        )
    ).first()
    if found is not None:
        used = db.execute(
            update(RecoveryCode)
            .where(RecoveryCode.id == found.id, RecoveryCode.used_at.is_(None))
            .values(used_at=utcnow())
        ).rowcount  # type: ignore[attr-defined]
        db.commit()
        if used == 1:
            return "recovery"
    raise MfaError("the code is not right")


@dataclass(frozen=True)
class Requirement:
    """What KB_STAFF_MFA asks of one person now."""

    offered: bool  # may they turn it on
    required: bool  # must they
    grace_until: dt.datetime | None  # until when they may still go without
    locked: bool  # past the grace: only enrolment is open


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None or moment.tzinfo:
        return moment
    return moment.replace(tzinfo=dt.UTC)


def requirement(
    db: Session,
    user: User,
    mode: str,
    grace_days: int,
    roles: tuple[str, ...] | list[str] = ("agent", "editor", "admin"),
    now: dt.datetime | None = None,
) -> Requirement:
    """What ``mode`` asks of ``user`` (``roles``: whom ``required`` concerns).

    Starts the person's grace period when it must.
    """
    if mode == "required" and user.role not in roles:
        mode = "optional"
    if mode != "required":
        return Requirement(mode != "off" or user.mfa_enabled, False, None, False)
    if user.mfa_enabled:
        return Requirement(True, True, None, False)
    now = now or utcnow()
    if user.mfa_grace_until is None:
        user.mfa_grace_until = now + dt.timedelta(days=grace_days)
        db.commit()
    until = _aware(user.mfa_grace_until)
    return Requirement(True, True, until, until is not None and until <= now)

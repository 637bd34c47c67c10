"""Staff passkeys (WebAuthn, through py_webauthn): add, list, remove, sign in.

- The relying party (its ID and the one origin accepted) comes from
  ``KB_BASE_URL`` only, never from a request's ``Host`` header; without a base
  URL passkeys are not offered.
- Every challenge is 32 random bytes, handed to the caller (who keeps it in the
  person's session) and recorded here by its SHA-256 with an expiry: it is
  claimed with a conditional DELETE, so it works once and only before it expires.
- What is stored per passkey: the credential id, the public key (COSE), the
  authenticator's signature counter, the name its owner gave it and when it was
  added and last used. A counter that does not grow (while either side is not
  zero) means a cloned authenticator: the sign-in is refused.
- A passkey is a second factor after the password; with user verification
  (fingerprint, face, PIN) it also signs in without one (``KB_STAFF_PASSKEY_SIGNIN``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

import webauthn
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session
from webauthn.helpers import bytes_to_base64url, parse_authentication_credential_json
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from kb.services import audit
from kb.storage.models import Passkey, PasskeyChallenge, User, utcnow

CHALLENGE_SECONDS = 120
NAME_LENGTH = 80
MAX_PASSKEYS = 20


class PasskeyError(ValueError):
    """A passkey ceremony that cannot be accepted.

    ``kind`` says why, for the view's message: ``expired``, ``name``, ``limit``,
    ``invalid``, ``duplicate``, ``unknown``, ``disabled`` or ``clone``.
    """

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind


@dataclass(frozen=True)
class RelyingParty:
    """Who the passkeys belong to: the site's host and its one origin."""

    id: str
    origin: str
    name: str


def relying_party(base_url: str, site_name: str) -> RelyingParty | None:
    """The relying party of ``base_url`` (``KB_BASE_URL``), or None without one."""
    parts = urlsplit(base_url or "")
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return None
    return RelyingParty(
        parts.hostname, f"{parts.scheme}://{parts.netloc}", site_name or "Jawab"
    )


@dataclass(frozen=True)
class PasskeyRow:
    """One passkey as its owner's list shows it."""

    id: int
    name: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None


# -- challenges --------------------------------------------------------------------


def _hash(challenge: bytes) -> str:
    return hashlib.sha256(challenge).hexdigest()


def _new_challenge(db: Session, now: dt.datetime) -> bytes:
    db.execute(delete(PasskeyChallenge).where(PasskeyChallenge.expires_at < now))
    challenge = secrets.token_bytes(32)
    db.add(
        PasskeyChallenge(
            challenge_hash=_hash(challenge),
            expires_at=now + dt.timedelta(seconds=CHALLENGE_SECONDS),
        )
    )
    db.commit()
    return challenge


def _claim(db: Session, challenge: bytes, now: dt.datetime | None = None) -> None:
    claimed = db.execute(
        delete(PasskeyChallenge).where(
            PasskeyChallenge.challenge_hash == _hash(challenge),
            PasskeyChallenge.expires_at >= (now or utcnow()),
        )
    ).rowcount  # type: ignore[attr-defined]
    db.commit()
    if claimed != 1:
        raise PasskeyError("expired")


# -- adding, listing, removing -------------------------------------------------------


def listing(db: Session, user: User) -> list[PasskeyRow]:
    """``user``'s passkeys, oldest first."""
    found = db.scalars(
        select(Passkey).where(Passkey.user_id == user.id).order_by(Passkey.id)
    )
    return [PasskeyRow(p.id, p.name, p.created_at, p.last_used_at) for p in found]


def _descriptors(db: Session, user: User) -> list[PublicKeyCredentialDescriptor]:
    found = db.scalars(select(Passkey).where(Passkey.user_id == user.id))
    out = []
    for passkey in found:
        transports = []
        for name in filter(None, passkey.transports.split(",")):
            try:
                transports.append(AuthenticatorTransport(name))
            except ValueError:
                continue
        out.append(
            PublicKeyCredentialDescriptor(
                id=webauthn.base64url_to_bytes(passkey.credential_id),
                transports=transports or None,
            )
        )
    return out


def _handle(db: Session, user: User) -> bytes:
    if not user.passkey_handle:
        user.passkey_handle = bytes_to_base64url(secrets.token_bytes(32))
        db.commit()
    return webauthn.base64url_to_bytes(user.passkey_handle)


def registration_options(
    db: Session, user: User, rp: RelyingParty, now: dt.datetime | None = None
) -> tuple[str, bytes]:
    """The options (JSON) for ``navigator.credentials.create`` and their challenge."""
    options = webauthn.generate_registration_options(
        rp_id=rp.id,
        rp_name=rp.name,
        user_name=user.email,
        user_id=_handle(db, user),
        user_display_name=user.name or user.email,
        challenge=_new_challenge(db, now or utcnow()),
        timeout=CHALLENGE_SECONDS * 1000,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=_descriptors(db, user),
    )
    return webauthn.options_to_json(options), options.challenge


def register(
    db: Session,
    user: User,
    rp: RelyingParty,
    credential: str,
    challenge: bytes,
    name: str,
) -> Passkey:
    """Keep the passkey ``credential`` created for ``challenge``, named ``name``."""
    name = " ".join(name.split())[:NAME_LENGTH]
    if not name:
        raise PasskeyError("name")
    _claim(db, challenge)
    if len(listing(db, user)) >= MAX_PASSKEYS:
        raise PasskeyError("limit")
    try:
        verified = webauthn.verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as error:
        raise PasskeyError("invalid", str(error)) from error
    credential_id = bytes_to_base64url(verified.credential_id)
    if db.scalar(select(Passkey.id).where(Passkey.credential_id == credential_id)):
        raise PasskeyError("duplicate")
    try:
        transports = json.loads(credential)["response"].get("transports") or []
    except (ValueError, KeyError, TypeError, AttributeError):
        transports = []
    passkey = Passkey(
        user_id=user.id,
        credential_id=credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        name=name,
        transports=",".join(str(t) for t in transports if isinstance(t, str))[:120],
    )
    db.add(passkey)
    audit.record(db, user.email, "passkey_added", user.email, name)
    db.commit()
    db.expire(user, ["passkeys"])
    return passkey


def remove(db: Session, user: User, passkey_id: int) -> str | None:
    """Remove one of ``user``'s passkeys; its name, or None when there is none."""
    passkey = db.scalar(
        select(Passkey).where(Passkey.id == passkey_id, Passkey.user_id == user.id)
    )
    if passkey is None:
        return None
    name = passkey.name
    db.delete(passkey)
    audit.record(db, user.email, "passkey_removed", user.email, name)
    db.commit()
    db.expire(user, ["passkeys"])
    return name


def remove_all(db: Session, user: User, actor_email: str) -> int:
    """Remove every passkey of ``user`` (``kb users reset-mfa``); how many."""
    count = int(
        db.execute(delete(Passkey).where(Passkey.user_id == user.id)).rowcount  # type: ignore[attr-defined]
        or 0
    )
    if count:
        audit.record(db, actor_email, "passkey_removed", user.email, f"all ({count})")
    db.commit()
    db.expire(user, ["passkeys"])
    return count


# -- signing in ------------------------------------------------------------------------


def authentication_options(
    db: Session,
    rp: RelyingParty,
    user: User | None,
    now: dt.datetime | None = None,
) -> tuple[str, bytes]:
    """Options (JSON) for ``navigator.credentials.get`` and their challenge.

    With ``user`` (the second factor) only their passkeys are allowed; without
    one (passwordless) the authenticator offers its discoverable credentials
    and must verify the person.
    """
    options = webauthn.generate_authentication_options(
        rp_id=rp.id,
        challenge=_new_challenge(db, now or utcnow()),
        timeout=CHALLENGE_SECONDS * 1000,
        allow_credentials=_descriptors(db, user) if user is not None else [],
        user_verification=UserVerificationRequirement.PREFERRED
        if user is not None
        else UserVerificationRequirement.REQUIRED,
    )
    return webauthn.options_to_json(options), options.challenge


def authenticate(
    db: Session,
    rp: RelyingParty,
    credential: str,
    challenge: bytes,
    user: User | None = None,
) -> User:
    """The person whose passkey signed ``challenge``; PasskeyError otherwise.

    ``user``: the person who gave their password (the second factor); None for
    a sign-in without a password, which requires user verification.
    """
    _claim(db, challenge)
    try:
        parsed = parse_authentication_credential_json(credential)
    except (WebAuthnException, ValueError, KeyError, TypeError) as error:
        raise PasskeyError("invalid", "unreadable") from error
    passkey = db.scalar(
        select(Passkey).where(
            Passkey.credential_id == bytes_to_base64url(parsed.raw_id)
        )
    )
    if passkey is None or (user is not None and passkey.user_id != user.id):
        raise PasskeyError("unknown")
    owner = db.get(User, passkey.user_id)
    if owner is None or not owner.active:
        raise PasskeyError("disabled")
    handle = parsed.response.user_handle
    if handle is not None and owner.passkey_handle != bytes_to_base64url(handle):
        raise PasskeyError("unknown")
    try:
        verified = webauthn.verify_authentication_response(
            credential=parsed,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=user is None,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as error:
        raise PasskeyError("invalid", str(error)) from error
    # Claimed: two sign-ins racing with one counter value cannot both pass.
    new_count = verified.new_sign_count
    counter_ok = (
        Passkey.sign_count == 0 if new_count == 0 else Passkey.sign_count < new_count
    )
    claimed = db.execute(
        update(Passkey)
        .where(Passkey.id == passkey.id, counter_ok)
        .values(sign_count=new_count, last_used_at=utcnow())
    ).rowcount  # type: ignore[attr-defined]
    if claimed != 1:
        db.rollback()
        raise PasskeyError("clone")
    audit.record(
        db,
        owner.email,
        "passkey_used",
        owner.email,
        passkey.name if user is not None else f"{passkey.name} (no password)",
    )
    db.commit()
    return owner

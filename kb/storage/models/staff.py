"""Staff accounts and what belongs to them: sign-ins, API tokens, preferences,
one-time account links (invitations, password resets) and the audit log."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.storage.models.base import Base, utcnow
from kb.vocab import ROLES


class User(Base):
    """A staff member who signs in: agent, editor or admin."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(16), default="agent")
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Changes when the password changes or the user is disabled, so that every
    # existing session and remember-me cookie stops working.
    session_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    last_sign_in_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    # TOTP (kb.services.mfa): the secret sealed with a key derived from
    # KB_SECRET_KEY, when it was turned on, and the last time step used (a
    # code is accepted once). ``mfa_grace_until``: when KB_STAFF_MFA=required
    # stops letting this person in without a second factor.
    totp_sealed: Mapped[str | None] = mapped_column(String(200), nullable=True)
    totp_enabled_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    totp_last_step: Mapped[int | None] = mapped_column(Integer, nullable=True)
    mfa_grace_until: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    # The WebAuthn user handle (random, base64url) given to this person's
    # passkeys, so a passwordless sign-in names the account without the email.
    passkey_handle: Mapped[str | None] = mapped_column(
        String(64), nullable=True, unique=True
    )
    passkeys: Mapped[list[Passkey]] = relationship(
        "Passkey", lazy="select", order_by="Passkey.id", viewonly=True
    )

    # Set when a sign-in is made or loaded: the secret that the session and
    # remember-me cookies carry (only its hash is stored, in ``staff_sessions``).
    sign_in_token = ""

    def get_id(self) -> str:
        """Flask-Login identity: this sign-in's secret, ended on the server."""
        return self.sign_in_token

    @property
    def is_authenticated(self) -> bool:
        """Flask-Login: a loaded user is signed in."""
        return True

    @property
    def is_active(self) -> bool:
        """Flask-Login: disabled users cannot sign in."""
        return self.active

    @property
    def is_anonymous(self) -> bool:
        """Flask-Login: never anonymous."""
        return False

    @property
    def totp_enabled(self) -> bool:
        """True when an authenticator app (TOTP) is turned on."""
        return self.totp_enabled_at is not None

    @property
    def mfa_enabled(self) -> bool:
        """True when a second factor is on: TOTP or at least one passkey."""
        return self.totp_enabled or bool(self.passkeys)

    def has_role(self, role: str) -> bool:
        """True when the user's role is ``role`` or a higher one."""
        return ROLES.index(self.role) >= ROLES.index(role)


class StaffSession(Base):
    """One staff sign-in; signing out or a timeout ends it on the server."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    # What the person sees in their list of sign-ins: a browser and system
    # ("Firefox on Linux"), never the whole user agent, and the network with
    # its last part cut ("203.0.113.x"), never the full address.
    device: Mapped[str] = mapped_column(String(80), default="")
    network: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    last_seen_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    ended_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )


class ApiToken(Base):
    """A staff member's personal token for the reports API (only its hash kept)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(80))
    # SHA-256 of the secret: the secret itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    revoked_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )


class StaffPreference(Base):
    """A staff member's own choice, e.g. to stay off the leaderboard."""

    __tablename__ = "staff_preferences"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200), default="")


class AccountLink(Base):
    """A one-time link that lets someone set a password (invitation or reset)."""

    __tablename__ = "account_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # SHA-256 of the secret in the mailed link; the secret itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(16))  # invite or reset
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )


class AuditEntry(Base):
    """One change an admin made to a staff account (who, what, whom, when)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    # The emails are copied so the entry still reads right after a change.
    actor_email: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(32))
    target_email: Mapped[str] = mapped_column(String(254), default="")
    detail: Mapped[str] = mapped_column(String(200), default="")


class RecoveryCode(Base):
    """One single-use recovery code for the second factor (only its hash kept)."""

    __tablename__ = "staff_recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )


class Passkey(Base):
    """One WebAuthn credential (passkey) of a staff member."""

    __tablename__ = "staff_passkeys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # The credential id (base64url), the COSE public key and the authenticator's
    # signature counter: a counter that does not grow means a cloned key.
    credential_id: Mapped[str] = mapped_column(String(1400), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    sign_count: Mapped[int] = mapped_column(BigInteger, default=0)
    name: Mapped[str] = mapped_column(String(80))
    transports: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    last_used_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )


class PasskeyChallenge(Base):
    """A WebAuthn challenge handed out and not yet used (only its hash kept).

    The challenge itself lives in the person's session; this row makes it
    single-use and expiring on the server, whatever the session cookie replays.
    """

    __tablename__ = "staff_passkey_challenges"

    challenge_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

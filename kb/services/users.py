"""Staff accounts: create, invite, change password or role, disable, authenticate.

An invited account has no password yet (an empty ``password_hash``): it cannot
sign in until its invitation link sets one. Passwords are hashed with scrypt
(werkzeug, :data:`PASSWORD_METHOD`). Changing a password or disabling an
account ends every sign-in of that user on the server (``staff_sessions``);
changing a password also revokes their API tokens (a token made by whoever knew
the old password must not outlive it).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from kb.services import api_tokens, audit, passwords, staff_sessions
from kb.storage.models import ROLES, User

MIN_PASSWORD = passwords.MIN_LENGTH
MAX_PASSWORD = passwords.MAX_LENGTH
#: How new passwords are hashed (a werkzeug method). Production never changes it;
#: the test suite swaps in a cheap pbkdf2 setting because scrypt dominated its setup.
PASSWORD_METHOD = "scrypt"
_DUMMY_TEXT = "timing-equaliser-" + "x" * 20
# One dummy hash per method, so an unknown account costs what a real check costs.
_DUMMY_HASHES = {PASSWORD_METHOD: generate_password_hash(_DUMMY_TEXT, PASSWORD_METHOD)}


class UserError(ValueError):
    """A user operation that cannot be done, with a message for the operator."""


class BadEmail(UserError):
    """The address is not a valid email address."""


class AlreadyExists(UserError):
    """The address already has an account."""


def _normal_email(email: str) -> str:
    try:
        return validate_email(
            email.strip(), check_deliverability=False
        ).normalized.lower()
    except EmailNotValidError as exc:
        raise BadEmail(f"not a valid email address: {exc}") from None


def _check_password(password: str, email: str, site_name: str) -> None:
    reason = passwords.problem(password, email=email, site_name=site_name)
    if reason:
        raise UserError(reason)


def _hash(password: str) -> str:
    return generate_password_hash(password, PASSWORD_METHOD)


def _dummy_hash() -> str:
    method = PASSWORD_METHOD
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash(_DUMMY_TEXT, method)
    return _DUMMY_HASHES[method]


def find(db: Session, email: str) -> User | None:
    """The user with this email (case-insensitive), or None."""
    return db.scalars(select(User).where(User.email == email.strip().lower())).first()


def has_active_staff(db: Session) -> bool:
    """Whether anyone can sign in to the staff pages yet."""
    return db.scalars(select(User.id).where(User.active).limit(1)).first() is not None


def create(
    db: Session,
    email: str,
    role: str,
    password: str,
    name: str = "",
    *,
    site_name: str = "",
) -> User:
    """Add a staff account (``site_name`` may not appear in the password)."""
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    address = _normal_email(email)
    _check_password(password, address, site_name)
    if find(db, address):
        raise AlreadyExists(f"{address} already has an account")
    user = User(
        email=address,
        name=name.strip() or address.split("@")[0],
        role=role,
        password_hash=_hash(password),
        session_id=secrets.token_hex(32),
    )
    db.add(user)
    db.commit()
    return user


@dataclass(frozen=True)
class PasswordChanged:
    """A new password: whose, and how many API tokens it revoked."""

    user: User
    tokens_revoked: int


def set_password(
    db: Session, email: str, password: str, *, site_name: str = ""
) -> PasswordChanged:
    """Change a password; end every session and API token of that user."""
    user = find(db, email)
    if user is None:
        raise UserError(f"no account for {email}")
    revoked = replace_password(db, user, password, site_name=site_name)
    db.commit()
    return PasswordChanged(user, revoked)


def disable(db: Session, email: str) -> User:
    """Stop a user from signing in and end their sessions."""
    user = find(db, email)
    if user is None:
        raise UserError(f"no account for {email}")
    user.active = False
    user.session_id = secrets.token_hex(32)
    staff_sessions.end_all(db, user)
    db.commit()
    return user


def authenticate(db: Session, email: str, password: str) -> User | None:
    """The active user with these credentials; None otherwise, in similar time."""
    user = find(db, email)
    if user is None or not user.password_hash:
        check_password_hash(_dummy_hash(), password)  # same work as a real check
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def status(user: User) -> str:
    """``invited`` (no password yet), ``active`` or ``disabled``."""
    if not user.active:
        return "disabled"
    return "active" if user.password_hash else "invited"


def everyone(db: Session) -> list[User]:
    """Every staff account, by name then email (their passkeys loaded at once)."""
    query = select(User).options(selectinload(User.passkeys))
    return list(db.scalars(query.order_by(User.name, User.email)).all())


def invite(db: Session, email: str, role: str, name: str = "") -> User:
    """Add an account without a password (its invitation link sets one)."""
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    address = _normal_email(email)
    if find(db, address):
        raise AlreadyExists(f"{address} already has an account")
    user = User(
        email=address,
        name=name.strip() or address.split("@")[0],
        role=role,
        password_hash="",
        session_id=secrets.token_hex(32),
    )
    db.add(user)
    db.flush()
    return user


def replace_password(
    db: Session, user: User, password: str, *, site_name: str = "", keep: str = ""
) -> int:
    """Set ``user``'s password; end their sign-ins (but ``keep``) and API tokens.

    Returns how many API tokens were revoked. The caller commits.
    """
    _check_password(password, user.email, site_name)
    user.password_hash = _hash(password)
    user.session_id = secrets.token_hex(32)
    staff_sessions.end_all(db, user, keep=keep)
    return api_tokens.revoke_all(db, user.id)


def change_own_password(
    db: Session, user: User, current: str, new: str, *, site_name: str = ""
) -> int:
    """A signed-in person's new password; their other sign-ins and tokens end.

    Raises :class:`WrongPassword` when ``current`` is not their password.
    """
    if not check_password_hash(user.password_hash or _dummy_hash(), current):
        raise WrongPassword("the current password is not right")
    revoked = replace_password(
        db, user, new, site_name=site_name, keep=user.sign_in_token
    )
    audit.record(db, user.email, "password_changed", user.email)
    db.commit()
    return revoked


class WrongPassword(UserError):
    """The current password given to change it is not the person's."""


def active_admins(db: Session) -> int:
    """How many admins can sign in (an invited one cannot yet)."""
    return len(
        db.scalars(
            select(User.id).where(
                User.active, User.role == "admin", User.password_hash != ""
            )
        ).all()
    )

"""Running the team from the web: list, invite, change role, disable, reset.

Every change is recorded in the audit log in the same transaction. The last
admin who can sign in can be neither demoted nor disabled, and nobody disables
their own account here: either would lock the team out of these pages (the
command line still can, for whoever runs the server).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from kb.services import account_links, api_tokens, audit, mail, staff_sessions, users
from kb.storage.models import ROLES, User

#: Builds the absolute link of a one-time secret: ``link_for(purpose, token)``.
LinkFor = Callable[[str, str], str]


class LastAdmin(users.UserError):
    """The change would leave no admin who can sign in."""


class OwnAccount(users.UserError):
    """An admin may not disable their own account from the web."""


@dataclass(frozen=True)
class Lifetimes:
    """How long invitation and reset links work."""

    invite: dt.timedelta
    reset: dt.timedelta

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Lifetimes:
        """Read ``KB_INVITE_HOURS`` and ``KB_RESET_MINUTES``."""
        return cls(
            invite=dt.timedelta(hours=config["INVITE_HOURS"]),
            reset=dt.timedelta(minutes=config["RESET_MINUTES"]),
        )


@dataclass(frozen=True)
class StaffRow:
    """One person as the staff list shows them."""

    id: int
    name: str
    email: str
    role: str
    status: str  # invited, active, disabled
    second_factor: bool
    last_sign_in_at: dt.datetime | None


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None or moment.tzinfo:
        return moment
    return moment.replace(tzinfo=dt.UTC)


def row(user: User) -> StaffRow:
    """``user`` as the staff list shows them."""
    return StaffRow(
        user.id,
        user.name,
        user.email,
        user.role,
        users.status(user),
        bool(getattr(user, "mfa_enabled", False)),
        _aware(user.last_sign_in_at),
    )


def listing(db: Session) -> list[StaffRow]:
    """Every staff account for the admin's list."""
    return [row(user) for user in users.everyone(db)]


def person(db: Session, user_id: int) -> User | None:
    """The staff account with this id, or None."""
    return db.get(User, user_id)


def _send_link(
    db: Session,
    user: User,
    purpose: str,
    link_for: LinkFor,
    lifetimes: Lifetimes,
    inviter: str,
) -> None:
    if purpose == "invite":
        token = account_links.issue(db, user, "invite", lifetimes.invite)
        message = mail.staff_invite(
            user.email,
            name=user.name,
            inviter=inviter,
            role=user.role,
            link=link_for("invite", token),
            hours=int(lifetimes.invite.total_seconds() // 3600),
        )
    else:
        token = account_links.issue(db, user, "reset", lifetimes.reset)
        message = mail.password_reset(
            user.email,
            name=user.name,
            link=link_for("reset", token),
            minutes=int(lifetimes.reset.total_seconds() // 60),
        )
    mail.enqueue(db, message)


def invite(
    db: Session,
    actor: User,
    email: str,
    role: str,
    name: str,
    link_for: LinkFor,
    lifetimes: Lifetimes,
) -> User:
    """Add an account without a password and mail its invitation link."""
    user = users.invite(db, email, role, name)
    _send_link(db, user, "invite", link_for, lifetimes, actor.name or actor.email)
    audit.record(db, actor.email, "invited", user.email, f"role {role}")
    db.commit()
    return user


def _would_leave_no_admin(db: Session, user: User) -> bool:
    return (
        user.role == "admin"
        and users.status(user) == "active"
        and users.active_admins(db) <= 1
    )


def change_role(db: Session, actor: User, user: User, role: str) -> bool:
    """Give ``user`` another role; False when it already was theirs."""
    if role not in ROLES:
        raise users.UserError(f"role must be one of {', '.join(ROLES)}")
    if role == user.role:
        return False
    if role != "admin" and _would_leave_no_admin(db, user):
        raise LastAdmin("the last admin cannot be given another role")
    before = user.role
    user.role = role
    audit.record(db, actor.email, "role_changed", user.email, f"{before} → {role}")
    db.commit()
    return True


def disable(db: Session, actor: User, user: User) -> int:
    """Stop ``user`` signing in: every sign-in, API token and link ends at once.

    Returns how many API tokens were revoked.
    """
    if user.id == actor.id:
        raise OwnAccount("you cannot disable your own account")
    if _would_leave_no_admin(db, user):
        raise LastAdmin("the last admin cannot be disabled")
    user.active = False
    user.session_id = secrets.token_hex(32)
    staff_sessions.end_all(db, user)
    revoked = api_tokens.revoke_all(db, user.id)
    account_links.void(db, user)
    audit.record(db, actor.email, "disabled", user.email)
    db.commit()
    return revoked


def enable(db: Session, actor: User, user: User) -> None:
    """Let a disabled account sign in again (with its old password)."""
    user.active = True
    audit.record(db, actor.email, "enabled", user.email)
    db.commit()


def send_reset(
    db: Session, actor: User, user: User, link_for: LinkFor, lifetimes: Lifetimes
) -> str:
    """Mail a password-reset link (a new invitation to an invited account).

    Returns ``invite`` or ``reset``: which was sent.
    """
    if not user.active:
        raise users.UserError("enable the account first")
    purpose = "invite" if users.status(user) == "invited" else "reset"
    _send_link(db, user, purpose, link_for, lifetimes, actor.name or actor.email)
    audit.record(
        db, actor.email, "invited" if purpose == "invite" else "reset_sent", user.email
    )
    db.commit()
    return purpose


def end_sessions(db: Session, actor: User, user: User) -> int:
    """End every sign-in of ``user`` (yours too, when it is you); how many."""
    ended = staff_sessions.end_all(db, user)
    audit.record(db, actor.email, "sessions_ended", user.email, f"{ended}")
    db.commit()
    return ended


def request_reset(
    db: Session, email: str, link_for: LinkFor, lifetimes: Lifetimes
) -> None:
    """ "Forgot password": mail a reset link when ``email`` is an active account.

    The caller answers the same whether or not a mail went out.
    """
    user = users.find(db, email)
    if user is None or users.status(user) != "active":
        return
    _send_link(db, user, "reset", link_for, lifetimes, "")
    db.commit()


def accept(
    db: Session, token: str, purpose: str, password: str, site_name: str
) -> User:
    """Set the password through an invitation or reset link; record it."""
    user = account_links.redeem(db, token, purpose, password, site_name=site_name)
    action = "invitation_accepted" if purpose == "invite" else "password_reset"
    audit.record(db, user.email, action, user.email)
    db.commit()
    return user

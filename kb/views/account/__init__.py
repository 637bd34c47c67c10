"""A staff member's own page (/agent/account): API tokens and own preferences."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from kb.views.staff_nav import NavItem, register

bp = Blueprint("account", __name__, url_prefix="/agent/account")

from kb.views.account import mfa, passkeys, views  # noqa: E402,F401 - registers the routes

register(
    NavItem(
        "account.index", _l("My account"), role="agent", order=95, section="account."
    )
)

"""Public replies: the composer, handoffs to the private form, and cases."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from kb.views.staff_nav import NavItem, register

bp = Blueprint("composer", __name__, url_prefix="/agent")

from kb.views.composer import views  # noqa: E402,F401 - registers the routes

register(
    NavItem("composer.reply", _l("Public reply"), order=20, section="composer.reply")
)
register(
    NavItem("composer.handoff", _l("Hand off"), order=30, section="composer.handoff")
)

"""The agents' desk: the ticket queue and the agent's ticket page."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from kb.views.staff_nav import NavItem, register

bp = Blueprint("desk", __name__, url_prefix="/agent")

from kb.views.desk import files, views  # noqa: E402,F401 - registers the routes

register(NavItem("desk.queue", _l("Tickets"), order=10, section="desk."))

"""Running the team: /admin/staff (list, invite, roles, disable, resets) and its
audit log, for admins."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from kb.views.staff_nav import NavItem, register

bp = Blueprint("team", __name__, url_prefix="/admin/staff")

from kb.views.team import views  # noqa: E402,F401 - registers the routes

register(NavItem("team.staff", _l("Staff"), role="admin", order=92, section="team."))

"""Admin pages: reply templates and canned responses."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from kb.views.staff_nav import NavItem, register

bp = Blueprint("admin", __name__, url_prefix="/admin")

from kb.views.admin import views  # noqa: E402,F401 - registers the routes

register(
    NavItem(
        "admin.reply_templates",
        _l("Settings"),
        role="admin",
        order=90,
        section="admin.",
    )
)

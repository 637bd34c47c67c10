"""Admin pages: reply templates and canned responses."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from kb.views.admin import views  # noqa: E402,F401 - registers the routes

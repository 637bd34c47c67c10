"""Public replies: the composer, handoffs to the private form, and cases."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("composer", __name__, url_prefix="/agent")

from kb.views.composer import views  # noqa: E402,F401 - registers the routes

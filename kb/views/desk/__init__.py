"""The agents' desk: the ticket queue and the agent's ticket page."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("desk", __name__, url_prefix="/agent")

from kb.views.desk import views  # noqa: E402,F401 - registers the routes

"""Public event endpoints: the beacon, the no-JavaScript view pixel, and the
"Was this helpful?" form (every one records through kb.services.events)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("insights", __name__)

from kb.views.insights import views  # noqa: E402,F401 - registers the routes

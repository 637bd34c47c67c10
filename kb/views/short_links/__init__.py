"""Short links of public replies: ``/s/<code>`` and ``/p/<code>`` redirect."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("short_links", __name__)

from kb.views.short_links import views  # noqa: E402,F401 - registers the routes

"""Private escalation: the contact form, its acknowledgement, the secret-link page."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("tickets", __name__)

from kb.views.tickets import files, views  # noqa: E402,F401 - registers the routes

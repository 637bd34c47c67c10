"""Staff sign-in and sign-out."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/agent")

from kb.views.auth import passkeys, views  # noqa: E402,F401 - registers the routes

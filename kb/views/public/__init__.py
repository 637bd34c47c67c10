"""The public help center: home, search, topics, articles, sitemap."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("public", __name__)

from kb.views.public import views  # noqa: E402,F401 - registers the routes

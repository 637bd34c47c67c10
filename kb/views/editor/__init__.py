"""Editor pages: drafts, preview, review, publish, history of articles."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from kb.views.staff_nav import NavItem, register

bp = Blueprint("editor", __name__, url_prefix="/editor")

from kb.views.editor import (  # noqa: E402,F401 - registers the routes
    articles,
    conflicts,
    drafts,
    history,
    overview,
    review,
    settings,
    synonyms,
)

# Agents may propose; editors and admins approve and publish.
register(
    NavItem("editor.index", _l("Articles"), role="agent", order=70, section="editor.")
)

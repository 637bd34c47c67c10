"""Reports (/admin/reports) and an agent's own public replies (/agent/replies).

Editors and admins see every report; an agent sees the overview and the team
report limited to their own row, and their public replies.
"""

from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from kb.views.staff_nav import NavItem, register

bp = Blueprint("reports", __name__, url_prefix="/admin/reports")
replies_bp = Blueprint("replies", __name__, url_prefix="/agent/replies")
blueprints = (bp, replies_bp)

from kb.views.reports import recognition, views  # noqa: E402,F401 - the routes

register(
    NavItem(
        "reports.overview", _l("Reports"), role="agent", order=60, section="reports."
    )
)
register(
    NavItem(
        "replies.mine", _l("My replies"), role="agent", order=40, section="replies."
    )
)

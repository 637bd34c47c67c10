"""GET /api/v1/reports/<name>: every report as JSON, for signed-in staff.

The staff session authenticates (there is no staff API token yet); an agent
gets their own part, as on the pages. The same columns as the CSV export.
"""

from __future__ import annotations

from flask import jsonify, request
from werkzeug.wrappers import Response

from kb.security import role_required
from kb.services import events, reports
from kb.views import params
from kb.views.api import bp
from kb.views.api.errors import invalid, not_found
from kb.views.reports.views import NAMES, build, parse_query


@bp.get("/reports/<name>")
@role_required("agent")
def report(name: str) -> Response:
    """One report (overview, search, articles, public, team) as JSON."""
    if name not in NAMES:
        not_found("name", f"no report named {name!r}")
    try:
        query, period = parse_query(request.args)
    except params.ParamError as exc:
        invalid(exc.field, exc.message)
    events.flush()
    response = jsonify(reports.as_json(build(name, query, period)))
    # Staff data: never stored by a browser or a shared cache.
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Cookie")
    return response

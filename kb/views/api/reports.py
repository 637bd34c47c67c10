"""GET /api/v1/reports/<name>: every report as JSON, for staff.

Two ways in: a personal staff API token (``Authorization: Bearer jwb_…``, made
on /agent/account) or the signed-in staff session. A token acts as its owner
for this request only — no cookie is set or read, so no CSRF applies — and an
agent's token, like an agent's session, gets their own part. A bad token is a
401 in the API's one error shape, never a fall-back to the session. Tokens
authenticate nothing but this route and POST /api/v1/replies/draft. The same
columns as the CSV export.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g, jsonify, request
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from kb.services import api_tokens, events, recognition, reports
from kb.storage import db
from kb.views import params
from kb.views.access import mark_staff_only, role_required
from kb.views.api import bp
from kb.views.api.errors import invalid, json_error, not_found
from kb.views.reports.shared import NAMES, build, parse_query


def _refused() -> Response:
    response = json_error(401, _("The API token is unknown, revoked or expired."))
    response.headers["WWW-Authenticate"] = 'Bearer realm="jawab", error="invalid_token"'
    return response


def token_or_session(role: str) -> Callable:
    """Allow ``role`` or higher, by a bearer token when one is sent, else by session."""

    def decorator(view: Callable) -> Callable:
        by_session = role_required(role)(view)

        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            header = request.headers.get("Authorization")
            if header is None:
                response = by_session(*args, **kwargs)
                if getattr(response, "status_code", 200) == 401:
                    # RFC 6750: say which scheme would have worked.
                    response.headers["WWW-Authenticate"] = 'Bearer realm="jawab"'
                return response
            scheme, _sep, secret = header.strip().partition(" ")
            user = None
            if scheme.lower() == "bearer" and secret.strip():
                user = api_tokens.authenticate(db.session(), secret.strip())
            if user is None:
                return _refused()
            # Flask-Login's current_user for this request only: the session is
            # neither read nor written, so nothing outlives the request.
            g._login_user = user
            if not user.has_role(role):
                return json_error(403, "not allowed for your role")
            return view(*args, **kwargs)

        return mark_staff_only(wrapped)

    return decorator


@bp.get("/reports/<name>")
@token_or_session("agent")
def report(name: str) -> Response:
    """One report (overview, search, articles, public, team) as JSON."""
    if name not in NAMES:
        not_found("name", f"no report named {name!r}")
    try:
        query, period = parse_query(request.args)
    except params.ParamError as exc:
        invalid(exc.field, exc.message)
    events.flush()
    badges_of = recognition.badge_keys(recognition.load(db.session()))
    response = jsonify(reports.as_json(build(name, query, period), badges_of))
    # Staff data: never stored by a browser or a shared cache.
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Cookie")
    response.vary.add("Authorization")
    return response

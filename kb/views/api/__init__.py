"""The public JSON API: ``/api/v1`` with one module per resource.

``bp`` serves /api/v1; ``legacy`` keeps today's unversioned /api/search,
/api/suggest and /api/articles/<slug> answering as aliases of the same views.
Every public /api answer allows any origin (the data is public); staff routes
(``/api/v1/reports``, any view behind ``role_required``) never do. schemas.py
describes it all and builds /api/v1/openapi.json.
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, request
from werkzeug.wrappers import Response

from kb.views.access import is_staff_view

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")
legacy = Blueprint("api", __name__, url_prefix="/api")

# The resource modules register their routes on ``bp`` and ``legacy``.
from kb.views.api import (  # noqa: E402
    articles,
    categories,
    docs,
    replies,
    reports,
    search,
    suggest,
)

__all__ = [
    "articles",
    "bp",
    "categories",
    "docs",
    "init_app",
    "legacy",
    "replies",
    "reports",
    "search",
    "suggest",
]

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, Last-Modified, Retry-After",
    # Public data, so any origin may embed it (the app default is same-origin).
    "Cross-Origin-Resource-Policy": "cross-origin",
}
PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": (
        "Accept, Accept-Language, If-None-Match, If-Modified-Since"
    ),
    "Access-Control-Max-Age": "86400",
}


def is_api_path(path: str) -> bool:
    """True for the public JSON API (versioned or alias)."""
    return path == "/api" or path.startswith("/api/")


def allow_any_origin(response: Response) -> Response:
    """CORS for every public /api answer, errors included; preflights get the methods.

    Never for a staff route: its answers are staff data, and another site's
    script must not read them with a signed-in staff member's cookie.
    """
    if not is_api_path(request.path):
        return response
    if is_staff_view(current_app.view_functions.get(request.endpoint or "")):
        return response
    response.headers.update(CORS_HEADERS)
    if request.method == "OPTIONS":
        response.headers.update(PREFLIGHT_HEADERS)
    return response


def init_app(app: Flask) -> None:
    """Register both blueprints and the CORS headers."""
    app.register_blueprint(bp)
    app.register_blueprint(legacy)
    app.after_request(allow_any_origin)

"""The one JSON error shape: every /api answer that is not a success uses it.

``{"error": "<message in the client's language>", "status": 400, "field": "q"}``;
``field`` names the query argument or path part at fault, or is null. Views
raise :func:`invalid` / :func:`not_found`; the app-wide HTTP error handler turns
every exception (400 control characters, 404, 405, 429, 503 …) into this body.
"""

from __future__ import annotations

from typing import NoReturn

from flask import jsonify
from werkzeug.exceptions import BadRequest, HTTPException, NotFound
from werkzeug.wrappers import Response

# Headers an HTTP error carries that still matter in JSON (405's Allow, 429's
# Retry-After); the content type is ours.
_KEPT_HEADERS = ("allow", "retry-after", "www-authenticate")


def error_body(status: int, message: object, field: str | None = None) -> dict:
    """The JSON error body (see the module docstring)."""
    return {"error": str(message), "status": status, "field": field}


def json_error(status: int, message: object, field: str | None = None) -> Response:
    """A response with the one JSON error body and ``status``."""
    response = jsonify(error_body(status, message, field))
    response.status_code = status
    return response


def from_http_exception(error: HTTPException) -> Response:
    """An HTTP exception as the JSON error body, keeping its useful headers."""
    status = error.code or 500
    response = json_error(status, error.description, getattr(error, "field", None))
    for name, value in error.get_headers():
        if name.lower() in _KEPT_HEADERS:
            response.headers[name] = value
    return response


def invalid(field: str, message: object) -> NoReturn:
    """Stop the request with a 400 naming ``field``."""
    error = BadRequest(str(message))
    error.field = field  # type: ignore[attr-defined]
    raise error


def not_found(field: str, message: object) -> NoReturn:
    """Stop the request with a 404 naming the path part that matched nothing."""
    error = NotFound(str(message))
    error.field = field  # type: ignore[attr-defined]
    raise error

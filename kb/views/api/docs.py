"""GET /api/v1/openapi.json: the OpenAPI 3.1 document built from schemas.py."""

from __future__ import annotations

from flask import current_app, jsonify
from werkzeug.wrappers import Response

from kb.views.api import bp
from kb.views.api.schemas import openapi_document


@bp.get("/openapi.json")
def openapi() -> Response:
    """The machine-readable description of /api/v1."""
    return jsonify(openapi_document(current_app.config["MAX_QUERY_LENGTH"]))

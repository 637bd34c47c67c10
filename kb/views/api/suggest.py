"""GET /api/v1/suggest (alias /api/suggest): titles for search-as-you-type."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, jsonify, request
from werkzeug.wrappers import Response

from kb.views import params
from kb.views.api import bp, legacy
from kb.views.api.errors import invalid
from kb.views.context import library, search_service
from kb.views.urls import article_url


@dataclass(frozen=True)
class SuggestArgs:
    """The partly typed query exactly as sent, and its language."""

    q: str = params.arg(params.verbatim)
    lang: str = params.arg(params.verbatim)


@bp.get("/suggest")
def suggest() -> Response:
    """Article titles matching a partly typed query, for search-as-you-type."""
    typed = params.parse(SuggestArgs, request.args)
    args = {"q": typed.q, "lang": typed.lang}
    try:
        req = params.search_request(args, current_app.config["MAX_QUERY_LENGTH"])
    except params.ParamError as exc:
        invalid(exc.field, exc.message)
    # Keep a trailing space: it means the last word is complete.
    raw = typed.q
    text = req.q + (" " if raw[-1:].isspace() and req.q else "")
    hits = search_service().suggest(text, req.lang, library=library())
    return jsonify(
        query=req.q,
        suggestions=[
            {
                "slug": hit.slug,
                "title": hit.title,
                "url": article_url(hit.lang, hit.slug),
                "lang": hit.lang,
                "category": hit.category,
            }
            for hit in hits
        ],
    )


legacy.add_url_rule("/suggest", view_func=suggest, methods=["GET"])

"""GET /api/v1/search (alias /api/search): ranked published articles."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, jsonify, request
from werkzeug.wrappers import Response

from kb.services import answers, quick_answers
from kb.services.search import Hit
from kb.views import params
from kb.views.api import bp, legacy
from kb.views.api.errors import invalid
from kb.views.context import library, search_service
from kb.views.insights import limits, tracking
from kb.views.urls import article_urls


@dataclass(frozen=True)
class SourceArgs:
    """Who asked: the contact form's suggestions say ``from=contact``."""

    source: str = params.arg(params.choice(("contact",), "api"), "from")


@bp.get("/search")
@limits.search_limit
def search() -> Response:
    """Ranked published articles for ``q`` with optional lang/category/paging."""
    try:
        req = params.search_request(
            request.args, current_app.config["MAX_QUERY_LENGTH"]
        )
    except params.ParamError as exc:
        invalid(exc.field, exc.message)
    lib = library()
    hits = search_service().search(req, lib)
    source = params.parse(SourceArgs, request.args).source
    tracking.record_search(req, hits, source, req.lang or "id")
    urls = article_urls(external=True)
    answer = quick_answers.quick_answer(lib, hits, req.q) if req.page == 1 else None
    return jsonify(
        query=req.q,
        fallback_lang=hits.fallback_lang,
        total=hits.total,
        page=req.page,
        limit=req.limit,
        results=[_result(hit, urls(hit.lang, hit.slug)) for hit in hits.hits],
        did_you_mean=hits.did_you_mean,
        corrected=hits.corrected,
        weak_match=hits.weak_match,
        answer=_answer(answer, urls(answer.lang, answer.slug)) if answer else None,
    )


def _answer(answer: answers.Answer, url: str) -> dict:
    """The quick answer: its text, article, section and how sure Jawab is."""
    section = None
    if answer.anchor is not None:
        section = {"anchor": answer.anchor, "heading": answer.heading or ""}
    return {
        "text": answer.text,
        "article": {"slug": answer.slug, "title": answer.title, "url": url},
        "section": section,
        "confidence": answer.confidence,
    }


def _result(hit: Hit, url: str) -> dict:
    """One search result; ``section`` links straight to the best-matching section."""
    section = None
    if hit.section is not None:
        # Anchors are slugified heading ids: safe in a URL fragment as they are.
        section = {
            "anchor": hit.section,
            "heading": hit.section_heading,
            "url": f"{url}#{hit.section}",
        }
    return {
        "slug": hit.slug,
        "title": hit.title,
        "summary": hit.summary,
        "url": url,
        "lang": hit.lang,
        "category": hit.category,
        "score": hit.score,
        "highlights": hit.highlights,
        "section": section,
    }


legacy.add_url_rule("/search", view_func=search, methods=["GET"])

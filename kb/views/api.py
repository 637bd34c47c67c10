"""JSON API: search and article lookup (public data only)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, redirect, request, url_for

from kb.services.search import Hit, SearchInputError, parse_request
from kb.views.helpers import article_url, library, search_service

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/search")
def search() -> tuple[Response, int] | Response:
    """Ranked published articles for ``q`` with optional lang/category/paging."""
    try:
        req = parse_request(request.args, current_app.config["MAX_QUERY_LENGTH"])
    except SearchInputError as exc:
        return jsonify(error=str(exc.message), field=exc.field), 400
    hits = search_service().search(req)
    return jsonify(
        query=req.q,
        fallback_lang=hits.fallback_lang,
        total=hits.total,
        page=req.page,
        limit=req.limit,
        results=[_result(hit) for hit in hits.hits],
        did_you_mean=hits.did_you_mean,
        corrected=hits.corrected,
    )


def _result(hit: Hit) -> dict:
    """One search result; ``section`` links straight to the best-matching section."""
    url = article_url(hit.lang, hit.slug, external=True)
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


@bp.get("/suggest")
def suggest() -> tuple[Response, int] | Response:
    """Article titles matching a partly typed query, for search-as-you-type."""
    args = {"q": request.args.get("q", ""), "lang": request.args.get("lang", "")}
    try:
        req = parse_request(args, current_app.config["MAX_QUERY_LENGTH"])
    except SearchInputError as exc:
        return jsonify(error=str(exc.message), field=exc.field), 400
    # Keep a trailing space: it means the last word is complete.
    raw = request.args.get("q", "")
    text = req.q + (" " if raw[-1:].isspace() and req.q else "")
    hits = search_service().suggest(text, req.lang)
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


@bp.get("/articles/<slug>")
def article(slug: str) -> tuple[Response, int] | Response:
    """One published article with its sections and translations."""
    lib = library()
    found = lib.get(slug)
    if found is None:
        moved = lib.redirect_for(slug)
        if moved is not None:
            return redirect(url_for("api.article", slug=moved.slug), 301)
        return jsonify(error="article not found", slug=slug), 404
    rendered = lib.rendered(found.slug)
    url = article_url(found.lang, found.slug, external=True)
    translations = {
        lang: article_url(lang, other.slug, external=True)
        for lang in ("id", "en")
        if lang != found.lang and (other := lib.translation_of(found, lang))
    }
    return jsonify(
        slug=found.slug,
        title=found.title,
        summary=found.summary,
        lang=found.lang,
        category=found.category,
        tags=list(found.tags),
        updated=found.updated.isoformat(),
        url=url,
        html=rendered.html,
        sections=[
            {
                "level": h.level,
                "anchor": h.anchor,
                "title": h.text,
                "url": f"{url}#{h.anchor}",
            }
            for h in rendered.headings
        ],
        translations=translations,
    )

"""Small helpers shared by the blueprints: services from the app, absolute URLs."""

from __future__ import annotations

from flask import current_app, request, url_for

from kb.services.articles import ContentStore, Library
from kb.services.search import SearchService


def content() -> ContentStore:
    """The app's content store."""
    return current_app.extensions["jawab.content"]


def library() -> Library:
    """The current content version."""
    return content().library()


def search_service() -> SearchService:
    """The app's search service (one searcher per worker)."""
    return current_app.extensions["jawab.search"]


def absolute_url(endpoint: str, **values: object) -> str:
    """A full URL on ``KB_BASE_URL`` when set, else on the request's host."""
    base = current_app.config["BASE_URL"]
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def site_root() -> str:
    """``KB_BASE_URL``, or in development the host the request came to."""
    return current_app.config["BASE_URL"] or request.host_url.rstrip("/")


def article_url(lang: str, slug: str, *, external: bool = False, **values) -> str:
    """The canonical URL of an article page."""
    if external:
        return absolute_url("public.article", lang=lang, slug=slug, **values)
    return url_for("public.article", lang=lang, slug=slug, **values)


def wants_json() -> bool:
    """True when the client asked for JSON rather than a page."""
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return request.path.startswith("/api/") or best == "application/json"

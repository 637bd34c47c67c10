"""What one request sees: the app's content store, library and search service."""

from __future__ import annotations

from flask import current_app, g

from kb.services.articles import ContentStore, Library
from kb.services.search import SearchService


def content() -> ContentStore:
    """The app's content store."""
    return current_app.extensions["jawab.content"]


def library() -> Library:
    """The content version this request sees: read once, then pinned on ``g``.

    Articles can change while a request runs; every part of one page (its
    categories, its hits, its links) must come from the same version.
    """
    if "kb_library" not in g:
        g.kb_library = content().library()
    return g.kb_library


def search_service() -> SearchService:
    """The app's search service (one searcher per worker)."""
    return current_app.extensions["jawab.search"]

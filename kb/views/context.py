"""What one request sees: the app's content store, library and search service."""

from __future__ import annotations

from flask import current_app

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

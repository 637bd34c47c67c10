"""Absolute and canonical URLs, always on ``KB_BASE_URL`` when it is set."""

from __future__ import annotations

from typing import Any

from flask import current_app, request, url_for


def absolute_url(endpoint: str, **values: Any) -> str:
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

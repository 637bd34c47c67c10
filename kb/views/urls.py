"""Absolute and canonical URLs, always on ``KB_BASE_URL`` when it is set."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, request, url_for

from kb.storage.articles import SLUG


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


def article_urls(*, external: bool = False) -> Callable[[str, str], str]:
    """Article URLs for a list of results: one ``url_for`` per language.

    Building each result's URL through the URL map was a tenth of an API
    search; slugs are ``[a-z0-9_-]`` (checked when articles load), which a
    URL path carries as they are, so the rest is string concatenation.
    """
    prefixes: dict[str, str] = {}

    def build(lang: str, slug: str) -> str:
        if not SLUG.match(slug):
            return article_url(lang, slug, external=external)
        prefix = prefixes.get(lang)
        if prefix is None:
            prefix = prefixes[lang] = article_url(lang, "0", external=external)[:-1]
        return prefix + slug

    return build

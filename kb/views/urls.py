"""Absolute and canonical URLs, always on ``KB_BASE_URL`` when it is set."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from flask import current_app, request, url_for

from kb.storage.articles import SLUG


def absolute_url(endpoint: str, **values: Any) -> str:
    """A full URL on ``KB_BASE_URL`` when set, else on the request's host."""
    base = current_app.config["BASE_URL"]
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


_ACCOUNT_LINK_PAGES = {"invite": "auth.welcome", "reset": "auth.reset"}


def account_link(purpose: str, token: str) -> str:
    """The absolute one-time link of a staff invitation or password reset."""
    return absolute_url(_ACCOUNT_LINK_PAGES[purpose], token=token)


def site_root() -> str:
    """``KB_BASE_URL``, or in development the host the request came to."""
    return current_app.config["BASE_URL"] or request.host_url.rstrip("/")


def article_url(lang: str, slug: str, *, external: bool = False, **values: Any) -> str:
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
    if not external:
        return article_href  # the prefix per language is kept per app
    prefixes: dict[str, str] = {}

    def build(lang: str, slug: str) -> str:
        if not SLUG.fullmatch(slug):
            return article_url(lang, slug, external=True)
        prefix = prefixes.get(lang)
        if prefix is None:
            prefix = prefixes[lang] = article_url(lang, "0", external=True)[:-1]
        return prefix + slug

    return build


# What Werkzeug's URL builder leaves unquoted in query values.
QUERY_SAFE = "!$'()*,/:;?@"
CHROME_KEYS = 16  # (script root, language) pairs kept per app


def with_query(url: str, **values: Any) -> str:
    """``url`` with query arguments, encoded as ``url_for`` encodes extra values.

    None is left out, as ``url_for`` leaves it out; the order is kept.
    """
    pairs = [(key, value) for key, value in values.items() if value is not None]
    return f"{url}?{urlencode(pairs, safe=QUERY_SAFE)}" if pairs else url


def chrome_urls(lang: str) -> dict[str, str]:
    """The URLs every public page's frame links to, built once per language.

    The header, footer and scripts of each page were a dozen ``url_for``
    calls (~15 us each) for links that never change while the app runs.
    """
    kept = current_app.extensions.setdefault("jawab.chrome_urls", {})
    key = (request.script_root, lang)
    urls = kept.get(key)
    if urls is None:
        static = {
            "css": "css/jawab.css",
            "print_css": "css/print.css",
            "favicon": "img/favicon.svg",
            "js": "js/jawab.js",
            "insights_js": "js/insights.js",
            "logo": "img/logo.svg",
        }
        urls = {name: url_for("static", filename=path) for name, path in static.items()}
        urls |= {
            "suggest": url_for("api.suggest"),
            "beacon": url_for("insights.beacon"),
            "home": url_for("public.home", lang=lang),
            "search": url_for("public.search", lang=lang),
            "contact": url_for("tickets.contact", lang=lang),
            # Slugs are [a-z0-9_-]: an article's URL is this plus its slug.
            "article": url_for("public.article", lang=lang, slug="0")[:-1],
        }
        if len(kept) >= CHROME_KEYS:
            kept.clear()
        kept[key] = urls
    return urls


def search_url(lang: str, **values: Any) -> str:
    """A search page URL with its query, as ``url_for("public.search", ...)``."""
    return with_query(chrome_urls(lang)["search"], **values)


def article_href(lang: str, slug: str) -> str:
    """An article page's URL, as ``url_for("public.article", ...)`` builds it."""
    if not SLUG.fullmatch(slug):
        return article_url(lang, slug)
    return chrome_urls(lang)["article"] + slug

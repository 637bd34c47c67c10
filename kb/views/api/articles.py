"""GET /api/v1/articles and /api/v1/articles/<slug> (alias /api/articles/<slug>)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from flask import redirect, request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from kb.services.search import LANGS
from kb.views import params
from kb.views.api import bp, legacy
from kb.views.api.caching import cached_json, last_modified
from kb.views.api.errors import invalid, not_found
from kb.views.api.schemas import (
    ARTICLES_DEFAULT_LIMIT,
    ARTICLES_MAX_LIMIT,
    ARTICLES_MAX_PAGE,
)
from kb.views.context import library
from kb.views.urls import article_url


def parse_since(raw: str | None) -> dt.date | None:
    """An ISO date or date-time as the calendar date it names (absent: None)."""
    if not raw:
        return None
    try:
        if "T" in raw or " " in raw:
            return dt.datetime.fromisoformat(raw).date()
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise params.ParamError(
            "updated_since",
            _l(
                "updated_since must be an ISO date (2026-01-31) or date and "
                "time (2026-01-31T08:00:00Z)."
            ),
        ) from None


def _lang(raw: str | None) -> str | None:
    if raw and raw not in LANGS:
        raise params.ParamError("lang", _l("lang must be one of: id, en."))
    return raw or None


def _category(raw: str | None) -> str | None:
    value = (raw or "").strip() or None
    if value is not None and len(value) > 100:
        raise params.ParamError("category", _l("category is not a known category."))
    return value


@dataclass(frozen=True)
class ArticleListArgs:
    """What the article list accepts."""

    lang: str | None = params.arg(_lang)
    category: str | None = params.arg(_category)
    updated_since: dt.date | None = params.arg(parse_since)
    page: int = params.arg(params.number("page", 1, ARTICLES_MAX_PAGE))
    limit: int = params.arg(
        params.number("limit", ARTICLES_DEFAULT_LIMIT, ARTICLES_MAX_LIMIT)
    )


@bp.get("/articles")
def articles() -> Response:
    """A page of published articles, newest first, filtered by lang/category/date."""
    try:
        found_args = params.parse(ArticleListArgs, request.args)
    except params.ParamError as exc:
        invalid(exc.field, exc.message)
    page, limit = found_args.page, found_args.limit
    found = library().listed(
        found_args.lang, found_args.category, found_args.updated_since
    )
    shown = found[(page - 1) * limit : page * limit]
    payload = {
        "page": page,
        "pages": math.ceil(len(found) / limit),
        "count": len(found),
        "items": [
            {
                "slug": a.slug,
                "lang": a.lang,
                "title": a.title,
                "summary": a.summary,
                "category": a.category,
                "updated": a.updated.isoformat(),
                "url": article_url(a.lang, a.slug, external=True),
            }
            for a in shown
        ],
    }
    return cached_json(payload, last_modified(found))


@bp.get("/articles/<slug>")
def article(slug: str) -> Response:
    """One published article with its sections and translations."""
    lib = library()
    found = lib.get(slug)
    if found is None:
        moved = lib.redirect_for(slug)
        if moved is not None:
            # Relative endpoint: the alias redirects within /api, v1 within /api/v1.
            return redirect(url_for(".article", slug=moved.slug), 301)
        not_found("slug", _l("No published article has this slug."))
    rendered = lib.rendered(found.slug)
    url = article_url(found.lang, found.slug, external=True)
    others = {
        lang: other
        for lang in LANGS
        if lang != found.lang and (other := lib.translation_of(found, lang))
    }
    payload = {
        "slug": found.slug,
        "title": found.title,
        "summary": found.summary,
        "lang": found.lang,
        "category": found.category,
        "tags": list(found.tags),
        "updated": found.updated.isoformat(),
        "url": url,
        "html": rendered.html,
        "sections": [
            {
                "level": h.level,
                "anchor": h.anchor,
                "title": h.text,
                "url": f"{url}#{h.anchor}",
            }
            for h in rendered.headings
        ],
        "translations": {
            lang: article_url(lang, other.slug, external=True)
            for lang, other in others.items()
        },
    }
    return cached_json(payload, last_modified([found, *others.values()]))


legacy.add_url_rule("/articles/<slug>", view_func=article, methods=["GET"])

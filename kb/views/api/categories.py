"""GET /api/v1/categories: keys, titles and article counts per language."""

from __future__ import annotations

from flask import jsonify
from werkzeug.wrappers import Response

from kb.services.search import LANGS
from kb.storage.articles import Category
from kb.views.api import bp
from kb.views.context import library
from kb.views.urls import absolute_url


@bp.get("/categories")
def categories() -> Response:
    """Categories that have published articles, with per-language titles/counts."""
    lib = library()
    counts: dict[str, dict[str, int]] = {}
    found: dict[str, Category] = {}
    for lang in LANGS:
        for item in lib.category_counts(lang):
            found.setdefault(item.category.key, item.category)
            counts.setdefault(item.category.key, {})[lang] = item.count
    ordered = sorted(found.values(), key=lambda c: (c.order, c.key))
    return jsonify(
        items=[
            {
                "key": c.key,
                "titles": {lang: c.title(lang) for lang in LANGS},
                "counts": {lang: counts[c.key].get(lang, 0) for lang in LANGS},
                "urls": {
                    lang: absolute_url("public.category", lang=lang, key=c.key)
                    for lang in LANGS
                    if counts[c.key].get(lang)
                },
            }
            for c in ordered
        ]
    )

"""The URLs built once per language are the ones ``url_for`` builds each time."""

from __future__ import annotations

import pytest
from flask import url_for

from kb.views import urls

QUERIES = [
    {"q": "paket telat", "language": "id"},
    {"q": "a&b #c / d?e=f", "language": "all", "category": "payments"},
    {"q": "ongkir ✓ “quoted” 100%", "language": None, "category": None},
    {"q": "", "language": "en", "page": 2},
    {"q": "x+y", "category": "account", "page": 3},
]


@pytest.mark.parametrize("values", QUERIES)
@pytest.mark.parametrize("lang", ["id", "en"])
def test_search_urls_are_url_for_urls(make_app, lang: str, values: dict) -> None:
    app = make_app(index=False)
    with app.test_request_context("/"):
        assert urls.search_url(lang, **values) == url_for(
            "public.search", lang=lang, **values
        )


@pytest.mark.parametrize("script_root", ["", "/help"])
def test_frame_and_article_urls_are_url_for_urls(make_app, script_root: str) -> None:
    app = make_app(index=False)
    for lang in ("id", "en"):
        with app.test_request_context("/", base_url=f"http://localhost{script_root}/"):
            chrome = urls.chrome_urls(lang)
            assert chrome["css"] == url_for("static", filename="css/jawab.css")
            assert chrome["css"].startswith(f"{script_root}/static/")
            assert chrome["home"] == url_for("public.home", lang=lang)
            assert chrome["contact"] == url_for("tickets.contact", lang=lang)
            assert chrome["suggest"] == url_for("api.suggest")
            for slug in ("reset-password", "a_b-9"):
                assert urls.article_href(lang, slug) == url_for(
                    "public.article", lang=lang, slug=slug
                )


def test_kept_frame_urls_are_bounded(make_app) -> None:
    app = make_app(index=False)
    for n in range(urls.CHROME_KEYS * 2):
        with app.test_request_context("/", base_url=f"http://localhost/p{n}/"):
            assert urls.chrome_urls("id")["home"] == f"/p{n}/id/"
    assert len(app.extensions["jawab.chrome_urls"]) <= urls.CHROME_KEYS

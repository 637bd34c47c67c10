"""A short link in a real browser: the redirect lands on the section, and the
article page counts the reply's view once, by its ``r=``, as the long link does."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from flask import Flask
from helpers import rows, serve
from playwright.sync_api import expect

from kb.services import events, short_links
from kb.storage import db
from kb.storage.models import ArticleViewLog

pytestmark = pytest.mark.browser
CODE = "k7m2p9qa"


@pytest.fixture()
def links_app(make_app) -> Flask:
    app = make_app(RATELIMIT_ENABLED=False)
    with app.test_request_context("/"):
        short_links.shorten(
            db.session(),
            code=CODE,
            slug="forgot-password",  # an old slug: the article was renamed
            lang="en",
            anchor="if-you-forgot",  # and so was the section
            platform="instagram",
        )
    return app


@pytest.fixture()
def base(links_app: Flask) -> Iterator[str]:
    yield from serve(links_app)


def _views(app: Flask) -> list[ArticleViewLog]:
    deadline = time.monotonic() + 5
    while True:
        events.recorder(app).flush()
        found = rows(app, ArticleViewLog)
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_the_short_link_opens_the_section_and_counts_one_reply_view(
    browser, base: str, links_app: Flask
) -> None:
    context = browser.new_context(locale="en-US")
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        page.goto(f"{base}/s/{CODE}")
        expect(page).to_have_url(
            re.compile(
                r"/en/articles/reset-password\?src=instagram"
                rf"&s=if-you-forgot-your-password&r={CODE}#if-you-forgot-your-password$"
            )
        )
        expect(page.locator("#if-you-forgot-your-password")).to_be_in_viewport()
        views = _views(links_app)
        # The same visit following the link again is the same view.
        page.goto(f"{base}/s/{CODE}")
        expect(page).to_have_url(re.compile(rf"r={CODE}"))
        time.sleep(0.5)
        views = _views(links_app)
    finally:
        context.close()
    # As the long link: the platform from src=, the reply from r=.
    assert [(v.slug, v.reply_code, v.source) for v in views] == [
        ("reset-password", CODE, "instagram")
    ]

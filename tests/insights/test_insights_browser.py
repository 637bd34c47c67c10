"""Insights in a real browser: the feedback widget and search counting with
JavaScript (a visit id in sessionStorage, the beacon), and the report pages —
axe-core finds nothing at 375 and 1280 px, light and dark. Screenshots go to
``$JAWAB_SHOTS`` when it is set."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe import describe, violations
from flask import Flask
from helpers import PASSWORD, add_staff, rows, serve, shot
from playwright.sync_api import Page, expect

from kb.services import events
from kb.storage.db import standalone_session
from kb.storage.models import SearchLog, VoteLog

pytestmark = pytest.mark.browser
EDITOR = "editor@tokorona.example"
SIZES = {"375": {"width": 375, "height": 800}, "1280": {"width": 1280, "height": 900}}
SHOTS = os.environ.get("JAWAB_SHOTS")


@pytest.fixture()
def seeded_app(make_app, database_url: str) -> Flask:
    """A migrated app with an editor, some history, and no rate limits."""
    app = make_app(DATABASE_URL=database_url, RATELIMIT_ENABLED=False)
    add_staff(app, EDITOR, "editor", name="Dewi")
    with app.app_context(), standalone_session() as db:
        batch: list = []
        for n in range(4):
            visit = f"visit-seed{n:04d}"
            batch += [
                events.SearchPerformed(
                    events.new_key(),
                    "garansi gadget",
                    "id",
                    0,
                    False,
                    False,
                    "page",
                    visit,
                ),
                events.SearchPerformed(
                    f"seedkey{n:05d}",
                    "reset password",
                    "en",
                    3,
                    False,
                    False,
                    "page",
                    visit,
                    "reset-password",
                ),
                events.SearchClicked(f"seedkey{n:05d}", "reset-password", 1),
                events.ArticleViewed("reset-password", "en", "search", visit),
                events.Voted(
                    events.new_key(),
                    "reset-password",
                    "if-you-forgot-your-password",
                    "en",
                    n != 0,
                    visit,
                ),
            ]
        events.write(db, batch)
    return app


@pytest.fixture()
def base(seeded_app: Flask) -> Iterator[str]:
    yield from serve(seeded_app)


def _no_horizontal_scroll(page: Page) -> None:
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= page.viewport_size["width"] + 1, f"page is {wide}px wide"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_feedback_and_search_with_javascript(browser, base, seeded_app) -> None:
    context = browser.new_context(bypass_csp=True, locale="en-US")
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        page.goto(f"{base}/en/search")
        page.locator("#q").fill("password")
        page.locator("#q").press("Enter")
        expect(page.locator(".result-list")).to_be_visible()
        page.locator(".result h3 a").first.click()
        expect(page).to_have_url(re.compile(r"/en/articles/reset-password"))
        page.wait_for_load_state("load")  # "No" is a plain link until insights.js runs
        footer = page.locator(".article-footer [data-feedback]")
        footer.get_by_role("link", name="No").click()
        expect(footer.locator("[data-feedback-reasons]")).to_be_visible()
        footer.get_by_label("A step is missing").check()
        footer.get_by_role("button", name="Send").click()
        expect(footer.locator("[data-feedback-status]")).to_have_text(
            "Thank you. We will use it to improve this page."
        )
        visit = page.evaluate("JSON.parse(sessionStorage.getItem('jawab-visit')).id")
        assert re.fullmatch(r"[0-9a-f]{24}", visit)
        assert not page.context.cookies() or all(
            visit not in c["value"] for c in page.context.cookies()
        )
    finally:
        context.close()
    events.recorder(seeded_app).flush()
    mine = [r for r in rows(seeded_app, SearchLog) if r.visit_id == visit]
    assert [(r.query, r.clicked_slug, r.clicked_rank) for r in mine] == [
        ("password", "reset-password", 1)
    ]
    [vote] = [r for r in rows(seeded_app, VoteLog) if r.visit_id == visit]
    assert (vote.helpful, vote.reason, vote.section) == (False, "missing_step", "")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", ["375", "1280"])
def test_report_pages_and_widget_pass_axe(browser, base, scheme, size) -> None:
    context = browser.new_context(
        bypass_csp=True, viewport=SIZES[size], color_scheme=scheme, locale="en-US"
    )
    context.set_default_timeout(10_000)
    failures = []
    try:
        page = context.new_page()
        page.goto(f"{base}/en/articles/reset-password")
        page.locator(".article-footer [data-feedback]").get_by_role(
            "link", name="No"
        ).click()
        expect(page.locator(".article-footer [data-feedback-reasons]")).to_be_visible()
        found = violations(page)
        if found:
            failures.append(f"article widget: {describe(found)}")
        _no_horizontal_scroll(page)
        page.locator(".article-footer").scroll_into_view_if_needed()
        if SHOTS:
            page.locator(".article-footer").screenshot(
                path=str(Path(SHOTS) / f"widget-{size}-{scheme}.png")
            )
        page.goto(f"{base}/en/articles/reset-password/feedback?helpful=no")
        found = violations(page)
        if found:
            failures.append(f"feedback form: {describe(found)}")
        shot(page, f"feedback-form-{size}-{scheme}")
        page.goto(f"{base}/agent/login")
        page.get_by_label("Email", exact=True).fill(EDITOR)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page).not_to_have_url(re.compile(r"/agent/login"))
        for name, url in (
            ("overview", "/admin/reports/"),
            ("search", "/admin/reports/search?tab=zero"),
            ("articles", "/admin/reports/articles"),
            ("public", "/admin/reports/public"),
            ("team", "/admin/reports/team"),
            ("replies", "/agent/replies/"),
        ):
            page.goto(base + url)
            found = violations(page)
            if found:
                failures.append(f"{url}: {describe(found)}")
            if page.viewport_size["width"] <= 375:
                _no_horizontal_scroll(page)
            shot(page, f"report-{name}-{size}-{scheme}")
    finally:
        context.close()
    assert not failures, "\n".join(failures)

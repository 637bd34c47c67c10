"""The quick answer and weak matches on the search page, in a real browser.

axe-core clean at 375 and 1280 px in light and dark; the answer sits above the
results and its "Yes" is recorded through the beacon.
Screenshots for people to look at: SEARCH_SHOTS=/some/folder pytest ...
"""

from __future__ import annotations

import os

import pytest
from axe import describe, violations
from playwright.sync_api import Browser, expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

SHOTS = os.environ.get("SEARCH_SHOTS")
ANSWERED = "/en/search?q=reset+password"
WEAK = "/en/search?q=bicycle+password"


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_quick_answer_and_weak_matches_are_axe_clean(
    browser: Browser, ticket_url: str, width: int, scheme: str
) -> None:
    context = browser.new_context(
        viewport={"width": width, "height": 800}, color_scheme=scheme, bypass_csp=True
    )
    page = context.new_page()
    for what, path in [("quick-answer", ANSWERED), ("weak-matches", WEAK)]:
        page.goto(f"{ticket_url}{path}")
        found = violations(page)
        assert not found, f"axe-core on {what} at {width} px, {scheme}:\n" + describe(
            found
        )
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, f"{what} scrolls sideways at {width} px ({wide} px)"
        if SHOTS:
            page.screenshot(
                path=f"{SHOTS}/search-{what}-{width}-{scheme}.png", full_page=True
            )
    page.goto(f"{ticket_url}{ANSWERED}")
    answer = page.locator("section.quick-answer")
    expect(answer.locator(".quick-answer-text")).to_be_visible()
    first = page.locator("li.result").first
    assert answer.bounding_box()["y"] < first.bounding_box()["y"]
    page.goto(f"{ticket_url}{WEAK}")
    expect(page.locator("#results-heading")).to_have_text(
        "Nothing matched well — closest articles"
    )
    expect(page.locator("section.quick-answer")).to_have_count(0)
    context.close()


def test_the_quick_answer_vote_goes_through_the_beacon(
    browser: Browser, ticket_url: str
) -> None:
    page = browser.new_page()
    page.goto(f"{ticket_url}{ANSWERED}")
    box = page.locator("section.quick-answer")
    box.get_by_role("link", name="Yes").click()
    expect(box.locator("[data-feedback-status]")).to_have_text(
        "Thank you for your answer."
    )
    expect(box.get_by_role("link", name="Yes")).to_have_attribute(
        "aria-current", "true"
    )
    page.close()

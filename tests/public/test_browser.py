"""A real browser (Debian Chromium via Playwright) on a live server."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from helpers import serving
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
PROJECT = Path(__file__).resolve().parents[2]


def test_search_then_read_an_article(browser, live_url) -> None:
    page = browser.new_page()
    page.goto(f"{live_url}/en/")
    page.get_by_label("Search the help center").fill("forgot password")
    page.keyboard.press("Enter")
    page.wait_for_url("**/en/search?q=forgot+password*")
    assert page.get_by_role("heading", name="results for").is_visible()
    page.get_by_role("link", name="Reset your password").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "Reset your password"
    assert page.get_by_role("navigation", name="On this page").is_visible()
    page.close()


def test_language_switch_goes_to_the_translation(browser, live_url) -> None:
    page = browser.new_page()
    page.goto(f"{live_url}/en/articles/reset-password")
    page.locator("a.lang-switch").click()
    page.wait_for_url("**/id/articles/lupa-kata-sandi")
    assert page.get_by_role("heading", level=1).inner_text() == "Lupa kata sandi"
    page.goto(f"{live_url}/")
    assert page.url.endswith("/id/")
    page.close()


def test_copy_link_to_a_section(browser, live_url) -> None:
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(f"{live_url}/en/articles/reset-password")
    page.locator('a.section-link[data-section="if-the-code-does-not-arrive"]').click()
    expect(page.locator("#live-region")).to_have_text("Link copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    section = "if-the-code-does-not-arrive"
    # ?s= makes link previews show the section; the #fragment scrolls to it.
    assert copied == f"{live_url}/en/articles/reset-password?s={section}#{section}"
    context.close()


def test_old_anchor_lands_on_the_renamed_section(browser, live_url) -> None:
    page = browser.new_page()
    page.goto(f"{live_url}/en/articles/reset-password#if-you-forgot")
    expect(page).to_have_url(re.compile(r"#if-you-forgot-your-password$"))
    page.close()


def test_keyboard_skip_link_and_focus(browser, live_url) -> None:
    page = browser.new_page()
    page.goto(f"{live_url}/en/articles/reset-password")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.is_visible()
    outline = skip.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none"
    page.close()


@pytest.mark.parametrize(
    "path", ["/en/", "/id/search?q=kata+sandi", "/en/articles/reset-password"]
)
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_usable_at_320px(browser, live_url, path: str, scheme: str) -> None:
    page = browser.new_page(viewport={"width": 320, "height": 640}, color_scheme=scheme)
    page.goto(f"{live_url}{path}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"{path} scrolls sideways at 320 px ({width} px)"
    page.close()


# Sample articles (articles/) whose "#" after a heading sits near a phone's right
# edge: "Tautan disalin" centred over it made the page 378-402 px wide at 375 px.
NEAR_THE_EDGE = (
    "id/articles/pesanan-terlambat",
    "id/articles/metode-pembayaran",
    "id/articles/jam-layanan-dan-waktu-respons",
    "en/articles/cash-on-delivery",
)


def test_the_copied_tooltip_stays_inside_a_phone_screen(
    browser, make_app, tmp_path
) -> None:
    sample = tmp_path / "sample"
    shutil.copytree(PROJECT / "articles", sample)
    app = make_app(ARTICLES_DIR=str(sample), index=False)
    context = browser.new_context(
        viewport={"width": 375, "height": 800},
        permissions=["clipboard-read", "clipboard-write"],
        has_touch=True,
    )
    page = context.new_page()
    width = "document.documentElement.scrollWidth"
    with serving(app) as url:
        for path in NEAR_THE_EDGE:
            page.goto(f"{url}/{path}")
            assert page.evaluate(width) <= 375, path
            links = page.locator("a.section-link")
            for n in range(links.count()):
                links.nth(n).click()
                copied = "Tautan disalin" if path.startswith("id/") else "Link copied"
                expect(links.nth(n)).to_have_attribute("data-tooltip", copied)
                assert page.evaluate(width) <= 375, (path, n)
            # The open section menu's "Copy link" and the share box's.
            buttons = page.locator("button.copy-button:visible")
            for n in range(buttons.count()):
                buttons.nth(n).click()
                expect(buttons.nth(n)).to_have_attribute("data-tooltip", copied)
                assert page.evaluate(width) <= 375, (path, "copy button", n)
    context.close()

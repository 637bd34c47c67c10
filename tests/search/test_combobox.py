"""Search as you type: the ARIA combobox on every search box, in a real browser."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

HINT = "Use the up and down arrows to choose."


@pytest.fixture()
def page(browser) -> Iterator[Page]:
    page = browser.new_page()
    yield page
    page.close()


def search_box(page: Page):
    return page.get_by_role("combobox", name="Search the help center")


def suggestions(page: Page):
    return page.get_by_role("listbox", name="Suggested articles")


def test_typing_suggests_articles(page: Page, live_url: str) -> None:
    page.goto(f"{live_url}/en/")
    box = search_box(page)
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_attribute("aria-autocomplete", "list")
    box.press_sequentially("pass")
    option = suggestions(page).get_by_role("option", name="Reset your password")
    expect(option).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    listbox_id = suggestions(page).get_attribute("id")
    expect(box).to_have_attribute("aria-controls", listbox_id)
    expect(page.locator("#live-region")).to_have_text(f"1 suggestion. {HINT}")


def test_arrow_down_then_enter_opens_the_article(page: Page, live_url: str) -> None:
    page.goto(f"{live_url}/en/")
    box = search_box(page)
    box.press_sequentially("pass")
    option = page.get_by_role("option", name="Reset your password")
    expect(option).to_be_visible()
    expect(box).not_to_have_attribute("aria-activedescendant", re.compile("."))
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", option.get_attribute("id"))
    expect(option).to_have_attribute("aria-selected", "true")
    expect(box).to_be_focused()
    box.press("Enter")
    expect(page).to_have_url(f"{live_url}/en/articles/reset-password")


def test_arrows_wrap_around(page: Page, live_url: str) -> None:
    page.goto(f"{live_url}/en/")
    box = search_box(page)
    box.press_sequentially("re")
    options = suggestions(page).get_by_role("option")
    expect(options).to_have_count(2)
    expect(page.locator("#live-region")).to_have_text(f"2 suggestions. {HINT}")
    first, last = (options.nth(i).get_attribute("id") for i in (0, 1))
    box.press("ArrowUp")
    expect(box).to_have_attribute("aria-activedescendant", last)
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", first)
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", last)
    expect(options.nth(0)).not_to_have_attribute("aria-selected", "true")
    # Home goes back to editing the text: no option is active any more.
    box.press("Home")
    expect(box).not_to_have_attribute("aria-activedescendant", re.compile("."))
    expect(box).to_have_value("re")


def test_escape_closes_then_clears(page: Page, live_url: str) -> None:
    page.goto(f"{live_url}/en/")
    box = search_box(page)
    box.press_sequentially("pass")
    expect(suggestions(page)).to_be_visible()
    box.press("ArrowDown")
    box.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).not_to_have_attribute("aria-activedescendant", re.compile("."))
    expect(page.locator(".suggestions")).to_be_hidden()
    expect(box).to_have_value("pass")
    # ArrowDown opens the list again, on the first option.
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("option", name="Reset your password")).to_have_attribute(
        "aria-selected", "true"
    )
    box.press("Escape")
    box.press("Escape")
    expect(box).to_have_value("")
    expect(box).to_have_attribute("aria-expanded", "false")


def test_enter_without_a_choice_submits_the_search(page: Page, live_url: str) -> None:
    page.goto(f"{live_url}/en/")
    box = search_box(page)
    box.press_sequentially("pass")
    expect(suggestions(page)).to_be_visible()
    box.press("Enter")
    page.wait_for_url("**/en/search?q=pass*")
    expect(page.get_by_role("heading", level=1)).to_have_text("Search results")
    expect(search_box(page)).to_have_value("pass")


def test_click_an_option_or_outside(page: Page, live_url: str) -> None:
    page.goto(f"{live_url}/en/")
    box = search_box(page)
    box.press_sequentially("refund")
    expect(suggestions(page)).to_be_visible()
    page.get_by_role("heading", level=1).click()
    expect(suggestions(page)).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    box.fill("")
    box.press_sequentially("refund")
    page.get_by_role("option", name="How long refunds take").click()
    expect(page).to_have_url(f"{live_url}/en/articles/refund-times")


def test_tab_closes_and_moves_on(page: Page, live_url: str) -> None:
    page.goto(f"{live_url}/en/")
    box = search_box(page)
    box.press_sequentially("pass")
    expect(suggestions(page)).to_be_visible()
    box.press("Tab")
    expect(suggestions(page)).to_be_hidden()
    expect(page.get_by_role("button", name="Search")).to_be_focused()


def test_other_language_when_the_page_language_has_none(
    page: Page, live_url: str
) -> None:
    page.goto(f"{live_url}/en/")
    search_box(page).press_sequentially("lupa")
    option = page.get_by_role("option", name=re.compile("^Lupa kata sandi"))
    expect(option).to_be_visible()
    expect(option).to_have_attribute("lang", "id")
    expect(option.locator(".suggestion-lang")).to_have_text("ID")


def test_indonesian_page_speaks_indonesian(page: Page, live_url: str) -> None:
    page.goto(f"{live_url}/id/")
    box = page.get_by_role("combobox")
    box.press_sequentially("sandi")
    expect(page.get_by_role("listbox", name="Artikel yang disarankan")).to_be_visible()
    expect(page.get_by_role("option", name="Lupa kata sandi")).to_be_visible()
    expect(page.locator("#live-region")).to_have_text(re.compile(r"^1 saran\."))


def test_header_search_on_an_article(page: Page, live_url: str) -> None:
    page.goto(f"{live_url}/id/articles/lupa-kata-sandi")
    box = page.locator("#header-q")
    expect(box).to_have_attribute("role", "combobox")
    box.press_sequentially("metode")
    option = page.get_by_role("option", name="Metode pembayaran")
    expect(option).to_be_visible()
    box.press("ArrowDown")
    box.press("Enter")
    expect(page).to_have_url(f"{live_url}/id/articles/metode-pembayaran")


def test_no_request_for_an_empty_box(page: Page, live_url: str) -> None:
    asked: list[str] = []
    page.on("request", lambda r: "/api/suggest" in r.url and asked.append(r.url))
    page.goto(f"{live_url}/en/")
    box = search_box(page)
    box.press_sequentially("re")
    expect(suggestions(page)).to_be_visible()
    assert all("lang=en" in url for url in asked)
    box.fill("   ")
    expect(suggestions(page)).to_be_hidden()
    box.press("ArrowDown")
    count = len(asked)
    page.wait_for_timeout(400)
    assert len(asked) == count


def test_the_form_still_works_when_the_api_fails(page: Page, live_url: str) -> None:
    page.route("**/api/suggest*", lambda route: route.abort())
    page.goto(f"{live_url}/en/")
    box = search_box(page)
    box.press_sequentially("pass")
    page.wait_for_timeout(400)
    expect(suggestions(page)).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    box.press("Enter")
    page.wait_for_url("**/en/search?q=pass*")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(
    "path, field", [("/en/", "#q"), ("/en/articles/reset-password", "#header-q")]
)
def test_popup_at_320px_without_layout_shift(
    browser, live_url: str, path: str, field: str, scheme: str
) -> None:
    boxes = {}
    for js in (False, True):
        context = browser.new_context(
            viewport={"width": 320, "height": 640},
            color_scheme=scheme,
            java_script_enabled=js,
        )
        page = context.new_page()
        page.goto(f"{live_url}{path}")
        boxes[js] = page.locator(field).bounding_box()
        if js:
            page.locator(field).press_sequentially("re")
            listbox = suggestions(page)
            expect(listbox).to_be_visible()
            popup = listbox.bounding_box()
            # Right below the field, at least as wide, inside the screen.
            assert popup["width"] >= boxes[js]["width"] - 1
            assert popup["y"] >= boxes[js]["y"] + boxes[js]["height"]
            assert popup["x"] >= 0 and popup["x"] + popup["width"] <= 320
            assert page.evaluate("document.documentElement.scrollWidth") <= 320
            # Above the page: the topmost element under an option is the option.
            option = listbox.get_by_role("option").last
            hit = option.evaluate(
                "el => { const r = el.getBoundingClientRect();"
                " return el.contains(document.elementFromPoint("
                "r.x + r.width / 2, r.y + r.height / 2)); }"
            )
            assert hit
        else:
            expect(page.locator(field)).not_to_have_attribute("role", "combobox")
            expect(page.locator(".suggestions")).to_have_count(0)
        context.close()
    assert boxes[True] == boxes[False]


def test_without_javascript_the_plain_form_works(browser, live_url: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_url}/en/")
    page.get_by_label("Search the help center").fill("pass")
    page.keyboard.press("Enter")
    page.wait_for_url("**/en/search?q=pass*")
    expect(page.get_by_role("listbox")).to_have_count(0)
    context.close()

"""Customer pages in a real browser: axe-core clean at 320, 375 and 1280 px in light
and dark, results first on a phone, section menus, previews and live form errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from axe import describe, violations
from playwright.sync_api import Browser, Page, expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

SECTION = "if-the-code-does-not-arrive"
WIDE_TABLE = """---
title: Delivery times by courier
lang: en
category: payments
summary: How long each courier takes, island by island.
---

Times are working days.

## Couriers

| Courier | Java | Sumatra | Kalimantan | Sulawesi | Papua | Bali and Nusa Tenggara |
|---|---|---|---|---|---|---|
| RonaExpress same-day delivery | 1 | 2–3 | 3–4 | 3–5 | 5–9 | 2–4 |
| Regular national courier | 2–3 | 3–5 | 4–6 | 4–7 | 7–14 | 3–5 |
"""


@pytest.fixture()
def site(articles_dir: Path, ticket_url: str) -> str:
    """The app over a migrated database, with a wide-table article, on loopback."""
    # Articles reload on every request in tests, so the new file is seen at once.
    (articles_dir / "payments" / "delivery-times.md").write_text(WIDE_TABLE)
    return ticket_url


def open_ticket(page: Page, site: str) -> str:
    """Send the contact form; return the acknowledgement's secret link."""
    page.goto(f"{site}/en/contact?article=reset-password")
    page.get_by_label("Your name").fill("Ana")
    page.get_by_label("Email", exact=True).fill("ana@example.com")
    page.get_by_label("Subject").fill("Cannot log in")
    page.get_by_label("Message").fill("The reset code never arrives.")
    page.get_by_role("button", name="Send privately").click()
    return page.get_by_label("Your private link").input_value()


def assert_clean(page: Page, what: str) -> None:
    found = violations(page)
    assert not found, f"axe-core on {what}:\n{describe(found)}"


@pytest.mark.parametrize("width", [320, 375, 1280])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_public_page_is_axe_clean(
    browser: Browser, site: str, width: int, scheme: str
) -> None:
    # bypass_csp lets axe's script in; Jawab's own pages run under the CSP as usual.
    context = browser.new_context(
        viewport={"width": width, "height": 740}, color_scheme=scheme, bypass_csp=True
    )
    page = context.new_page()
    for what, path in [
        ("home", "/en/"),
        ("home in Indonesian", "/id/"),
        ("search with results", "/en/search?q=password"),
        ("search with no results", "/en/search?q=zebracorn"),
        ("corrected search", "/en/search?q=pasword"),
        ("category", "/en/categories/payments"),
        ("article", "/en/articles/reset-password"),
        ("article with a wide table", "/en/articles/delivery-times"),
        ("article opened at a section", f"/en/articles/reset-password?s={SECTION}"),
        ("new link", "/en/contact/new-link"),
        ("old ticket link", "/t/JWB-ZZZZZ/not-a-token"),
        ("404", "/en/articles/nope"),
    ]:
        page.goto(f"{site}{path}")
        assert_clean(page, f"{what} ({path}) at {width} px, {scheme}")
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, f"{what} scrolls sideways at {width} px ({wide} px)"
    # The filter menu and a section menu, opened.
    page.goto(f"{site}/en/search?q=password")
    page.locator(".filter-menu summary").click()
    assert_clean(page, f"the open filter menu at {width} px, {scheme}")
    page.goto(f"{site}/en/articles/reset-password")
    page.locator(f'a.section-link[data-section="{SECTION}"]').click()
    expect(page.locator(f"#tools-{SECTION}")).to_be_visible()
    assert_clean(page, f"an open section menu at {width} px, {scheme}")
    # Contact with errors, the acknowledgement, the ticket.
    page.goto(f"{site}/en/contact")
    page.get_by_role("button", name="Send privately").click()
    expect(page.locator("#error-summary")).to_be_visible()
    assert_clean(page, f"contact with errors at {width} px, {scheme}")
    link = open_ticket(page, site)
    assert_clean(page, f"the acknowledgement at {width} px, {scheme}")
    page.goto(link)
    expect(page.locator("ol.conversation")).to_be_visible()
    assert_clean(page, f"the ticket page at {width} px, {scheme}")
    width_now = page.evaluate("document.documentElement.scrollWidth")
    assert width_now <= width, f"the ticket page scrolls sideways ({width_now} px)"
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_on_a_phone_the_first_result_is_on_the_first_screen(
    browser: Browser, site: str, scheme: str
) -> None:
    page = browser.new_page(viewport={"width": 375, "height": 667}, color_scheme=scheme)
    page.goto(f"{site}/en/search?q=password")
    first = page.locator("li.result").first
    box = first.bounding_box()
    assert box is not None
    assert box["y"] + 60 <= 667, f"the first result starts at {box['y']} px"
    # Its title, crumbs and snippet: the snippet is never more than two lines.
    snippet = first.locator(".result-snippet")
    lines = snippet.evaluate(
        "el => Math.round(el.getBoundingClientRect().height /"
        " parseFloat(getComputedStyle(el).lineHeight))"
    )
    assert lines <= 2
    page.close()


def test_filters_apply_at_once_without_javascript(browser: Browser, site: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{site}/en/search?q=kata+sandi")
    page.get_by_text("Filter", exact=True).click()
    page.get_by_role("link", name="All languages", exact=True).click()
    expect(page).to_have_url(re.compile(r"language=all"))
    expect(page.get_by_role("link", name="Lupa kata sandi")).to_be_visible()
    context.close()


def test_table_of_contents_comes_before_the_body_for_the_keyboard(
    browser: Browser, site: str
) -> None:
    page = browser.new_page()
    page.goto(f"{site}/en/articles/reset-password")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")  # the skip link still goes to the main content
    toc = page.get_by_role("navigation", name="On this page")
    for _ in range(12):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.closest('.toc, .article-body')")
        if focused is not None:
            break
    in_toc = page.evaluate("!!document.activeElement.closest('.toc')")
    assert in_toc, "the first link reached after the header is not in the contents"
    expect(toc).to_be_visible()
    page.close()


def test_wide_table_scrolls_in_a_labelled_focusable_region(
    browser: Browser, site: str
) -> None:
    page = browser.new_page(viewport={"width": 375, "height": 740})
    page.goto(f"{site}/en/articles/delivery-times")
    region = page.get_by_role("region", name="Table")
    region.focus()
    expect(region).to_be_focused()
    scrolls = region.evaluate("el => el.scrollWidth > el.clientWidth")
    assert scrolls
    for _ in range(5):
        page.keyboard.press("ArrowRight")  # the keyboard scrolls the focused region
    page.wait_for_timeout(500)
    assert region.evaluate("el => el.scrollLeft") > 0
    page.close()


def test_section_menu_copies_a_preview_link_and_offers_help(
    browser: Browser, site: str
) -> None:
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(f"{site}/en/articles/reset-password")
    button = page.locator(f'a.section-link[data-section="{SECTION}"]')
    expect(button).to_have_attribute("aria-expanded", "false")
    button.click()
    expect(page.locator("#live-region")).to_have_text("Link copied")
    url = f"{site}/en/articles/reset-password?s={SECTION}#{SECTION}"
    assert page.evaluate("navigator.clipboard.readText()") == url
    menu = page.locator(f"#tools-{SECTION}")
    expect(menu).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "true")
    # Right under its heading, with share links and the way to more help.
    assert menu.evaluate("el => el.previousElementSibling.id") == SECTION
    expect(menu.get_by_role("link", name=re.compile("^WhatsApp"))).to_have_attribute(
        "href", re.compile(r"^https://wa\.me/\?text=")
    )
    expect(
        menu.get_by_role("link", name="Contact support about this article")
    ).to_have_attribute("href", "/en/contact?article=reset-password")
    menu.get_by_role("button", name="Copy link").focus()
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(button).to_be_focused()
    # The article's own share buttons copy the article's link.
    page.locator(".share").get_by_role("button", name="Copy link").click()
    expect(page.locator("#live-region")).to_have_text("Link copied")
    assert page.evaluate("navigator.clipboard.readText()") == (
        f"{site}/en/articles/reset-password"
    )
    context.close()


def test_a_section_link_opens_at_its_section(browser: Browser, site: str) -> None:
    page = browser.new_page(viewport={"width": 375, "height": 500})
    page.goto(f"{site}/en/articles/reset-password?s={SECTION}")
    expect(page).to_have_url(re.compile(rf"\?s={SECTION}#{SECTION}$"))
    expect(page.locator(f"#{SECTION}")).to_be_in_viewport()
    page.close()


def test_contact_errors_go_away_as_each_field_is_fixed(
    browser: Browser, site: str
) -> None:
    page = browser.new_page()
    page.goto(f"{site}/en/contact")
    page.get_by_label("Email", exact=True).fill("ana-at-example.com")
    page.get_by_role("button", name="Send privately").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    email = page.get_by_label("Email", exact=True)
    name = page.get_by_label("Your name")
    expect(email).to_have_attribute("aria-invalid", "true")
    # Still wrong: the error stays.
    email.fill("ana-at-example")
    expect(email).to_have_attribute("aria-invalid", "true")
    email.fill("ana@example.com")
    expect(email).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#email-error")).to_have_count(0)
    expect(summary.get_by_role("link", name=re.compile("^Email"))).to_have_count(0)
    expect(email).to_have_accessible_description(
        "We send the private link to your ticket here. It is never shown in public."
    )
    expect(name).to_have_attribute("aria-invalid", "true")
    name.fill("Ana")
    expect(name).not_to_have_attribute("aria-invalid", "true")
    page.get_by_label("Subject").fill("Cannot log in")
    page.get_by_label("Message").fill("The reset code never arrives.")
    expect(summary).to_be_hidden()  # every error fixed
    page.close()


def test_a_field_fixed_before_the_script_runs_loses_its_error(
    browser: Browser, site: str
) -> None:
    # On a slow line the customer can retype a field before the deferred script
    # runs; CI once filled the email that early and the error stayed for good.
    page = browser.new_page()
    page.goto(f"{site}/en/contact")
    script = re.compile(r"/static/js/jawab\.js")
    page.route(script, lambda route: route.abort())
    page.get_by_label("Email", exact=True).fill("ana-at-example.com")
    page.get_by_role("button", name="Send privately").click()
    email = page.get_by_label("Email", exact=True)
    expect(email).to_have_attribute("aria-invalid", "true")
    email.fill("ana@example.com")
    page.unroute(script)
    page.add_script_tag(
        url=page.locator("script[src*='jawab.js']").get_attribute("src")
    )
    expect(email).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#email-error")).to_have_count(0)
    expect(page.get_by_label("Your name")).to_have_attribute("aria-invalid", "true")
    page.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_input_type_looks_alike(browser: Browser, site: str, scheme: str) -> None:
    page = browser.new_page(color_scheme=scheme)
    page.goto(f"{site}/en/contact")
    page.evaluate(
        """() => {
        const form = document.querySelector('.ticket-form');
        for (const type of ['password', 'url', 'tel', 'number', 'date']) {
            const input = document.createElement('input');
            input.type = type; input.id = 'probe-' + type;
            form.prepend(input);
        }
    }"""
    )

    def look(selector: str) -> tuple:
        return page.locator(selector).evaluate(
            "el => { const s = getComputedStyle(el); return [s.backgroundColor,"
            " s.borderTopColor, s.borderRadius, s.minHeight, s.width] }"
        )

    reference = look("#email")
    for kind in ("password", "url", "tel", "number", "date"):
        assert look(f"#probe-{kind}") == reference, kind
    page.close()


def test_login_checkbox_label_sits_beside_its_box(browser: Browser, site: str) -> None:
    page = browser.new_page(viewport={"width": 320, "height": 640})
    page.goto(f"{site}/agent/login")
    box = page.locator("input[type=checkbox]").bounding_box()
    label = page.locator("label[for=remember]").bounding_box()
    assert box and label
    assert label["x"] >= box["x"] + box["width"]  # beside, never under the box
    page.close()


@pytest.mark.parametrize("width", [375, 1280])
def test_home_shows_compact_topics_and_most_useful_early(
    browser: Browser, site: str, width: int
) -> None:
    page = browser.new_page(viewport={"width": width, "height": 667})
    page.goto(f"{site}/en/")
    popular = page.get_by_role("heading", name="Most useful articles").bounding_box()
    assert popular and popular["y"] < 2 * 667
    contact = page.get_by_role("link", name="Contact support").first
    expect(contact).to_be_visible()
    assert contact.inner_text().strip()  # a word, not only an icon
    page.close()

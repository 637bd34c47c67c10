"""The private contact form and ticket page, used like a customer in a real browser."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect

pytestmark = [
    pytest.mark.browser,
    # The browser journey needs one migrated database; SQLite is enough here
    # (test_tickets.py covers PostgreSQL).
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

HANDOFF = (
    "/contact?article=reset-password&thread=https://x.com/a/1&platform=x&case=C-12"
)
PLATFORM = "Where did this come up? (optional)"
THREAD = "Link to the post or thread (optional)"


def fill_contact_form(page: Page, email: str = "ana@example.com") -> None:
    page.get_by_label("Your name").fill("Ana")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Subject").fill("Cannot log in")
    page.get_by_label("Message").fill("The reset code never arrives.\nOrder 1234.")


def test_from_a_social_answer_to_a_closed_ticket(browser, ticket_url: str) -> None:
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()

    # A handoff link from a public answer opens the form in the article's language.
    page.goto(f"{ticket_url}{HANDOFF}")
    expect(page).to_have_url(re.compile(r"/en/contact\?"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Contact support privately"
    )
    expect(page.get_by_role("note")).to_contain_text(
        "You are continuing from our answer “Reset your password”"
    )
    platform = page.get_by_label(PLATFORM)
    expect(platform).to_have_value("x")
    expect(platform.locator("option:checked")).to_have_text("X")
    expect(page.get_by_label(THREAD)).to_have_value("https://x.com/a/1")

    # Typing the subject suggests articles that may already answer it.
    page.get_by_label("Your name").fill("Ana")
    page.get_by_label("Email", exact=True).fill("ana-at-example.com")
    subject = page.get_by_label("Subject")
    subject.press_sequentially("password")
    suggestions = page.locator("#subject-suggestions")
    answer = suggestions.get_by_role("link", name="Reset your password")
    expect(answer).to_be_visible()
    # The suggestion is a plain link to the article (its opening is recorded by
    # a POST beacon, see test_opening_a_suggestion_records_one_deflection).
    expect(answer).to_have_attribute("href", "/en/articles/reset-password")
    expect(suggestions).to_contain_text("These articles may answer your question:")
    expect(suggestions.get_by_role("listitem").first).to_have_text(
        "Reset your password"
    )
    # Too short for a suggestion: the list goes away.
    subject.fill("pa")
    expect(suggestions.get_by_role("link")).to_have_count(0)
    subject.fill("password")
    expect(answer).to_be_visible()
    page.get_by_label("Message").fill("The reset code never arrives.\nOrder 1234.")

    # An invalid email: the error is shown and nothing typed is lost.
    page.get_by_role("button", name="Send privately").click()
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("Please check the form")
    expect(summary).to_be_focused()
    email = page.get_by_label("Email", exact=True)
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(
        re.compile(r"This doesn't look like an email address\.$")
    )
    expect(page.locator(".field--error .field-error")).to_have_text(
        "This doesn't look like an email address."
    )
    expect(page.get_by_label("Your name")).to_have_value("Ana")
    expect(email).to_have_value("ana-at-example.com")
    expect(subject).to_have_value("password")
    expect(page.get_by_label("Message")).to_have_value(
        "The reset code never arrives.\nOrder 1234."
    )
    expect(page.get_by_label(PLATFORM)).to_have_value("x")
    expect(page.get_by_label(THREAD)).to_have_value("https://x.com/a/1")
    expect(page.get_by_role("note")).to_be_visible()
    # The summary's link takes the customer to the field.
    summary.get_by_role("link", name=re.compile("^Email")).click()
    expect(email).to_be_focused()

    email.fill("ana@example.com")
    page.get_by_role("button", name="Send privately").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "We received your message"
    )
    reference = page.get_by_text(re.compile(r"^Your reference is JWB-\w+\.$"))
    expect(reference).to_be_visible()
    secret = page.get_by_label("Your private link")
    link = secret.input_value()
    assert link.startswith(f"{ticket_url}/t/JWB-")

    # Copy the private link.
    page.get_by_role("button", name="Copy link").click()
    expect(page.locator("#live-region")).to_have_text("Link copied")
    assert page.evaluate("navigator.clipboard.readText()") == link

    # The link opens the ticket: subject and message are there.
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("password")
    conversation = page.locator("ol.conversation")
    expect(conversation.locator(".message--customer")).to_contain_text(
        "The reset code never arrives."
    )

    # Reply, then close the ticket.
    page.get_by_label("Your reply").fill("Still nothing after an hour.")
    page.get_by_role("button", name="Send reply").click()
    expect(conversation.locator(".message--customer").last).to_contain_text(
        "Still nothing after an hour."
    )
    page.get_by_role("button", name="My problem is solved — close this ticket").click()
    expect(page.get_by_role("button", name="Reopen this ticket")).to_be_visible()
    expect(conversation.locator(".message--system")).to_contain_text(
        "You closed this ticket."
    )
    expect(page.get_by_label("Your reply")).to_have_count(0)
    context.close()


def test_the_honeypot_is_out_of_sight_and_out_of_the_tab_order(
    browser, ticket_url: str
) -> None:
    page = browser.new_page()
    page.goto(f"{ticket_url}/en/contact")
    expect(page.locator("#website")).not_to_be_in_viewport()
    page.get_by_label(THREAD).focus()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Send privately")).to_be_focused()
    page.close()


def test_copy_button_waits_for_the_script(browser, ticket_url: str) -> None:
    """Without JavaScript there is no dead button; the link is still selectable."""
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{ticket_url}/en/contact")
    fill_contact_form(page)
    page.get_by_role("button", name="Send privately").click()
    expect(page.get_by_label("Your private link")).to_be_visible()
    expect(page.get_by_role("button", name="Copy link")).to_have_count(0)
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_contact_and_ticket_pages_fit_320px(
    browser, ticket_url: str, scheme: str
) -> None:
    page = browser.new_page(viewport={"width": 320, "height": 640}, color_scheme=scheme)

    def assert_fits(what: str) -> None:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{what} scrolls sideways at 320 px ({width} px)"

    page.goto(f"{ticket_url}{HANDOFF}")
    expect(page.get_by_role("note")).to_be_visible()
    assert_fits("the contact form")
    page.get_by_label("Subject").press_sequentially("password")
    expect(
        page.locator("#subject-suggestions").get_by_role("link").first
    ).to_be_visible()
    page.get_by_role("button", name="Send privately").click()
    expect(page.locator("#error-summary")).to_be_visible()
    assert_fits("the contact form with errors")
    fill_contact_form(page)
    page.get_by_role("button", name="Send privately").click()
    secret = page.get_by_label("Your private link")
    expect(secret).to_be_visible()
    assert_fits("the acknowledgement")
    page.goto(secret.input_value())
    expect(page.locator("ol.conversation")).to_be_visible()
    assert_fits("the ticket page")
    page.close()


def test_opening_a_suggestion_records_one_deflection(
    ticket_url: str, database_url: str, browser
) -> None:
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    from kb.storage.models import Deflection

    page = browser.new_page(locale="en-US")
    page.goto(f"{ticket_url}/en/contact")
    page.get_by_label("Subject").press_sequentially("password")
    page.locator("#subject-suggestions").get_by_role(
        "link", name="Reset your password"
    ).click()
    expect(page).to_have_url(re.compile(r"/en/articles/reset-password$"))
    engine = create_engine(database_url)
    deadline = time.monotonic() + 5
    found: list = []
    while not found and time.monotonic() < deadline:
        with Session(engine) as db:
            found = list(db.scalars(select(Deflection)).all())
        time.sleep(0.1)
    engine.dispose()
    assert [d.article_slug for d in found] == ["reset-password"]
    page.close()

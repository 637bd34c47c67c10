"""The whole loop in a real browser: a public thread handed off to the private
form, the customer's ticket, the agent's reply with a section link, and the
customer reading it through the private link."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from helpers import PASSWORD, add_staff, browser_sign_in, serve
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

AGENT_EMAIL = "agent@tokorona.example"
AGENT_PASSWORD = PASSWORD
SECTION_TEXT = "Reset your password — If the code does not arrive"


@pytest.fixture()
def loop_app(make_app, database_url: str) -> Flask:
    """The app over a migrated database, with one agent and no rate limits."""
    app = make_app(DATABASE_URL=database_url, RATELIMIT_ENABLED=False)
    add_staff(app, AGENT_EMAIL, "agent", name="Sari")
    return app


@pytest.fixture()
def loop_url(loop_app: Flask) -> Iterator[str]:
    """Serve ``loop_app`` on a free loopback port."""
    yield from serve(loop_app)


def sign_in(page: Page, base: str) -> None:
    browser_sign_in(page, base, AGENT_EMAIL, AGENT_PASSWORD)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_handoff_ticket_reply_loop(browser, loop_url: str) -> None:
    agent_context = browser.new_context()
    customer_context = browser.new_context()
    agent_context.set_default_timeout(10_000)
    customer_context.set_default_timeout(10_000)
    try:
        agent = agent_context.new_page()
        customer = customer_context.new_page()

        # 1. The agent turns the public thread into a case.
        sign_in(agent, loop_url)
        agent.goto(f"{loop_url}/agent/handoff")
        expect(agent.get_by_role("heading", level=1)).to_have_text("Hand off a thread")
        agent.get_by_label("Link to the public post or thread").fill(
            "https://x.com/tokorona/status/1"
        )
        agent.get_by_label("Platform").select_option(label="X")
        agent.get_by_label("Customer's public handle (optional)").fill("@budi")
        # Issue 10: the article is found by search, not typed as a slug.
        agent.get_by_label("Find the article to link (optional)").fill("password")
        agent.get_by_role("button", name="Find").click()
        agent.get_by_role("radio", name="Reset your password (English)").check()
        agent.get_by_role("button", name="Create case").click()

        expect(agent).to_have_url(re.compile(r"/agent/cases/C-[\w-]+$"))
        case_url = agent.url
        case_code = case_url.rsplit("/", 1)[1]
        expect(agent.get_by_role("heading", level=1)).to_have_text(f"Case {case_code}")
        expect(agent.locator(".composer-case")).to_contain_text("@budi")
        handoff = agent.get_by_label("Handoff link", exact=True)
        expect(handoff).to_have_value(re.compile(r"/contact\?.*case=C-"))
        handoff_link = handoff.input_value()
        assert handoff_link.startswith(f"{loop_url}/contact?"), handoff_link
        assert f"case={case_code}" in handoff_link
        # Issue 10: a case's link carries only its code; the case knows the rest.
        assert handoff_link == f"{loop_url}/contact?case={case_code}"
        expect(agent.locator("#reply-text")).to_have_value(
            re.compile(re.escape(handoff_link))
        )
        expect(agent.get_by_text("No ticket yet.")).to_be_visible()

        # 2. The customer follows the link and writes privately.
        customer.goto(handoff_link)
        expect(customer).to_have_url(re.compile(r"/en/contact\?"))
        expect(customer.get_by_role("note")).to_contain_text(
            "You are continuing from our answer"
        )
        expect(customer.get_by_role("note")).to_contain_text("Reset your password")
        customer.get_by_label("Your name").fill("Budi")
        customer.get_by_label("Email", exact=True).fill("budi@example.com")
        customer.get_by_label("Subject").fill("Reset code never arrives")
        customer.get_by_label("Message").fill(
            "I asked for a reset code twice and nothing came."
        )
        customer.get_by_role("button", name="Send privately").click()
        expect(customer.get_by_role("heading", level=1)).to_have_text(
            "We received your message"
        )
        lead = customer.get_by_text(re.compile(r"^Your reference is JWB-\w+\.$"))
        expect(lead).to_be_visible()
        reference = re.search(r"JWB-\w+", lead.inner_text()).group(0)
        private_link = customer.locator("#secret-link").input_value()
        assert private_link.startswith(f"{loop_url}/t/JWB-"), private_link

        # 3. The agent finds the ticket in the queue by its reference.
        agent.goto(f"{loop_url}/agent/")
        expect(agent.get_by_role("heading", level=1)).to_have_text("Ticket queue")
        # Issue 10: the header's ticket search; the row's link is its subject and
        # the customer's email is on their name (hover).
        header_search = agent.get_by_role("search", name="Tickets")
        header_search.get_by_role("searchbox").fill(reference)
        header_search.get_by_role("searchbox").press("Enter")
        row = agent.get_by_role("row").filter(has_text=reference)
        expect(row).to_have_count(1)
        expect(row).to_contain_text("Reset code never arrives")
        expect(row.locator('[title="budi@example.com"]')).to_have_text("Budi")
        row.get_by_role("link", name="Reset code never arrives").click()
        expect(agent).to_have_url(f"{loop_url}/agent/tickets/{reference}")
        agent.wait_for_load_state(
            "load"
        )  # the picker below works in place once agent.js runs
        expect(agent.get_by_role("heading", level=1)).to_have_text(
            "Reset code never arrives"
        )
        expect(agent.locator(".conversation")).to_contain_text(
            "I asked for a reset code twice and nothing came."
        )

        # 4. The link picker finds the article and inserts one section's link.
        picker = agent.locator("#link-picker")
        picker.get_by_label("Search the knowledge base").fill("reset password")
        picker.get_by_role("button", name="Search").click()
        picker.get_by_role("button", name="Reset your password (en)").click()
        expect(picker).to_contain_text("Sections of this article: Reset your password")
        picker.get_by_role("button", name="If the code does not arrive").click()
        body = agent.get_by_label("Message", exact=True)
        expected_link = (
            f"[{SECTION_TEXT}]({loop_url}/en/articles/reset-password"
            "#if-the-code-does-not-arrive)"
        )
        expect(body).to_have_value(expected_link)
        expect(body).to_be_focused()
        body.press("End")
        body.press_sequentially(" explains what to do.")
        agent.get_by_label("Reply to customer").check()
        agent.locator("#reply").get_by_role("button", name="Send reply").click()
        expect(agent.locator(".agent-flash")).to_have_text(
            "Reply sent to the customer."
        )
        latest = agent.locator("#latest")
        expect(latest).to_contain_text(SECTION_TEXT)
        # Issue 22: staff see who wrote it (it used to say "Support team").
        expect(latest.locator(".message-meta")).to_contain_text("Sari")

        # 5. The customer reads the answer through the private link.
        customer.goto(private_link)
        expect(customer.get_by_text(reference).first).to_be_visible()
        conversation = customer.locator(".message-body").filter(has_text=SECTION_TEXT)
        expect(conversation).to_have_count(1)
        expect(customer.locator("#latest .message-meta")).to_contain_text(
            "Sari · Support team"
        )
        # The agent's Markdown link arrives as a real link to the section.
        link = conversation.get_by_role("link", name=SECTION_TEXT)
        expect(link).to_have_attribute(
            "href", f"{loop_url}/en/articles/reset-password#if-the-code-does-not-arrive"
        )
        expect(conversation).to_contain_text("explains what to do.")

        # The case lists the ticket opened through it.
        agent.goto(case_url)
        tickets = agent.locator(".composer-tickets")
        expect(tickets).to_contain_text(reference)
        expect(tickets).to_contain_text("Reset code never arrives")
        expect(agent.get_by_text("No ticket yet.")).to_have_count(0)
    finally:
        agent_context.close()
        customer_context.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_composer_speaks_the_agents_language_and_warns_only_when_over(
    browser, loop_url: str
) -> None:
    context = browser.new_context(locale="en-US")
    try:
        page = context.new_page()
        sign_in(page, loop_url)
        page.goto(
            f"{loop_url}/agent/reply?article=lupa-kata-sandi&lang=id"
            "&tone=casual&platform=x"
        )
        expect(page.get_by_role("heading", level=1)).to_have_text("Public reply")
        expect(page.locator("#reply-text")).to_contain_text("Kak")
        expect(page.locator("#over-warning")).to_be_hidden()
        page.locator("#reply-text").fill("x" * 300)
        expect(page.locator("#over-warning")).to_be_visible()
    finally:
        context.close()

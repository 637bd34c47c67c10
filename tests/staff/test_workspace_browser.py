"""The staff workspace in a real browser: the main agent flows at 375 and 1280 px,
light and dark, axe-core clean on every staff page, no sideways page scroll, and
a keyboard-only run "open ticket → insert a section link → reply → set status".

Set ``JAWAB_SHOTS=<folder>`` to also save a screenshot of every page state.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe import describe, violations
from flask import Flask
from helpers import add_staff, browser_sign_in, serve
from playwright.sync_api import Page, expect
from sqlalchemy import update

from kb.services import cases, composer, tickets
from kb.storage.db import standalone_session
from kb.storage.models import Ticket

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

AGENT = "sari@tokorona.example"
ADMIN = "ayu@tokorona.example"
SIZES = {"phone": (375, 800), "desktop": (1280, 900)}
SHOTS = os.environ.get("JAWAB_SHOTS")


def _seed(app: Flask) -> dict[str, str]:
    """A morning's queue: tickets of every kind, a case, canned responses."""
    add_staff(app, AGENT, "agent", name="Sari Agent")
    add_staff(app, ADMIN, "admin", name="Ayu Admin")
    now = dt.datetime.now(dt.UTC)
    made: dict[str, str] = {}
    with app.app_context(), standalone_session() as db:
        case = cases.create(
            db,
            cases.CaseInput(
                thread_url="https://x.com/tokorona/status/1",
                platform="x",
                handle="@budi",
                article_slug="reset-password",
            ),
        )
        made["case"] = case.code
        rows = [
            ("Reset code never arrives", "en", "urgent", "new", 95, "x", case.code),
            (
                "Refund belum masuk sejak minggu lalu",
                "id",
                "high",
                "open",
                30,
                "",
                None,
            ),
            ("Where is my order?", "en", "normal", "waiting", 90, "instagram", None),
            ("Paylater ditolak", "id", "low", "new", 60 * 50, "tiktok", None),
            ("Old question, answered", "en", "normal", "closed", 60 * 80, "", None),
        ]
        for subject, lang, priority, status, minutes, platform, code in rows:
            opened = tickets.open_ticket(
                db,
                tickets.TicketInput(
                    name="Budi Santoso",
                    email="budi@example.com",
                    subject=subject,
                    message=(
                        "I asked for a reset code three times and nothing came. "
                        "I checked the spam folder too. What should I do now?"
                    ),
                    lang=lang,
                    category="account" if lang == "en" else "payments",
                    platform=platform or None,
                    case_code=code,
                ),
                lambda r, t: f"http://x/t/{r}/{t}",
            )
            db.execute(
                update(Ticket)
                .where(Ticket.reference == opened.reference)
                .values(
                    priority=priority,
                    status=status,
                    created_at=now - dt.timedelta(minutes=minutes),
                )
            )
            db.commit()
            made.setdefault("first", opened.reference)
        composer.save_canned(
            db, None, "Greeting", "en", "Hello {customer_name}, {agent_name} here."
        )
        composer.save_canned(
            db, None, "Salam", "id", "Halo {customer_name}, saya {agent_name}."
        )
    return made


@pytest.fixture()
def desk_app(make_app, database_url: str) -> Flask:
    """The app over a migrated SQLite database, without rate limits."""
    return make_app(DATABASE_URL=database_url, RATELIMIT_ENABLED=False)


@pytest.fixture()
def seeded(desk_app: Flask) -> dict[str, str]:
    """What :func:`_seed` made (the first ticket's reference, the case code)."""
    return _seed(desk_app)


@pytest.fixture()
def desk_url(desk_app: Flask, seeded) -> Iterator[str]:
    """Serve the seeded app on a free loopback port."""
    yield from serve(desk_app)


_sign_in = browser_sign_in


def _no_sideways_scroll(page: Page, name: str) -> None:
    wide = page.evaluate(
        "() => document.documentElement.scrollWidth - window.innerWidth"
    )
    if wide > 0:
        culprits = page.evaluate(
            """() => [...document.querySelectorAll('body *')]
                .filter(el => el.getBoundingClientRect().right > window.innerWidth
                    && !el.closest('.staff-views'))
                .slice(0, 5)
                .map(el => el.tagName + '.' + el.className)"""
        )
        pytest.fail(f"{name}: the page scrolls {wide}px sideways: {culprits}")


def _check(page: Page, name: str) -> None:
    found = violations(page)
    assert not found, f"{name}:\n{describe(found)}"
    _no_sideways_scroll(page, name)
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def _pages(base: str, seeded: dict[str, str]) -> dict[str, str]:
    ref = seeded["first"]
    return {
        "queue": "/agent/",
        "queue-all": "/agent/?view=all",
        "ticket": f"/agent/tickets/{seeded['first']}",
        "ticket-picker": f"/agent/tickets/{ref}?lq=password&la=reset-password",
        "composer": "/agent/reply?article=reset-password&lang=en&platform=tiktok",
        "handoff": "/agent/handoff",
        "case": f"/agent/cases/{seeded['case']}",
        "admin-templates": "/admin/reply-templates",
        "admin-template-edit": "/admin/reply-templates/en/casual/handoff",
        "admin-canned": "/admin/canned-responses",
        "admin-canned-edit": "/admin/canned-responses/1",
        "not-found": "/agent/tickets/JWB-00000",
    }


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", list(SIZES))
def test_every_staff_page_is_axe_clean_and_fits(
    browser, desk_url: str, seeded, size: str, scheme: str
) -> None:
    width, height = SIZES[size]
    context = browser.new_context(
        viewport={"width": width, "height": height},
        color_scheme=scheme,
        bypass_csp=True,
    )
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        _sign_in(page, desk_url, ADMIN)
        for name, path in _pages(desk_url, seeded).items():
            page.goto(desk_url + path)
            _check(page, f"{name}-{width}-{scheme}")
        agent = context.new_page()
        agent.context.clear_cookies()
        _sign_in(agent, desk_url, AGENT)
        agent.goto(f"{desk_url}/admin/reply-templates")
        expect(agent.get_by_role("heading", level=1)).to_have_text(
            "You don't have access to this page"
        )
        _check(agent, f"forbidden-{width}-{scheme}")
    finally:
        context.close()


def test_queue_views_counts_search_and_bulk(browser, desk_url: str, seeded) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        _sign_in(page, desk_url, AGENT)
        views = page.get_by_role("navigation", name="Ticket views")
        expect(views.get_by_role("link", name="All open 4")).to_be_visible()
        expect(views.get_by_role("link", name="Unassigned 4")).to_be_visible()
        expect(views.get_by_role("link", name="Waiting on us 3")).to_be_visible()
        rows = page.locator(".queue-list tbody tr")
        expect(rows).to_have_count(4)  # the closed one is hidden
        expect(page.locator(".queue-list")).not_to_contain_text("Old question")
        # A click anywhere on a row opens the ticket.
        rows.first.locator(".col-customer").click()
        expect(page).to_have_url(re.compile(r"/agent/tickets/JWB-"))
        page.get_by_role("search", name="Tickets").get_by_role("searchbox").fill(
            "answered"
        )
        page.keyboard.press("Enter")
        expect(page.locator(".queue-list tbody tr")).to_have_count(1)
        page.goto(f"{desk_url}/agent/")
        page.get_by_label(re.compile("Select JWB-")).first.check()
        page.get_by_label(re.compile("Select JWB-")).nth(1).check()
        page.locator("#bulk-action").select_option("assign")
        page.locator("#bulk-assignee").select_option(label="Sari Agent")
        page.get_by_role("button", name="Apply").click()
        expect(page.locator(".agent-flash")).to_have_text("2 tickets changed.")
        expect(views.get_by_role("link", name="Mine 2")).to_be_visible()
    finally:
        context.close()


def test_keyboard_only_link_reply_and_status(browser, desk_url: str, seeded) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        _sign_in(page, desk_url, AGENT)
        # Open the ticket from the queue with the keyboard only.
        page.get_by_role("link", name="Reset code never arrives").focus()
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"/agent/tickets/JWB-"))
        page.wait_for_load_state(
            "load"
        )  # the picker answers Enter in place once agent.js runs
        body = page.get_by_label("Message")
        body.focus()
        page.keyboard.type("Hi Budi, please follow ")
        # Tab to the picker's search box, search, choose the article and a section.
        search = page.get_by_label("Search the knowledge base")
        for _ in range(10):
            page.keyboard.press("Tab")
            if search.evaluate("el => el === document.activeElement"):
                break
        expect(search).to_be_focused()
        page.keyboard.type("password")
        page.keyboard.press("Enter")
        choice = page.get_by_role("button", name="Reset your password (en)")
        expect(choice).to_be_visible()
        page.keyboard.press("Tab")  # the search button
        page.keyboard.press("Tab")  # "all languages"
        page.keyboard.press("Tab")
        expect(choice).to_be_focused()
        page.keyboard.press("Enter")
        section = page.get_by_role("button", name="If the code does not arrive")
        expect(section).to_be_visible()
        section.focus()
        page.keyboard.press("Enter")
        expect(body).to_be_focused()
        expect(body).to_have_value(
            re.compile(
                r"^Hi Budi, please follow \[Reset your password — If the code does "
                r"not arrive\]\(http://127\.0\.0\.1:\d+/en/articles/reset-password"
                r"#if-the-code-does-not-arrive\)$"
            )
        )
        send = page.get_by_role("button", name="Send reply")
        send.focus()
        page.keyboard.press("Enter")
        expect(page.locator(".agent-flash")).to_have_text("Reply sent to the customer.")
        expect(page.locator("#latest")).to_contain_text("If the code does not arrive")
        # Set the status from the properties sidebar (saved on change).
        status = page.get_by_label("Status", exact=True)
        expect(status).to_have_value("waiting")  # set by the reply
        status.focus()
        page.keyboard.press("ArrowDown")  # a closed select changes in place
        expect(status).to_have_value("resolved")
        expect(page.locator(".save-status")).to_have_text("Saved")
        page.reload()
        expect(page.get_by_label("Status", exact=True)).to_have_value("resolved")
    finally:
        context.close()

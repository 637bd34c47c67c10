"""The pages of issue 11's staff features in a real browser — the account page
with a new token, "Add a synonym", badges and leaderboard settings, the
leaderboard and the team report with badges — axe-core finds nothing at 375 and
1280 px, light and dark, and no page scrolls sideways on a phone. Screenshots go
to ``$JAWAB_SHOTS`` when it is set."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from axe import describe, violations
from flask import Flask
from helpers import PASSWORD, add_staff, browser_sign_in, give_work, serve, shot
from playwright.sync_api import expect

from kb.services import events, recognition
from kb.storage.db import standalone_session

pytestmark = pytest.mark.browser
ADMIN = "admin@tokorona.example"
SIZES = {"375": {"width": 375, "height": 800}, "1280": {"width": 1280, "height": 900}}


@pytest.fixture()
def board_app(make_app, database_url: str) -> Flask:
    """A migrated app: an admin and two agents with work, a gap, the board on."""
    app = make_app(DATABASE_URL=database_url, RATELIMIT_ENABLED=False)
    add_staff(app, ADMIN, "admin", name="Sari Admin")
    add_staff(app, "ani@tokorona.example", "agent", name="Ani Wijaya")
    add_staff(app, "budi@tokorona.example", "agent", name="Budi Santoso")
    give_work(app, "ani@tokorona.example", settled=6, platform="instagram")
    give_work(app, "budi@tokorona.example", settled=2, articles=3, platform="instagram")
    with app.app_context(), standalone_session() as db:
        recognition.save(db, recognition.Settings(leaderboard=True))
        events.write(
            db,
            [
                events.SearchPerformed(
                    events.new_key(),
                    "warranty gadget",
                    "en",
                    0,
                    False,
                    False,
                    "page",
                    f"visit-gap{n:06d}",
                )
                for n in range(4)
            ],
        )
    return app


@pytest.fixture()
def base(board_app: Flask) -> Iterator[str]:
    yield from serve(board_app)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", ["375", "1280"])
def test_new_staff_pages_pass_axe(browser, base, scheme, size) -> None:
    context = browser.new_context(
        bypass_csp=True, viewport=SIZES[size], color_scheme=scheme, locale="en-US"
    )
    context.set_default_timeout(10_000)
    failures = []

    def check(name: str) -> None:
        found = violations(page)
        if found:
            failures.append(f"{name}: {describe(found)}")
        if size == "375":
            wide = page.evaluate("document.documentElement.scrollWidth")
            if wide > 376:
                failures.append(f"{name}: page is {wide}px wide")
        shot(page, f"{name}-{size}-{scheme}")

    try:
        page = context.new_page()
        browser_sign_in(page, base, ADMIN)
        page.goto(f"{base}/agent/account/")
        check("account")
        page.get_by_label("What is this token for?").fill("weekly sheet")
        page.get_by_role("button", name="Make a token").click()
        expect(page.locator("#new-token")).to_have_value(
            __import__("re").compile(r"^jwb_")
        )
        check("account-new-token")
        page.goto(f"{base}/admin/reports/search?lang=en&tab=zero")
        page.get_by_role("link", name="Add a synonym for “warranty gadget”").click()
        expect(page.get_by_label("When customers search for")).to_have_value(
            "warranty gadget"
        )
        check("add-synonym")
        page.get_by_label("also search for").fill("warranty gadget")
        page.get_by_role("button", name="Save and publish").click()
        expect(page.locator("#phrase-error")).to_be_visible()
        check("add-synonym-error")
        page.goto(f"{base}/admin/reports/settings")
        check("report-settings")
        page.goto(f"{base}/admin/reports/leaderboard")
        expect(page.locator("#board-caption")).to_be_visible()
        check("leaderboard")
        page.goto(f"{base}/admin/reports/team")
        expect(page.get_by_text("Settles threads").first).to_be_visible()
        check("team-badges")
    finally:
        context.close()
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_pages_in_indonesian_on_a_phone(browser, base) -> None:
    context = browser.new_context(
        bypass_csp=True, viewport=SIZES["375"], locale="id-ID"
    )
    context.set_default_timeout(10_000)
    failures = []
    try:
        page = context.new_page()
        page.goto(f"{base}/agent/login")
        page.get_by_label("Email", exact=True).fill(ADMIN)
        page.locator("input[type=password]").fill(PASSWORD)
        page.locator("form button[type=submit]").last.click()
        page.wait_for_url(lambda url: "/agent/login" not in url)
        for name, url, text in (
            ("account", "/agent/account/", "Token API"),
            (
                "add-synonym",
                "/editor/synonyms/add?term=garansi&lang=id",
                "Tambah sinonim",
            ),
            ("report-settings", "/admin/reports/settings", "Lencana"),
            ("leaderboard", "/admin/reports/leaderboard", "Papan peringkat"),
            ("team-badges", "/admin/reports/team", "Menuntaskan utas"),
        ):
            page.goto(base + url)
            expect(page.get_by_text(text).first).to_be_visible()
            found = violations(page)
            if found:
                failures.append(f"{url}: {describe(found)}")
            wide = page.evaluate("document.documentElement.scrollWidth")
            if wide > 376:
                failures.append(f"{url}: page is {wide}px wide")
            shot(page, f"{name}-375-light-id")
    finally:
        context.close()
    assert not failures, "\n".join(failures)

"""Issue 23's pages in a real browser: an admin invites someone from /admin/staff,
the invitation arrives over SMTP, the newcomer chooses a password through it and
signs in; the person page, its confirmations, the audit log, "forgot password"
and /agent/account with its sign-ins. axe-core finds nothing at 320, 375 and
1280 px, light and dark, and no page scrolls sideways on a phone. Screenshots go
to ``$JAWAB_SHOTS`` when it is set."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from axe import page_problems
from flask import Flask
from helpers import (
    PASSWORD,
    MailCatcher,
    add_staff,
    browser_sign_in,
    serve,
    shot,
    wait_for_mail,
)
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
ADMIN = "sari@tokorona.example"
NEWCOMER = "dewi.lestari@tokorona.example"
NEW_PASSWORD = "plum orchard lantern river"
SIZES = {
    "320": {"width": 320, "height": 700},
    "375": {"width": 375, "height": 800},
    "1280": {"width": 1280, "height": 900},
}
LINK = re.compile(r"http://[^/\s]+(/agent/welcome/[A-Za-z0-9_-]+)")


@pytest.fixture()
def smtp() -> Iterator[MailCatcher]:
    with MailCatcher() as server:
        yield server


@pytest.fixture()
def team_app(make_app, database_url: str, smtp: MailCatcher) -> Iterator[Flask]:
    app = make_app(
        index=False, DATABASE_URL=database_url, RATELIMIT_ENABLED=False, **smtp.config()
    )
    add_staff(app, ADMIN, "admin", name="Sari Admin")
    add_staff(app, "budi@tokorona.example", "agent", name="Budi Santoso")
    yield app
    wait_for_mail()


@pytest.fixture()
def base(team_app: Flask) -> Iterator[str]:
    yield from serve(team_app)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", ["320", "375", "1280"])
def test_running_the_team_in_a_browser(browser, base, smtp, scheme, size) -> None:
    context = browser.new_context(
        bypass_csp=True, viewport=SIZES[size], color_scheme=scheme, locale="en-US"
    )
    context.set_default_timeout(10_000)
    failures = []

    def check(name: str) -> None:
        failures.extend(f"{name}: {p}" for p in page_problems(page, size))
        shot(page, f"{name}-{size}-{scheme}")

    try:
        page = context.new_page()
        browser_sign_in(page, base, ADMIN)
        page.goto(f"{base}/admin/staff/")
        check("staff")
        page.get_by_label("Email", exact=True).fill(NEWCOMER)
        page.get_by_label("Name (optional)").fill("Dewi Lestari")
        page.get_by_label("Role").select_option("editor")
        page.get_by_role("button", name="Send the invitation").click()
        expect(page.get_by_text(f"Invitation sent to {NEWCOMER}")).to_be_visible()
        check("staff-invited")
        page.get_by_label("Email", exact=True).fill("budi@tokorona.example")
        page.get_by_role("button", name="Send the invitation").click()
        expect(page.get_by_text("already has an account")).to_be_visible()
        check("staff-invite-error")

        page.get_by_role("link", name="Budi Santoso").click()
        expect(page.get_by_role("heading", name="Budi Santoso")).to_be_visible()
        check("person")
        page.get_by_role("link", name="Disable the account…").click()
        check("person-confirm-disable")
        page.get_by_role("button", name="Disable").click()
        expect(page.get_by_text("is disabled: every sign-in ended")).to_be_visible()
        check("person-disabled")
        page.goto(f"{base}/admin/staff/audit")
        expect(page.get_by_text("disabled", exact=True).first).to_be_visible()
        check("audit")

        (message,) = smtp.wait_for(1)
        found = LINK.search(message.get_body(("plain",)).get_content())
        assert found
        newcomer = context.browser.new_context(
            bypass_csp=True, viewport=SIZES[size], color_scheme=scheme, locale="en-US"
        )
        try:
            other = newcomer.new_page()
            other.goto(base + found.group(1))
            expect(
                other.get_by_role("heading", name="Welcome to the team")
            ).to_be_visible()
            page_was, page = page, other
            check("welcome")
            other.get_by_label("New password", exact=True).fill("dewi lestari password")
            other.get_by_label("New password again").fill("dewi lestari password")
            other.get_by_role("button", name="Save the password").click()
            expect(other.locator("#password-error")).to_be_visible()
            check("welcome-error")
            other.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
            other.get_by_label("New password again").fill(NEW_PASSWORD)
            other.get_by_role("button", name="Save the password").click()
            expect(other.get_by_text("Your password is set.")).to_be_visible()
            check("welcome-done")
            browser_sign_in(other, base, NEWCOMER, NEW_PASSWORD)
            other.goto(f"{base}/agent/account/")
            expect(other.get_by_text("Where you are signed in")).to_be_visible()
            check("account")
            other.get_by_label("Current password").fill("not the right one at all")
            other.get_by_label("New password", exact=True).fill(
                "another long passphrase"
            )
            other.get_by_label("New password again").fill("another long passphrase")
            other.get_by_role("button", name="Change the password").click()
            expect(
                other.get_by_text("This is not your current password.")
            ).to_be_visible()
            check("account-password-error")
            page = page_was
        finally:
            newcomer.close()
        page.goto(f"{base}/agent/forgot")
        check("forgot")
    finally:
        context.close()
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", ["320", "375", "1280"])
def test_turning_on_an_authenticator_app_and_signing_in_with_it(
    browser, base, scheme, size
) -> None:
    import time

    import pyotp

    context = browser.new_context(
        bypass_csp=True, viewport=SIZES[size], color_scheme=scheme, locale="en-US"
    )
    context.set_default_timeout(10_000)
    failures = []

    def check(name: str) -> None:
        failures.extend(f"{name}: {p}" for p in page_problems(page, size))
        shot(page, f"{name}-{size}-{scheme}")

    try:
        page = context.new_page()
        browser_sign_in(page, base, "budi@tokorona.example")
        page.goto(f"{base}/agent/account/")
        page.get_by_role("link", name="Manage the second factor").click()
        expect(
            page.get_by_role("img", name="QR code for your authenticator app")
        ).to_be_visible()
        check("mfa-enrol")
        secret = page.locator(".mfa-secret").inner_text()
        page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
        page.get_by_role("button", name="Turn it on").click()
        expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
        assert page.locator(".recovery-codes li").count() == 10
        check("mfa-recovery-codes")
        page.get_by_role("button", name="Sign out").click()
        page.get_by_label("Email", exact=True).fill("budi@tokorona.example")
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_label("Keep me signed in on this device").check()
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
        check("mfa-code")
        page.get_by_label("Code", exact=True).fill("000000")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text("This code is not right")).to_be_visible()
        check("mfa-code-error")
        page.get_by_label("Code", exact=True).fill(
            pyotp.TOTP(secret).at(time.time() + 30)
        )
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(re.compile(r"/agent/$"))
        page.goto(f"{base}/agent/account/mfa")
        expect(page.get_by_text("10 recovery codes left.")).to_be_visible()
        check("mfa-on")
    finally:
        context.close()
    assert not failures, "\n".join(failures)

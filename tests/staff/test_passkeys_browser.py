"""Passkeys (issue 23) in a real browser: Chromium's virtual authenticator
(DevTools ``WebAuthn.addVirtualAuthenticator``: CTAP2, internal, resident keys,
user verification) makes a real passkey on "My account"; the person signs out,
signs in with the password and the passkey, signs out, signs in with the passkey
alone, and removes it. axe-core finds nothing at 320, 375 and 1280 px, light
and dark, and no page scrolls sideways on a phone. Screenshots go to
``$JAWAB_SHOTS`` when it is set.

WebAuthn needs a secure context and a domain as the relying party: the server
listens on 127.0.0.1 and the browser opens it as ``localhost`` (secure over
http in Chromium), which is also ``KB_BASE_URL``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from axe import page_problems
from flask import Flask
from helpers import PASSWORD, add_staff, rows, serve, shot
from playwright.sync_api import expect

from kb.storage.models import AuditEntry, Passkey

pytestmark = pytest.mark.browser
PERSON = "budi@tokorona.example"
SIZES = {
    "320": {"width": 320, "height": 700},
    "375": {"width": 375, "height": 800},
    "1280": {"width": 1280, "height": 900},
}


@pytest.fixture()
def passkey_app(make_app, database_url: str) -> Flask:
    app = make_app(index=False, DATABASE_URL=database_url, RATELIMIT_ENABLED=False)
    add_staff(app, PERSON, "agent", name="Budi Santoso")
    return app


@pytest.fixture()
def base(passkey_app: Flask) -> Iterator[str]:
    for url in serve(passkey_app):
        local = url.replace("127.0.0.1", "localhost")
        passkey_app.config["BASE_URL"] = local
        yield local


def _sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").first.click()
    expect(page).to_have_url(re.compile(r"/agent/login"))


def _password(page, base: str) -> None:
    page.goto(f"{base}/agent/login")
    page.get_by_label("Email", exact=True).fill(PERSON)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", ["320", "375", "1280"])
def test_a_passkey_made_signed_in_with_and_removed(
    browser, base, passkey_app, scheme, size
) -> None:
    context = browser.new_context(
        bypass_csp=True, viewport=SIZES[size], color_scheme=scheme, locale="en-US"
    )
    context.set_default_timeout(10_000)
    failures = []

    def check(name: str) -> None:
        failures.extend(f"{name}: {p}" for p in page_problems(page, size))
        shot(page, f"passkey-{name}-{size}-{scheme}")

    try:
        page = context.new_page()
        cdp = page.context.new_cdp_session(page)
        cdp.send("WebAuthn.enable")
        authenticator = cdp.send(
            "WebAuthn.addVirtualAuthenticator",
            {
                "options": {
                    "protocol": "ctap2",
                    "transport": "internal",
                    "hasResidentKey": True,
                    "hasUserVerification": True,
                    "isUserVerified": True,
                    "automaticPresenceSimulation": True,
                }
            },
        )["authenticatorId"]
        _password(page, base)
        expect(page).to_have_url(re.compile(r"/agent/$"))
        page.goto(f"{base}/agent/account/mfa")
        expect(page.get_by_text("No passkeys yet.")).to_be_visible()
        expect(page.get_by_text("Passkeys need JavaScript")).to_be_hidden()
        check("account")
        # Without a name the browser is not even asked.
        page.get_by_role("button", name="Add a passkey").click()
        expect(page.get_by_text("No passkeys yet.")).to_be_visible()
        page.get_by_label("Name of the passkey").fill("work laptop")
        page.get_by_role("button", name="Add a passkey").click()
        expect(page.get_by_text("The passkey “work laptop” is added.")).to_be_visible()
        expect(page.get_by_role("rowheader", name="work laptop")).to_be_visible()
        check("added")
        credentials = cdp.send(
            "WebAuthn.getCredentials",
            {"authenticatorId": authenticator},
        )["credentials"]
        assert len(credentials) == 1 and credentials[0]["isResidentCredential"]

        # Password, then the passkey as the second factor.
        _sign_out(page)
        _password(page, base)
        expect(page.get_by_role("heading", name="Confirm it is you")).to_be_visible()
        check("second-step")
        page.get_by_role("button", name="Use a passkey").click()
        expect(page).to_have_url(re.compile(r"/agent/$"))

        # No password at all.
        _sign_out(page)
        check("sign-in")
        page.get_by_role("button", name="Sign in with a passkey").click()
        expect(page).to_have_url(re.compile(r"/agent/$"))

        page.goto(f"{base}/agent/account/mfa")
        expect(page.get_by_role("cell", name="never")).to_have_count(0)
        page.get_by_role("link", name="Remove “work laptop”").click()
        expect(
            page.get_by_role("heading", name="Remove the passkey “work laptop”?")
        ).to_be_visible()
        check("remove")
        page.get_by_role("button", name="Remove the passkey").click()
        expect(
            page.get_by_text("The passkey “work laptop” is removed.")
        ).to_be_visible()
        check("removed")
    finally:
        context.close()
    assert rows(passkey_app, Passkey) == []
    actions = [e.action for e in rows(passkey_app, AuditEntry)]
    assert actions == [
        "passkey_added",
        "passkey_used",
        "passkey_used",
        "passkey_removed",
    ]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_without_javascript_the_pages_say_so_and_passwords_still_work(
    browser, base
) -> None:
    context = browser.new_context(java_script_enabled=False, locale="en-US")
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        page.goto(f"{base}/agent/login")
        expect(page.get_by_text("Passkeys need JavaScript")).to_be_visible()
        expect(
            page.get_by_role("button", name="Sign in with a passkey")
        ).to_be_disabled()
        _password(page, base)
        expect(page).to_have_url(re.compile(r"/agent/$"))
        page.goto(f"{base}/agent/account/mfa")
        expect(page.get_by_text("Passkeys need JavaScript")).to_be_visible()
        expect(page.get_by_role("button", name="Add a passkey")).to_be_disabled()
    finally:
        context.close()

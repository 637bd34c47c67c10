"""Staff passkeys (issue 23): adding, listing and removing them on "My account",
the passkey as the second factor after the password, signing in without a
password, and the rules — single-use expiring challenges bound to the session,
the relying party from KB_BASE_URL, a cloned key refused, throttling, disabled
accounts, the audit log and `kb users reset-mfa`. A software authenticator
(tests/soft_authenticator.py) makes real keys and signatures; every test runs on
SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers import (
    PASSWORD,
    csrf,
    login,
    make_staff,
    rows,
    signed_in,
    staff_email,
)
from soft_authenticator import SoftAuthenticator
from sqlalchemy import update
from werkzeug.test import TestResponse

from kb.services import passkeys
from kb.storage.models import AuditEntry, Passkey, PasskeyChallenge, User

AGENT = staff_email("agent")
ORIGIN = "http://localhost"
CSRF_HEADER = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture()
def pk_app(make_app, database_url: str) -> Flask:
    app = make_app(
        index=False, DATABASE_URL=database_url, DEFAULT_LANG="en", BASE_URL=ORIGIN
    )
    make_staff(app, "agent", "admin")
    return app


def _token(client: FlaskClient, url: str) -> str:
    return csrf(client, url)


def _options(client: FlaskClient, url: str, page: str) -> TestResponse:
    return client.post(
        url,
        headers={"X-CSRFToken": _token(client, page), "Accept": "application/json"},
    )


def _add(
    client: FlaskClient, device: SoftAuthenticator, name: str = "work laptop"
) -> TestResponse:
    """Add a passkey through the page, as passkeys.js does."""
    options = _options(client, "/agent/account/passkeys/options", "/agent/account/mfa")
    assert options.status_code == 200, options.get_data(as_text=True)
    credential = device.create(options.get_data(as_text=True))
    return client.post(
        "/agent/account/passkeys",
        data={
            "csrf_token": _token(client, "/agent/account/mfa"),
            "name": name,
            "credential": credential,
        },
    )


def _passwordless(
    client: FlaskClient, device: SoftAuthenticator, **get: object
) -> TestResponse:
    options = _options(client, "/agent/login/passkey/options", "/agent/login")
    assert options.status_code == 200, options.get_data(as_text=True)
    credential = device.get(options.get_data(as_text=True), **get)  # type: ignore[arg-type]
    return client.post(
        "/agent/login/passkey",
        data={"csrf_token": _token(client, "/agent/login"), "credential": credential},
    )


def _second_step(client: FlaskClient, device: SoftAuthenticator) -> TestResponse:
    options = _options(client, "/agent/login/code/passkey/options", "/agent/login/code")
    assert options.status_code == 200, options.get_data(as_text=True)
    credential = device.get(options.get_data(as_text=True))
    return client.post(
        "/agent/login/code/passkey",
        data={
            "csrf_token": _token(client, "/agent/login/code"),
            "credential": credential,
        },
    )


def test_add_list_and_remove_a_passkey(pk_app) -> None:
    client = signed_in(pk_app, AGENT)
    page = client.get("/agent/account/mfa").get_data(as_text=True)
    assert "No passkeys yet." in page and "Passkeys need JavaScript" in page
    device = SoftAuthenticator(ORIGIN)
    added = _add(client, device, "  work   laptop ")
    assert added.status_code == 302, added.get_data(as_text=True)[:3000]
    page = client.get("/agent/account/mfa").get_data(as_text=True)
    assert "The passkey “work laptop” is added." in page
    assert '<th scope="row">work laptop</th>' in page and "never" in page
    (stored,) = rows(pk_app, Passkey)
    assert stored.name == "work laptop" and stored.sign_count == 0
    assert stored.public_key and stored.transports == "internal"
    account = client.get("/agent/account/").get_data(as_text=True)
    assert "On: signing in asks for one of your passkeys." in account
    # Removing asks first (a page), then takes a POST with the CSRF token.
    url = f"/agent/account/passkeys/{stored.id}/remove"
    ask = client.get(url).get_data(as_text=True)
    assert "Remove the passkey “work laptop”?" in ask
    assert client.post(url, data={}).status_code == 400
    done = client.post(url, data={"csrf_token": _token(client, url)})
    assert done.status_code == 302 and rows(pk_app, Passkey) == []
    actions = [e.action for e in rows(pk_app, AuditEntry)]
    assert actions == ["passkey_added", "passkey_removed"]


def test_someone_elses_passkey_cannot_be_removed(pk_app) -> None:
    admin = signed_in(pk_app, staff_email("admin"))
    assert _add(admin, SoftAuthenticator(ORIGIN)).status_code == 302
    (stored,) = rows(pk_app, Passkey)
    agent = signed_in(pk_app, AGENT)
    url = f"/agent/account/passkeys/{stored.id}/remove"
    assert agent.get(url).status_code == 404
    assert len(rows(pk_app, Passkey)) == 1


def test_a_passkey_needs_a_name_and_a_fresh_challenge(pk_app) -> None:
    client = signed_in(pk_app, AGENT)
    device = SoftAuthenticator(ORIGIN)
    nameless = _add(client, device, " ")
    assert nameless.status_code == 400
    assert "Give the passkey a name" in nameless.get_data(as_text=True)
    # Replaying an answer: its challenge was used (the session lost it, and the
    # database too, whatever an old cookie carries).
    options = _options(client, "/agent/account/passkeys/options", "/agent/account/mfa")
    credential = device.create(options.get_data(as_text=True))
    with client.session_transaction() as session:
        saved = dict(session["passkey_registration"])
    data = {"name": "phone", "credential": credential}
    first = client.post(
        "/agent/account/passkeys",
        data={**data, "csrf_token": _token(client, "/agent/account/mfa")},
    )
    assert first.status_code == 302
    with client.session_transaction() as session:
        session["passkey_registration"] = saved
    again = client.post(
        "/agent/account/passkeys",
        data={**data, "csrf_token": _token(client, "/agent/account/mfa")},
    )
    assert again.status_code == 400
    assert "expired or was used already" in again.get_data(as_text=True)
    assert len(rows(pk_app, Passkey)) == 1


def test_the_origin_must_be_the_base_url(pk_app) -> None:
    client = signed_in(pk_app, AGENT)
    phished = _add(client, SoftAuthenticator("http://localhost.evil.example"))
    assert phished.status_code == 400
    assert "could not be checked for this site" in phished.get_data(as_text=True)
    assert rows(pk_app, Passkey) == []


def test_the_relying_party_comes_from_the_base_url_not_the_host(pk_app) -> None:
    client = pk_app.test_client()
    client.environ_base["HTTP_HOST"] = "evil.example"
    assert login(client, AGENT).status_code == 302
    options = _options(client, "/agent/account/passkeys/options", "/agent/account/mfa")
    assert options.status_code == 200, options.get_data(as_text=True)[:2000]
    assert options.get_json()["rp"]["id"] == "localhost"
    assert passkeys.relying_party("https://help.tokorona.example:8443", "T") == (
        passkeys.RelyingParty(
            "help.tokorona.example", "https://help.tokorona.example:8443", "T"
        )
    )
    assert passkeys.relying_party("", "T") is None


def test_without_a_base_url_passkeys_are_not_offered(make_app, database_url) -> None:
    pk_app = make_app(index=False, DATABASE_URL=database_url, DEFAULT_LANG="en")
    make_staff(pk_app, "agent")
    client = signed_in(pk_app, AGENT)
    assert "Passkeys" not in client.get("/agent/account/mfa").get_data(as_text=True)
    assert _options(
        client, "/agent/account/passkeys/options", "/agent/account/mfa"
    ).status_code == (409)
    assert "Sign in with a passkey" not in pk_app.test_client().get(
        "/agent/login"
    ).get_data(as_text=True)


def test_a_passkey_is_the_second_factor_after_the_password(pk_app) -> None:
    device = SoftAuthenticator(ORIGIN)
    assert _add(signed_in(pk_app, AGENT), device).status_code == 302
    client = pk_app.test_client()
    first = login(client, AGENT, remember=True)
    assert first.headers["Location"] == "/agent/login/code"
    page = client.get("/agent/login/code").get_data(as_text=True)
    assert "Use a passkey" in page and "Confirm it is you" in page
    assert 'name="code"' not in page  # no pk_app: no code box
    assert client.get("/agent/").status_code == 302  # not signed in yet
    done = _second_step(client, device)
    assert done.status_code == 302 and done.headers["Location"] == "/agent/"
    assert client.get("/agent/").status_code == 200
    (stored,) = rows(pk_app, Passkey)
    assert stored.sign_count == 1 and stored.last_used_at is not None
    assert [
        e.detail for e in rows(pk_app, AuditEntry) if e.action == "passkey_used"
    ] == ["work laptop"]


def test_another_persons_passkey_is_no_second_factor(pk_app) -> None:
    mine, theirs = SoftAuthenticator(ORIGIN), SoftAuthenticator(ORIGIN)
    assert _add(signed_in(pk_app, AGENT), mine).status_code == 302
    assert _add(signed_in(pk_app, staff_email("admin")), theirs).status_code == 302
    client = pk_app.test_client()
    login(client, AGENT)
    options = _options(
        client, "/agent/login/code/passkey/options", "/agent/login/code"
    ).get_data(as_text=True)
    answer = theirs.get(options, credential=theirs.credentials[0])
    refused = client.post(
        "/agent/login/code/passkey",
        data={"csrf_token": _token(client, "/agent/login/code"), "credential": answer},
    )
    assert refused.status_code == 401
    assert client.get("/agent/").status_code == 302


def test_signing_in_without_a_password(pk_app) -> None:
    device = SoftAuthenticator(ORIGIN)
    assert _add(signed_in(pk_app, AGENT), device).status_code == 302
    client = pk_app.test_client()
    page = client.get("/agent/login").get_data(as_text=True)
    assert "Sign in with a passkey" in page
    options = _options(client, "/agent/login/passkey/options", "/agent/login")
    body = options.get_json()
    assert body["userVerification"] == "required" and body["allowCredentials"] == []
    assert options.headers["Cache-Control"] == "no-store"
    credential = device.get(options.get_data(as_text=True))
    done = client.post(
        "/agent/login/passkey?next=/agent/account",
        data={"csrf_token": _token(client, "/agent/login"), "credential": credential},
    )
    assert done.status_code == 302 and done.headers["Location"] == "/agent/account"
    assert client.get("/agent/").status_code == 200
    (entry,) = [e for e in rows(pk_app, AuditEntry) if e.action == "passkey_used"]
    assert entry.detail == "work laptop (no password)"


def test_passwordless_needs_user_verification(pk_app) -> None:
    device = SoftAuthenticator(ORIGIN)
    assert _add(signed_in(pk_app, AGENT), device).status_code == 302
    device.user_verified = False
    client = pk_app.test_client()
    refused = _passwordless(client, device)
    assert refused.status_code == 401
    assert "This passkey did not sign you in" in refused.get_data(as_text=True)
    assert client.get("/agent/").status_code == 302


def test_passwordless_can_be_turned_off(pk_app) -> None:
    device = SoftAuthenticator(ORIGIN)
    assert _add(signed_in(pk_app, AGENT), device).status_code == 302
    pk_app.config["STAFF_PASSKEY_SIGNIN"] = False
    client = pk_app.test_client()
    assert "Sign in with a passkey" not in client.get("/agent/login").get_data(
        as_text=True
    )
    token = _token(client, "/agent/login")
    assert (
        client.post(
            "/agent/login/passkey/options", headers={"X-CSRFToken": token}
        ).status_code
        == 404
    )
    # Still the second factor after the password.
    login(client, AGENT)
    assert _second_step(client, device).status_code == 302


def test_a_cloned_passkey_is_refused(pk_app) -> None:
    device = SoftAuthenticator(ORIGIN)
    assert _add(signed_in(pk_app, AGENT), device).status_code == 302
    assert _passwordless(pk_app.test_client(), device).status_code == 302
    assert _passwordless(pk_app.test_client(), device).status_code == 302
    # A copy of the key signs with a counter the server has already seen.
    clone = _passwordless(pk_app.test_client(), device, counter=1)
    assert clone.status_code == 401
    (stored,) = rows(pk_app, Passkey)
    assert stored.sign_count == 2


def test_a_passkey_that_does_not_count_keeps_working(pk_app) -> None:
    device = SoftAuthenticator(ORIGIN, counting=False)
    assert _add(signed_in(pk_app, AGENT), device).status_code == 302
    for _ in range(2):
        assert _passwordless(pk_app.test_client(), device).status_code == 302


def test_a_sign_in_challenge_works_once_and_expires(pk_app) -> None:
    device = SoftAuthenticator(ORIGIN, counting=False)
    assert _add(signed_in(pk_app, AGENT), device).status_code == 302
    client = pk_app.test_client()
    options = _options(client, "/agent/login/passkey/options", "/agent/login")
    with client.session_transaction() as session:
        saved = dict(session["passkey_sign_in"])
    credential = device.get(options.get_data(as_text=True))
    data = {"csrf_token": _token(client, "/agent/login"), "credential": credential}
    assert client.post("/agent/login/passkey", data=data).status_code == 302
    # The same answer again, with the old session's challenge put back.
    replay = pk_app.test_client()
    with replay.session_transaction() as session:
        session["passkey_sign_in"] = saved
    data["csrf_token"] = _token(replay, "/agent/login")
    assert replay.post("/agent/login/passkey", data=data).status_code == 401
    # Another session cannot use this one's challenge at all.
    other = pk_app.test_client()
    options = _options(client, "/agent/login/passkey/options", "/agent/login")
    credential = device.get(options.get_data(as_text=True))
    data = {"csrf_token": _token(other, "/agent/login"), "credential": credential}
    assert other.post("/agent/login/passkey", data=data).status_code == 400
    # Late: past two minutes, in the session and in the database.
    late = pk_app.test_client()
    options = _options(late, "/agent/login/passkey/options", "/agent/login")
    credential = device.get(options.get_data(as_text=True))
    with late.session_transaction() as session:
        pending = dict(session["passkey_sign_in"])
        pending["at"] -= passkeys.CHALLENGE_SECONDS + 1
        session["passkey_sign_in"] = pending
    data = {"csrf_token": _token(late, "/agent/login"), "credential": credential}
    assert late.post("/agent/login/passkey", data=data).status_code == 400


def test_an_expired_challenge_is_refused_by_the_database(pk_app) -> None:
    device = SoftAuthenticator(ORIGIN, counting=False)
    assert _add(signed_in(pk_app, AGENT), device).status_code == 302
    client = pk_app.test_client()
    options = _options(client, "/agent/login/passkey/options", "/agent/login")
    credential = device.get(options.get_data(as_text=True))
    from helpers import execute

    execute(
        pk_app,
        update(PasskeyChallenge).values(
            expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        ),
    )
    data = {"csrf_token": _token(client, "/agent/login"), "credential": credential}
    assert client.post("/agent/login/passkey", data=data).status_code == 401


def test_a_disabled_account_cannot_sign_in_with_a_passkey(pk_app) -> None:
    device = SoftAuthenticator(ORIGIN)
    assert _add(signed_in(pk_app, AGENT), device).status_code == 302
    from helpers import execute

    execute(pk_app, update(User).where(User.email == AGENT).values(active=False))
    client = pk_app.test_client()
    assert _passwordless(client, device).status_code == 401
    assert client.get("/agent/").status_code == 302


def test_passkey_failures_are_throttled(pk_app) -> None:
    pk_app.config["RATELIMIT_ENABLED"] = True
    device = SoftAuthenticator(ORIGIN)
    assert _add(signed_in(pk_app, AGENT), device).status_code == 302
    stranger = SoftAuthenticator(ORIGIN)
    stranger.create(
        '{"rp": {"id": "localhost"}, "user": {"id": "AA"}, "challenge": "AA"}'
    )
    client = pk_app.test_client()
    statuses = []
    for _ in range(12):
        options = _options(client, "/agent/login/passkey/options", "/agent/login")
        if options.status_code == 429:
            statuses.append(429)
            break
        credential = stranger.get(options.get_data(as_text=True))
        data = {"csrf_token": _token(client, "/agent/login"), "credential": credential}
        statuses.append(client.post("/agent/login/passkey", data=data).status_code)
    assert statuses[:10] == [401] * 10 and statuses[-1] == 429


def test_required_mode_is_satisfied_by_a_passkey(pk_app) -> None:
    pk_app.config.update(STAFF_MFA="required", STAFF_MFA_GRACE_DAYS=0)
    client = signed_in(pk_app, AGENT)
    assert client.get("/agent/").headers["Location"] == "/agent/account/mfa"
    # Past the grace period, adding a passkey is still open, and it is enough.
    assert _add(client, SoftAuthenticator(ORIGIN)).status_code == 302
    assert client.get("/agent/").status_code == 200
    # The only factor cannot be removed under `required`.
    (stored,) = rows(pk_app, Passkey)
    url = f"/agent/account/passkeys/{stored.id}/remove"
    page = client.get(url).get_data(as_text=True)
    assert "this passkey is your only one" in page
    refused = client.post(url, data={"csrf_token": csrf(client, "/agent/account/mfa")})
    assert refused.status_code == 409 and len(rows(pk_app, Passkey)) == 1


def test_kb_users_reset_mfa_removes_passkeys(pk_app) -> None:
    client = signed_in(pk_app, AGENT)
    assert _add(client, SoftAuthenticator(ORIGIN)).status_code == 302
    result = pk_app.test_cli_runner().invoke(args=["users", "reset-mfa", AGENT])
    assert result.exit_code == 0, result.output
    assert "second factor off" in result.output
    assert rows(pk_app, Passkey) == []
    assert client.get("/agent/").status_code == 302  # every sign-in ended
    assert login(pk_app.test_client(), AGENT, PASSWORD).headers["Location"] == "/agent/"
    (entry,) = [e for e in rows(pk_app, AuditEntry) if e.action == "passkey_removed"]
    assert entry.actor_email == "command line" and entry.detail == "all (1)"


def test_remember_me_never_skips_the_passkey_step(pk_app) -> None:
    device = SoftAuthenticator(ORIGIN)
    assert _add(signed_in(pk_app, AGENT), device).status_code == 302
    client = pk_app.test_client()
    login(client, AGENT, remember=True)
    assert _second_step(client, device).status_code == 302
    cookie = client.get_cookie("remember_token")
    assert cookie is not None
    # A new device (no session, no cookie) still gets the passkey step.
    fresh = pk_app.test_client()
    assert login(fresh, AGENT, remember=True).headers["Location"] == (
        "/agent/login/code"
    )


def test_the_staff_list_counts_a_passkey_as_a_second_factor(pk_app) -> None:
    assert _add(signed_in(pk_app, AGENT), SoftAuthenticator(ORIGIN)).status_code == 302
    listed = pk_app.test_cli_runner().invoke(args=["users", "list"])
    (line,) = [row for row in listed.output.splitlines() if row.startswith(AGENT)]
    assert " on " in f" {line} "


def test_with_an_app_and_a_passkey_either_finishes_the_sign_in(pk_app) -> None:
    import pyotp

    client = signed_in(pk_app, AGENT)
    page = client.get("/agent/account/mfa").get_data(as_text=True)
    secret = re.search(r'<code class="mfa-secret">([A-Z2-7]{32})</code>', page)
    assert secret is not None
    enabled = client.post(
        "/agent/account/mfa/enable",
        data={
            "csrf_token": _token(client, "/agent/account/mfa"),
            "code": pyotp.TOTP(secret.group(1)).now(),
        },
    )
    assert enabled.status_code == 201
    device = SoftAuthenticator(ORIGIN)
    assert _add(client, device).status_code == 302
    by_key = pk_app.test_client()
    login(by_key, AGENT)
    step = by_key.get("/agent/login/code").get_data(as_text=True)
    assert "Use a passkey" in step and 'name="code"' in step
    assert _second_step(by_key, device).status_code == 302
    # Turning the app off keeps the passkey as the second factor.
    off = client.post(
        "/agent/account/mfa/disable",
        data={"csrf_token": _token(client, "/agent/account/mfa"), "password": PASSWORD},
    )
    assert off.status_code == 302
    assert "asks for one of your passkeys" in client.get(
        off.headers["Location"]
    ).get_data(as_text=True)
    assert login(pk_app.test_client(), AGENT).headers["Location"] == "/agent/login/code"

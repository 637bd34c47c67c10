"""The staff second factor (issue 23): TOTP enrolment, the code step of signing
in, recovery codes, no replay, throttled guesses, KB_STAFF_MFA=required with its
grace period, and `kb users reset-mfa`. Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from flask import Flask
from helpers import (
    PASSWORD,
    csrf,
    login,
    make_staff,
    rows,
    signed_in,
    staff_email,
    submit_form,
)

from kb.services import mfa
from kb.storage.models import AuditEntry, RecoveryCode, User

KEY = re.compile(r'<code class="mfa-secret">([A-Z2-7]{32})</code>')
CODES = re.compile(r"<li><code>([0-9a-f]{5}-[0-9a-f]{5})</code></li>")
AGENT = staff_email("agent")


def _code(secret: str, steps_ahead: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def _enrol(client) -> tuple[str, list[str]]:
    """Turn TOTP on through the page; the secret and the recovery codes."""
    page = client.get("/agent/account/mfa").get_data(as_text=True)
    secret = KEY.search(page).group(1)
    done = submit_form(
        client,
        "/agent/account/mfa/enable",
        {"code": _code(secret)},
        form_url="/agent/account/mfa",
    )
    assert done.status_code == 201, done.get_data(as_text=True)[:2000]
    return secret, CODES.findall(done.get_data(as_text=True))


def _second_step(client, code: str):
    return submit_form(client, "/agent/login/code", {"code": code})


@pytest.fixture()
def mfa_app(make_app, database_url: str) -> Flask:
    app = make_app(index=False, DATABASE_URL=database_url, DEFAULT_LANG="en")
    make_staff(app, "agent", "admin")
    return app


def test_enrolment_shows_a_qr_code_and_needs_a_right_code(mfa_app) -> None:
    client = signed_in(mfa_app, AGENT)
    page = client.get("/agent/account/mfa").get_data(as_text=True)
    assert '<svg width="' in page and 'class="segno"' in page
    assert 'role="img" aria-label="QR code for your authenticator app"' in page
    secret = KEY.search(page).group(1)
    wrong = submit_form(
        client,
        "/agent/account/mfa/enable",
        {"code": "000000" if _code(secret) != "000000" else "111111"},
        form_url="/agent/account/mfa",
    )
    assert wrong.status_code == 400 and "This code is not right" in wrong.get_data(
        as_text=True
    )
    # The same key stays until it is proved (a reload does not change it).
    assert (
        KEY.search(client.get("/agent/account/mfa").get_data(as_text=True)).group(1)
        == secret
    )
    secret, codes = _enrol(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    (user,) = [u for u in rows(mfa_app, User) if u.email == AGENT]
    assert user.totp_enabled_at is not None
    assert secret not in (user.totp_sealed or "")  # sealed, not stored as is
    stored = [r.code_hash for r in rows(mfa_app, RecoveryCode)]
    assert len(stored) == 10 and not any(c.replace("-", "") in stored for c in codes)
    assert "10 recovery codes left." in client.get("/agent/account/mfa").get_data(
        as_text=True
    )
    staff = signed_in(mfa_app, staff_email("admin")).get("/admin/staff/")
    assert re.search(
        r"agent@tokorona\.example</td>.*?>on<", staff.get_data(as_text=True), re.S
    )


def test_signing_in_asks_for_the_code_and_a_code_works_once(mfa_app) -> None:
    secret, _codes = _enrol(signed_in(mfa_app, AGENT))
    client = mfa_app.test_client()
    first = login(client, AGENT, next_="/agent/account/", remember=True)
    assert first.headers["Location"] == "/agent/login/code"
    # The password alone opens nothing, "keep me signed in" included.
    assert client.get("/agent/").status_code == 302
    assert client.get_cookie("remember_token") is None
    wrong = _second_step(client, "12345")
    assert wrong.status_code == 401
    assert "This code is not right, or it was used already." in wrong.get_data(
        as_text=True
    )
    code = _code(secret, 1)  # the enrolment used the current step
    done = _second_step(client, code)
    assert done.status_code == 302 and done.headers["Location"] == "/agent/account/"
    assert client.get("/agent/").status_code == 200
    assert client.get_cookie("remember_token") is not None

    # The same code on another device: refused (no replay).
    other = mfa_app.test_client()
    login(other, AGENT)
    assert _second_step(other, code).status_code == 401
    assert other.get("/agent/").status_code == 302


def test_a_recovery_code_signs_in_once(mfa_app) -> None:
    _secret, codes = _enrol(signed_in(mfa_app, AGENT))
    client = mfa_app.test_client()
    login(client, AGENT)
    done = _second_step(client, codes[0].upper().replace("-", " "))
    assert done.status_code == 302
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "You signed in with a recovery code" in page and "9 are left" in page
    again = mfa_app.test_client()
    login(again, AGENT)
    assert _second_step(again, codes[0]).status_code == 401


def test_code_guesses_are_throttled(mfa_app) -> None:
    mfa_app.config["RATELIMIT_ENABLED"] = True
    _enrol(signed_in(mfa_app, AGENT))
    client = mfa_app.test_client()
    login(client, AGENT)
    statuses = [_second_step(client, f"00000{n}").status_code for n in range(6)]
    assert statuses[:3] == [401, 401, 401]
    assert 429 in statuses[3:]
    blocked = _second_step(client, "000009")
    assert blocked.status_code == 429 and "Retry-After" in blocked.headers
    assert "Too many wrong codes." in blocked.get_data(as_text=True)


def test_the_code_step_expires(mfa_app) -> None:
    secret, _ = _enrol(signed_in(mfa_app, AGENT))
    client = mfa_app.test_client()
    login(client, AGENT)
    with client.session_transaction() as session:
        pending = dict(session["mfa_pending"])
        pending["at"] -= 301
        session["mfa_pending"] = pending
    token = csrf(client, "/agent/login")
    late = client.post(
        "/agent/login/code", data={"csrf_token": token, "code": _code(secret, 1)}
    )
    assert late.status_code == 302 and late.headers["Location"] == "/agent/login"
    assert "Sign in again" in client.get("/agent/login").get_data(as_text=True)
    assert client.get("/agent/login/code").status_code == 302


def test_required_mode_after_the_grace_period_opens_only_enrolment(mfa_app) -> None:
    mfa_app.config.update(STAFF_MFA="required", STAFF_MFA_GRACE_DAYS=0)
    client = signed_in(mfa_app, AGENT)
    queue = client.get("/agent/")
    assert (
        queue.status_code == 302 and queue.headers["Location"] == "/agent/account/mfa"
    )
    api = client.get("/agent/", headers={"Accept": "application/json"})
    assert api.status_code == 403 and "second factor" in api.get_json()["error"]
    page = client.get("/agent/account/mfa").get_data(as_text=True)
    assert "This site requires a second factor." in page
    _enrol(client)
    assert client.get("/agent/").status_code == 200
    # Required: it cannot be turned off.
    off = submit_form(
        client,
        "/agent/account/mfa/disable",
        {"password": PASSWORD},
        form_url="/agent/account/mfa",
    )
    assert off.status_code == 409


def test_required_mode_gives_a_grace_period_first(mfa_app) -> None:
    mfa_app.config.update(STAFF_MFA="required", STAFF_MFA_GRACE_DAYS=7)
    client = signed_in(mfa_app, AGENT)
    assert client.get("/agent/").status_code == 200
    page = client.get("/agent/account/mfa").get_data(as_text=True)
    assert "This site requires a second factor: turn it on before" in page


def test_off_mode_offers_nothing(mfa_app) -> None:
    mfa_app.config["STAFF_MFA"] = "off"
    page = signed_in(mfa_app, AGENT).get("/agent/account/mfa").get_data(as_text=True)
    assert "This site does not offer a second factor." in page and "segno" not in page


def test_turning_it_off_needs_the_password(mfa_app) -> None:
    client = signed_in(mfa_app, AGENT)
    _enrol(client)
    wrong = submit_form(
        client,
        "/agent/account/mfa/disable",
        {"password": "not the password at all"},
        form_url="/agent/account/mfa",
    )
    assert wrong.status_code == 400
    assert "This is not your password." in wrong.get_data(as_text=True)
    renewed = submit_form(
        client,
        "/agent/account/mfa/recovery-codes",
        {"password": PASSWORD},
        form_url="/agent/account/mfa",
    )
    assert (
        renewed.status_code == 201
        and len(CODES.findall(renewed.get_data(as_text=True))) == 10
    )
    off = submit_form(
        client,
        "/agent/account/mfa/disable",
        {"password": PASSWORD},
        form_url="/agent/account/mfa",
    )
    assert off.status_code == 302
    assert login(mfa_app.test_client(), AGENT).headers["Location"] == "/agent/"
    assert rows(mfa_app, RecoveryCode) == []
    actions = [e.action for e in rows(mfa_app, AuditEntry)]
    assert actions == ["mfa_enabled", "recovery_codes_renewed", "mfa_disabled"]


def test_kb_users_reset_mfa_lets_a_locked_out_admin_back_in(mfa_app) -> None:
    admin = signed_in(mfa_app, staff_email("admin"))
    _enrol(admin)
    result = mfa_app.test_cli_runner().invoke(
        args=["users", "reset-mfa", staff_email("admin")]
    )
    assert result.exit_code == 0, result.output
    assert "second factor off; every sign-in ended" in result.output
    assert admin.get("/admin/staff/").status_code == 302
    assert (
        login(mfa_app.test_client(), staff_email("admin")).headers["Location"]
        == "/agent/"
    )
    unknown = mfa_app.test_cli_runner().invoke(
        args=["users", "reset-mfa", "nobody@tokorona.example"]
    )
    assert unknown.exit_code != 0 and "no account for" in unknown.output
    (entry,) = [e for e in rows(mfa_app, AuditEntry) if e.action == "mfa_disabled"]
    assert entry.actor_email == "command line"


def test_a_secret_sealed_with_another_key_opens_nothing() -> None:
    secret = mfa.new_secret()
    sealed = mfa.seal("one key", 7, secret)
    assert mfa.unseal("one key", 7, sealed) == secret
    assert mfa.unseal("another key", 7, sealed) is None
    assert mfa.seal("one key", 7, secret) != sealed  # a fresh nonce each time


def test_required_can_concern_some_roles_only(mfa_app) -> None:
    mfa_app.config.update(
        STAFF_MFA="required", STAFF_MFA_GRACE_DAYS=0, STAFF_MFA_ROLES=["admin"]
    )
    agent = signed_in(mfa_app, AGENT)
    assert agent.get("/agent/").status_code == 200  # optional for agents
    assert "Turn on an authenticator app" in agent.get("/agent/account/mfa").get_data(
        as_text=True
    )
    admin = signed_in(mfa_app, staff_email("admin"))
    locked = admin.get("/admin/staff/")
    assert locked.status_code == 302
    assert locked.headers["Location"] == "/agent/account/mfa"


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("KB_STAFF_MFA", "always", "KB_STAFF_MFA must be off, optional or required"),
        ("KB_STAFF_MFA_ROLES", "admin,boss", "KB_STAFF_MFA_ROLES must list roles"),
        ("KB_STAFF_MFA_GRACE_DAYS", "-1", "must not be negative"),
    ],
)
def test_bad_mfa_settings_are_refused(monkeypatch, name, raw, message) -> None:
    import os

    from kb import config

    monkeypatch.setenv(name, raw)
    with pytest.raises(config.ConfigError, match=re.escape(message)):
        config.from_environment(os.environ)
    monkeypatch.setenv(name, {"KB_STAFF_MFA": " Required "}.get(name, "2"))
    if name == "KB_STAFF_MFA_ROLES":
        monkeypatch.setenv(name, "Admin, editor")
        assert config.from_environment(os.environ)["STAFF_MFA_ROLES"] == [
            "admin",
            "editor",
        ]
    elif name == "KB_STAFF_MFA":
        assert config.from_environment(os.environ)["STAFF_MFA"] == "required"

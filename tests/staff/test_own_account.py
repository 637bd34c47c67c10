"""A staff member's own password and sign-ins on /agent/account (issue 23).

Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re

import pytest
from helpers import PASSWORD, login, rows, staff_email, submit_form

from kb.services.staff_sessions import coarse_network, describe_device
from kb.storage.models import ApiToken, AuditEntry

NEW_PASSWORD = "plum orchard lantern river"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def _client(app, user_agent: str, address: str = "127.0.0.1"):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = user_agent
    client.environ_base["REMOTE_ADDR"] = address
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert login(client, staff_email("agent")).status_code == 302
    return client


def _change(client, current: str, new: str, confirm: str | None = None):
    return submit_form(
        client,
        "/agent/account/password",
        {"current": current, "password": new, "confirm": confirm or new},
        form_url="/agent/account/",
    )


@pytest.fixture()
def agent_app(ticket_app, auth):
    auth.login("agent")
    return ticket_app


def test_sign_ins_list_device_and_network_never_the_address(agent_app) -> None:
    laptop = _client(agent_app, FIREFOX, "203.0.113.57")
    phone = _client(agent_app, IPHONE, "2001:db8:1234:5678::9")
    page = laptop.get("/agent/account/").get_data(as_text=True)
    assert "Firefox on Linux" in page and "Safari on iOS" in page
    assert "203.0.113.x" in page and "2001:db8:1234::/48" in page
    assert "203.0.113.57" not in page and "5678" not in page
    assert "this one" in page
    assert phone.get("/agent/").status_code == 200


def test_ending_another_sign_in_signs_that_device_out(agent_app) -> None:
    laptop = _client(agent_app, FIREFOX)
    phone = _client(agent_app, IPHONE)
    page = laptop.get("/agent/account/").get_data(as_text=True)
    phone_row = re.search(
        r"Safari on iOS.*?/agent/account/sign-ins/(\d+)/end", page, re.S
    )
    assert phone_row
    ended = submit_form(
        laptop,
        f"/agent/account/sign-ins/{phone_row[1]}/end",
        {},
        form_url="/agent/account/",
    )
    assert ended.status_code == 302
    assert phone.get("/agent/").status_code == 302
    assert laptop.get("/agent/").status_code == 200
    # Someone else's or an unknown sign-in: 404, nothing ends.
    missing = submit_form(
        laptop, "/agent/account/sign-ins/999999/end", {}, form_url="/agent/account/"
    )
    assert missing.status_code == 404


def test_ending_this_sign_in_signs_out(agent_app) -> None:
    laptop = _client(agent_app, FIREFOX)
    page = laptop.get("/agent/account/").get_data(as_text=True)
    mine = re.search(
        r"/agent/account/sign-ins/(\d+)/end\">\s*<input[^>]*>\s*"
        r"<button[^>]*aria-label=\"Sign out here\"",
        page,
    )
    assert mine, page
    done = submit_form(
        laptop, f"/agent/account/sign-ins/{mine[1]}/end", {}, form_url="/agent/account/"
    )
    assert done.headers["Location"] == "/agent/login"
    assert laptop.get("/agent/").status_code == 302


def test_changing_the_password_needs_the_current_one(agent_app) -> None:
    laptop = _client(agent_app, FIREFOX)
    wrong = _change(laptop, "not my password at all", NEW_PASSWORD)
    assert wrong.status_code == 400
    assert "This is not your current password." in wrong.get_data(as_text=True)
    weak = _change(laptop, PASSWORD, "password1234")
    assert weak.status_code == 400
    assert "one of the most common ones" in weak.get_data(as_text=True)
    short = _change(laptop, PASSWORD, "short")
    assert "Use 12 to 256 characters." in short.get_data(as_text=True)
    mismatch = _change(laptop, PASSWORD, NEW_PASSWORD, "another thing entirely")
    assert "The two passwords are not the same." in mismatch.get_data(as_text=True)
    assert login(agent_app.test_client(), staff_email("agent")).status_code == 302


def test_a_new_password_keeps_this_sign_in_and_ends_the_others(agent_app) -> None:
    laptop = _client(agent_app, FIREFOX)
    phone = _client(agent_app, IPHONE)
    made = submit_form(
        laptop,
        "/agent/account/tokens",
        {"name": "sheet", "days": "30"},
        form_url="/agent/account/",
    )
    assert made.status_code == 201
    done = _change(laptop, PASSWORD, NEW_PASSWORD)
    assert done.status_code == 302
    page = laptop.get("/agent/account/").get_data(as_text=True)
    assert "Password changed. Your other sign-ins ended and 1 API token(s)" in page
    assert phone.get("/agent/").status_code == 302
    assert laptop.get("/agent/").status_code == 200
    assert all(t.revoked_at is not None for t in rows(agent_app, ApiToken))
    assert login(agent_app.test_client(), staff_email("agent")).status_code == 401
    new = login(agent_app.test_client(), staff_email("agent"), NEW_PASSWORD)
    assert new.status_code == 302
    assert [e.action for e in rows(agent_app, AuditEntry)] == ["password_changed"]


@pytest.mark.parametrize(
    ("agent", "expected"),
    [
        (FIREFOX, "Firefox on Linux"),
        (IPHONE, "Safari on iOS"),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, "
            "like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
            "Edge on Windows",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0 Mobile Safari/537.36",
            "Chrome on Android",
        ),
        ("curl/8.5.0", "curl"),
        ("", ""),
    ],
)
def test_devices_are_named_by_browser_and_system(agent, expected) -> None:
    assert describe_device(agent) == expected


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("198.51.100.23", "198.51.100.x"),
        ("::ffff:198.51.100.23", "198.51.100.x"),
        ("2001:db8:aaaa:bbbb::1", "2001:db8:aaaa::/48"),
        ("unknown", ""),
    ],
)
def test_networks_hide_the_address(address, expected) -> None:
    assert coarse_network(address) == expected

"""Staff sign-in, roles, safe ``next`` and the access rules of agent pages."""

from __future__ import annotations

import re

import pytest
from helpers import PASSWORD, csrf, login, open_ticket

from kb.security import is_safe_next, safe_next
from kb.services import users
from kb.storage.db import standalone_session


def test_signed_out_browsers_go_to_sign_in_json_gets_401(staff_app) -> None:
    client = staff_app.test_client()
    page = client.get("/agent/?status=new")
    assert page.status_code == 302
    assert page.headers["Location"] == "/agent/login?next=/agent/?status%3Dnew"
    api = client.get("/agent/", headers={"Accept": "application/json"})
    assert api.status_code == 401 and api.get_json()["error"]


def test_sign_in_then_the_queue(staff_app) -> None:
    client = staff_app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = login(client, "agent@tokorona.example")
    assert response.status_code == 302 and response.headers["Location"] == "/agent/"
    page = client.get("/agent/").get_data(as_text=True)
    # The staff shell names the person and their role in words, not a raw code.
    assert "Ticket queue" in page and 'class="staff-person">agent<' in page
    assert '<span class="staff-role">Agent</span>' in page and "(agent)" not in page


def test_unknown_account_and_wrong_password_look_the_same(staff_app) -> None:
    client = staff_app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    wrong = login(client, "agent@tokorona.example", "not the password!!")
    unknown = login(client, "nobody@tokorona.example", "not the password!!")
    assert wrong.status_code == unknown.status_code == 401
    strip = re.compile(r'value="[^"]*"')
    assert strip.sub("", wrong.get_data(as_text=True)) == strip.sub(
        "", unknown.get_data(as_text=True)
    )
    assert "The email or password is not right." in wrong.get_data(as_text=True)


def test_disabled_users_cannot_sign_in(staff_app) -> None:
    assert login(staff_app.test_client(), "gone@tokorona.example").status_code == 401


UNSAFE_NEXT = [
    "https://evil.tld",
    "//evil.tld",
    "////evil.tld",
    "/\\evil.tld",
    "\\\\evil.tld",
    "javascript:alert(1)",
    "https%3A%2F%2Fevil.tld",
    "%2F%2Fevil.tld",
    "%2F%2F%2F%2Fevil.tld",
    "%2F%5Cevil.tld",
    "%5C%5Cevil.tld",
    "javascript%3Aalert(1)",
    "%252F%252Fevil.tld",
    " //evil.tld",
    "/%09/evil.tld",
]


@pytest.mark.parametrize("target", UNSAFE_NEXT)
def test_next_never_leaves_the_site(target: str) -> None:
    # The rule is a pure function: checked per target without building an app ...
    assert not is_safe_next(target)
    assert safe_next(target, "/agent/") == "/agent/"


def test_sign_in_ignores_a_next_that_leaves_the_site(staff_app) -> None:
    # ... and the sign-in view applies it to every one of them, on one app.
    for n, target in enumerate(UNSAFE_NEXT):
        client = staff_app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.0.1.{n}"  # a client each, as before
        response = login(client, "agent@tokorona.example", next_=target)
        assert response.status_code == 302, target
        assert response.headers["Location"] == "/agent/", target


def test_next_within_the_site_is_followed(staff_app) -> None:
    client = staff_app.test_client()
    response = login(client, "agent@tokorona.example", next_="/agent/?owner=mine")
    assert response.headers["Location"] == "/agent/?owner=mine"


def test_logout_is_a_post(staff_app) -> None:
    client = staff_app.test_client()
    login(client, "agent@tokorona.example")
    assert client.get("/agent/logout").status_code == 405
    token = csrf(client, "/agent/")
    assert client.post("/agent/logout").status_code == 400  # no CSRF token
    assert client.post("/agent/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/agent/").status_code == 302


def test_password_change_and_disable_end_sessions(staff_app) -> None:
    client = staff_app.test_client()
    login(client, "agent@tokorona.example", remember=True)
    assert client.get("/agent/").status_code == 200
    with staff_app.app_context(), standalone_session() as db:
        users.set_password(db, "agent@tokorona.example", "another long password")
    assert client.get("/agent/").status_code == 302
    login(client, "editor@tokorona.example")
    with staff_app.app_context(), standalone_session() as db:
        users.disable(db, "editor@tokorona.example")
    assert client.get("/agent/").status_code == 302


def test_cookies_are_httponly_and_lax(staff_app) -> None:
    client = staff_app.test_client()
    response = login(client, "agent@tokorona.example", remember=True)
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies and all("HttpOnly" in c and "SameSite=Lax" in c for c in cookies)
    assert any(c.startswith("remember_token=") for c in cookies)


def test_production_cookies_are_secure(make_app, database_url) -> None:
    app = make_app(
        DATABASE_URL=database_url,
        KB_ENV="production",
        BASE_URL="https://help.tokorona.example",
        SMTP_HOST="smtp.tokorona.example",
    )
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    # __Host- cookies: HTTPS only, this exact host, path "/".
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-session"
    assert app.config["REMEMBER_COOKIE_NAME"] == "__Host-remember_token"


def test_wrong_passwords_from_others_never_lock_the_real_user_out(staff_app) -> None:
    # Finding: 5 wrong passwords from anyone used to lock the account for all.
    for n in range(12):
        attacker = staff_app.test_client()
        attacker.environ_base["REMOTE_ADDR"] = f"10.0.0.{n}"  # a client each
        for _ in range(5):
            login(attacker, "admin@tokorona.example", "wrong password number")
    real = staff_app.test_client()
    real.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    response = login(real, "admin@tokorona.example")
    assert response.status_code == 302 and response.headers["Location"] == "/agent/"


def test_sign_in_failures_grow_the_delay_for_that_account_and_client(
    staff_app,
) -> None:
    client = staff_app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    statuses = [
        login(client, "admin@tokorona.example", "wrong password number").status_code
        for _ in range(5)
    ]
    # Three free mistakes, the fourth starts a delay: the fifth must wait.
    assert statuses == [401] * 4 + [429]
    blocked = login(client, "admin@tokorona.example")  # even the right password
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) >= 1
    assert "Too many failed sign-ins" in blocked.get_data(as_text=True)
    # The same person on another account is not slowed by this one.
    assert login(client, "agent@tokorona.example").status_code == 302


def test_sign_in_is_rate_limited_per_client(staff_app) -> None:
    client = staff_app.test_client()
    statuses = [
        login(client, f"guess{n}@tokorona.example", "wrong password!!").status_code
        for n in range(11)
    ]
    assert statuses == [401] * 10 + [429]


@pytest.mark.real_password_hashing  # the production default, not the tests' cheap one
def test_passwords_are_hashed_with_scrypt(staff_app) -> None:
    with staff_app.app_context(), standalone_session() as db:
        user = users.find(db, "agent@tokorona.example")
        assert user.password_hash.startswith("scrypt:")
        assert PASSWORD not in user.password_hash


def test_customer_with_a_ticket_link_cannot_see_the_queue(staff_app) -> None:
    client = staff_app.test_client()
    link = open_ticket(client).path
    assert client.get(link).status_code == 200
    assert client.get("/agent/").status_code == 302


def test_users_cli(staff_app) -> None:
    runner = staff_app.test_cli_runner()
    made = runner.invoke(
        args=[
            "users",
            "create",
            "new@tokorona.example",
            "--role",
            "editor",
            "--password",
            PASSWORD,
        ]
    )
    assert made.exit_code == 0 and "new@tokorona.example: editor, active" in made.output
    again = runner.invoke(
        args=["users", "create", "new@tokorona.example", "--password", PASSWORD]
    )
    assert again.exit_code == 1 and "already has an account" in again.output
    short = runner.invoke(
        args=["users", "set-password", "new@tokorona.example", "--password", "short"]
    )
    assert short.exit_code == 1 and "12 to 256 characters" in short.output
    prompted = runner.invoke(
        args=["users", "set-password", "new@tokorona.example"],
        input="a fresh long password\na fresh long password\n",
    )
    assert prompted.exit_code == 0
    gone = runner.invoke(args=["users", "disable", "new@tokorona.example"])
    assert "new@tokorona.example: editor, disabled" in gone.output

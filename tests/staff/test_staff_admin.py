"""Running the team from the web (issue 23): /admin/staff, one-time links mailed
through a real SMTP server, the audit log, "forgot password", and `kb users list`.

Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from flask import Flask
from helpers import (
    MailCatcher,
    add_staff,
    csrf,
    execute,
    login,
    make_staff,
    rows,
    signed_in,
    staff_email,
    submit_form,
    user_id,
    wait_for_mail,
)
from sqlalchemy import update

from kb.services import audit, staff_admin, users
from kb.storage.db import standalone_session
from kb.storage.models import AccountLink, AuditEntry, OutboxMail, utcnow

LINK = re.compile(r"http://localhost(/agent/(welcome|reset)/[A-Za-z0-9_-]{40,})")
NEW_PASSWORD = "plum orchard lantern river"
NEWCOMER = "siti.rahma@tokorona.example"


@pytest.fixture()
def smtp() -> Iterator[MailCatcher]:
    with MailCatcher() as server:
        yield server


@pytest.fixture()
def team_app(make_app, database_url: str, smtp: MailCatcher) -> Iterator[Flask]:
    """The app over a migrated database, mailing to ``smtp``, with every role."""
    app = make_app(
        index=False, DATABASE_URL=database_url, DEFAULT_LANG="en", **smtp.config()
    )
    make_staff(app, "agent", "editor", "admin")
    yield app
    wait_for_mail()  # before the SMTP server stops


def _admin(app: Flask):
    return signed_in(app, staff_email("admin"))


def _link(message) -> str:
    found = LINK.search(message.get_body(("plain",)).get_content())
    assert found, message.get_body(("plain",)).get_content()
    return found.group(1)


def _set_password(client, path: str, password: str = NEW_PASSWORD, confirm=None):
    return submit_form(
        client, path, {"password": password, "confirm": confirm or password}
    )


def _invite(admin, email: str = NEWCOMER, role: str = "agent", name: str = "Siti"):
    return submit_form(
        admin,
        "/admin/staff/invite",
        {"email": email, "name": name, "role": role},
        form_url="/admin/staff/",
    )


# -- the list and the invitation -----------------------------------------------
def test_the_list_shows_everyone_with_role_status_and_last_sign_in(team_app) -> None:
    admin = _admin(team_app)
    page = admin.get("/admin/staff/").get_data(as_text=True)
    for role in ("agent", "editor", "admin"):
        assert staff_email(role) in page
    assert "3 people" in page
    assert ">Second factor<" in page and ">off<" in page
    # The admin has just signed in (shown in KB_TIME_ZONE, Asia/Jakarta, as
    # English writes it: "Dec 7, 2026, 9:50 PM GMT+7"); the agent never has.
    assert re.search(
        r"admin@tokorona\.example.*?"
        r"\w{3} \d{1,2}, \d{4}, \d{1,2}:\d\d\u202f[AP]M GMT\+7",
        page,
        re.S,
    )
    assert "UTC" not in page
    assert "never" in page


def test_an_invitation_sets_a_password_once_and_is_audited(team_app, smtp) -> None:
    admin = _admin(team_app)
    response = _invite(admin, role="editor")
    assert response.status_code == 302
    assert "Invitation sent to siti.rahma@tokorona.example" in admin.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    (message,) = smtp.wait_for(1)
    assert message["To"] == NEWCOMER
    assert "invited" in message["Subject"].lower()
    path = _link(message)
    assert path.startswith("/agent/welcome/")

    # Invited: listed, but cannot sign in before choosing a password.
    assert "invited" in admin.get("/admin/staff/").get_data(as_text=True)
    assert login(team_app.test_client(), NEWCOMER, "").status_code != 302

    newcomer = team_app.test_client()
    page = newcomer.get(path).get_data(as_text=True)
    assert "Welcome to the team" in page and NEWCOMER in page
    mismatch = _set_password(newcomer, path, confirm="something else entirely")
    assert mismatch.status_code == 400
    assert "The two passwords are not the same." in mismatch.get_data(as_text=True)
    weak = _set_password(newcomer, path, "siti.rahma-password")
    assert weak.status_code == 400
    assert "must not contain “siti”" in weak.get_data(as_text=True)

    done = _set_password(newcomer, path)
    assert done.status_code == 302 and done.headers["Location"] == "/agent/login"
    assert "Your password is set." in newcomer.get("/agent/login").get_data(
        as_text=True
    )
    again = team_app.test_client().get(path)
    assert again.status_code == 404
    assert "This link no longer works" in again.get_data(as_text=True)
    assert login(team_app.test_client(), NEWCOMER, NEW_PASSWORD).status_code == 302

    log = admin.get("/admin/staff/audit").get_data(as_text=True)
    assert "accepted the invitation" in log and "role editor" in log
    wait_for_mail()
    # The link was cut from the stored mail once it was sent.
    (stored,) = rows(team_app, OutboxMail)
    assert stored.sent_at is not None and "/agent/welcome/[link removed" in stored.body
    # Only the link's hash is stored.
    (link,) = rows(team_app, AccountLink)
    assert link.used_at is not None and link.token_hash not in path


def test_an_expired_invitation_opens_nothing(team_app, smtp) -> None:
    _invite(_admin(team_app))
    path = _link(smtp.wait_for(1)[0])
    execute(
        team_app,
        update(AccountLink).values(expires_at=utcnow() - dt.timedelta(seconds=1)),
    )
    client = team_app.test_client()
    assert client.get(path).status_code == 404
    token = csrf(client, "/agent/login")
    posted = client.post(
        path,
        data={"csrf_token": token, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert posted.status_code == 404


def test_a_new_invitation_voids_the_old_link(team_app, smtp) -> None:
    admin = _admin(team_app)
    _invite(admin)
    first = _link(smtp.wait_for(1)[0])
    person = user_id(team_app, NEWCOMER)
    resent = submit_form(
        admin,
        f"/admin/staff/{person}/send-reset",
        {},
        form_url=f"/admin/staff/{person}",
    )
    assert resent.status_code == 302
    second = _link(smtp.wait_for(2)[1])
    assert second.startswith("/agent/welcome/")  # still an invitation
    assert team_app.test_client().get(first).status_code == 404
    assert team_app.test_client().get(second).status_code == 200


@pytest.mark.parametrize(
    ("email", "message"),
    [
        (staff_email("agent"), "agent@tokorona.example already has an account."),
        ("not-an-address", "Enter a valid email address"),
        ("", "Enter their email."),
    ],
)
def test_an_invitation_refused_says_why(team_app, smtp, email, message) -> None:
    response = _invite(_admin(team_app), email=email)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert smtp.received == []


def test_every_action_needs_the_csrf_token(team_app) -> None:
    admin = _admin(team_app)
    agent = user_id(team_app, staff_email("agent"))
    for url, data in [
        ("/admin/staff/invite", {"email": NEWCOMER, "role": "agent"}),
        (f"/admin/staff/{agent}/role", {"role": "admin"}),
        (f"/admin/staff/{agent}/disable", {}),
        (f"/admin/staff/{agent}/enable", {}),
        (f"/admin/staff/{agent}/send-reset", {}),
        (f"/admin/staff/{agent}/end-sessions", {}),
    ]:
        assert admin.post(url, data=data).status_code == 400, url
    with team_app.app_context(), standalone_session() as db:
        found = users.find(db, staff_email("agent"))
        assert found.role == "agent" and found.active
    assert rows(team_app, AuditEntry) == []


# -- roles, disabling, the last admin ------------------------------------------
def test_role_change_is_audited_and_takes_effect(team_app) -> None:
    admin = _admin(team_app)
    agent_client = signed_in(team_app, staff_email("agent"))
    assert agent_client.get("/admin/staff/").status_code == 403
    agent = user_id(team_app, staff_email("agent"))
    changed = submit_form(
        admin,
        f"/admin/staff/{agent}/role",
        {"role": "admin"},
        form_url=f"/admin/staff/{agent}",
    )
    assert changed.status_code == 302
    assert agent_client.get("/admin/staff/").status_code == 200
    (entry,) = rows(team_app, AuditEntry)
    assert (entry.actor_email, entry.action, entry.target_email, entry.detail) == (
        staff_email("admin"),
        "role_changed",
        staff_email("agent"),
        "agent → admin",
    )


def test_the_last_admin_cannot_be_demoted_or_disabled(team_app) -> None:
    admin = _admin(team_app)
    me = user_id(team_app, staff_email("admin"))
    demoted = submit_form(
        admin,
        f"/admin/staff/{me}/role",
        {"role": "editor"},
        form_url=f"/admin/staff/{me}",
    )
    assert demoted.status_code == 400
    assert "is the last admin who can sign in" in demoted.get_data(as_text=True)
    own = submit_form(admin, f"/admin/staff/{me}/disable", {})
    assert own.status_code == 400
    assert "You cannot disable your own account." in own.get_data(as_text=True)

    # With a second admin, the first may step down; then the second is the last.
    add_staff(team_app, "second.admin@tokorona.example", "admin")
    stepped = submit_form(
        admin,
        f"/admin/staff/{me}/role",
        {"role": "editor"},
        form_url=f"/admin/staff/{me}",
    )
    assert stepped.status_code == 302
    with team_app.app_context(), standalone_session() as db:
        second = users.find(db, "second.admin@tokorona.example")
        editor = users.find(db, staff_email("editor"))
        with pytest.raises(staff_admin.LastAdmin):
            staff_admin.disable(db, editor, second)
        with pytest.raises(staff_admin.LastAdmin):
            staff_admin.change_role(db, editor, second, "agent")
        assert users.active_admins(db) == 1


def test_an_invited_admin_does_not_count_as_one_who_can_sign_in(team_app, smtp) -> None:
    admin = _admin(team_app)
    _invite(admin, email="new.admin@tokorona.example", role="admin")
    me = user_id(team_app, staff_email("admin"))
    demoted = submit_form(
        admin,
        f"/admin/staff/{me}/role",
        {"role": "agent"},
        form_url=f"/admin/staff/{me}",
    )
    assert demoted.status_code == 400


def test_disabling_ends_every_sign_in_and_token_at_once(team_app) -> None:
    admin = _admin(team_app)
    agent_client = signed_in(team_app, staff_email("agent"))
    made = submit_form(
        agent_client,
        "/agent/account/tokens",
        {"name": "sheet", "days": "30"},
        form_url="/agent/account/",
    )
    assert made.status_code == 201
    secret = re.search(r'value="(jwb_[^"]+)"', made.get_data(as_text=True)).group(1)
    agent = user_id(team_app, staff_email("agent"))

    asked = admin.get(f"/admin/staff/{agent}/disable")
    assert asked.status_code == 200 and "Disable " in asked.get_data(as_text=True)
    done = submit_form(admin, f"/admin/staff/{agent}/disable", {})
    assert done.status_code == 302
    assert "1 API token(s) were revoked" in admin.get(
        done.headers["Location"]
    ).get_data(as_text=True)
    assert agent_client.get("/agent/").status_code == 302
    api = team_app.test_client().get(
        "/api/v1/reports/team", headers={"Authorization": f"Bearer {secret}"}
    )
    assert api.status_code == 401
    assert login(team_app.test_client(), staff_email("agent")).status_code == 401
    assert "disabled" in admin.get("/admin/staff/").get_data(as_text=True)

    enabled = submit_form(
        admin, f"/admin/staff/{agent}/enable", {}, form_url=f"/admin/staff/{agent}"
    )
    assert enabled.status_code == 302
    assert login(team_app.test_client(), staff_email("agent")).status_code == 302
    actions = [e.action for e in rows(team_app, AuditEntry)]
    assert actions == ["disabled", "enabled"]


def test_ending_someones_sign_ins(team_app) -> None:
    admin = _admin(team_app)
    agent_client = signed_in(team_app, staff_email("agent"))
    agent = user_id(team_app, staff_email("agent"))
    assert "End every sign-in" in admin.get(
        f"/admin/staff/{agent}/end-sessions"
    ).get_data(as_text=True)
    done = submit_form(admin, f"/admin/staff/{agent}/end-sessions", {})
    assert done.status_code == 302
    assert agent_client.get("/agent/").status_code == 302
    assert admin.get("/admin/staff/").status_code == 200  # the admin's own holds


# -- password resets -------------------------------------------------------------
def test_an_admin_sends_a_reset_link_that_ends_every_sign_in(team_app, smtp) -> None:
    admin = _admin(team_app)
    agent_client = signed_in(team_app, staff_email("agent"))
    agent = user_id(team_app, staff_email("agent"))
    sent = submit_form(
        admin, f"/admin/staff/{agent}/send-reset", {}, form_url=f"/admin/staff/{agent}"
    )
    assert sent.status_code == 302
    path = _link(smtp.wait_for(1)[0])
    assert path.startswith("/agent/reset/")
    assert agent_client.get("/agent/").status_code == 200  # not before it is used
    stranger = team_app.test_client()
    assert _set_password(stranger, path).status_code == 302
    assert agent_client.get("/agent/").status_code == 302
    assert login(team_app.test_client(), staff_email("agent")).status_code == 401
    assert (
        login(team_app.test_client(), staff_email("agent"), NEW_PASSWORD).status_code
        == 302
    )
    actions = [e.action for e in rows(team_app, AuditEntry)]
    assert actions == ["reset_sent", "password_reset"]


def test_forgot_password_answers_the_same_and_mails_only_accounts(
    team_app, smtp
) -> None:
    def ask(email: str) -> str:
        client = team_app.test_client()
        response = submit_form(client, "/agent/forgot", {"email": email})
        assert response.status_code == 200
        return response.get_data(as_text=True)

    assert "Forgot your password?" in team_app.test_client().get(
        "/agent/login"
    ).get_data(as_text=True)
    known = ask(staff_email("editor").upper())
    unknown = ask("nobody@tokorona.example")
    assert known == unknown
    assert "If this address belongs to a staff account" in known
    (message,) = smtp.wait_for(1)
    assert message["To"] == staff_email("editor")
    wait_for_mail()
    assert len(smtp.received) == 1

    editor_client = signed_in(team_app, staff_email("editor"))
    path = _link(message)
    assert _set_password(team_app.test_client(), path).status_code == 302
    assert editor_client.get("/agent/").status_code == 302  # sessions ended
    assert team_app.test_client().get(path).status_code == 404  # single use


def test_forgot_password_mails_an_account_a_few_times_at_most(team_app, smtp) -> None:
    team_app.config["RATELIMIT_ENABLED"] = True
    for _ in range(4):
        client = team_app.test_client()
        response = submit_form(client, "/agent/forgot", {"email": staff_email("agent")})
        assert response.status_code == 200
        assert "If this address belongs" in response.get_data(as_text=True)
    smtp.wait_for(3)
    wait_for_mail()
    assert len(smtp.received) == 3


def test_disabled_and_invited_accounts_get_no_reset_mail(team_app, smtp) -> None:
    add_staff(team_app, "gone@tokorona.example", "agent")
    with team_app.app_context(), standalone_session() as db:
        users.disable(db, "gone@tokorona.example")
    _invite(_admin(team_app))
    smtp.wait_for(1)  # the invitation
    for email in ("gone@tokorona.example", NEWCOMER):
        submit_form(team_app.test_client(), "/agent/forgot", {"email": email})
    wait_for_mail()
    assert len(smtp.received) == 1


# -- the audit log and its retention ---------------------------------------------
def test_the_audit_log_is_admins_only_and_pruned_by_reports_purge(team_app) -> None:
    assert (
        signed_in(team_app, staff_email("editor")).get("/admin/staff/audit").status_code
        == 403
    )
    with team_app.app_context(), standalone_session() as db:
        audit.record(db, "a@x.example", "disabled", "b@x.example")
        audit.record(db, "a@x.example", "enabled", "b@x.example")
        db.commit()
    old = utcnow() - dt.timedelta(days=team_app.config["AUDIT_RETENTION_DAYS"] + 1)
    execute(
        team_app,
        update(AuditEntry)
        .where(AuditEntry.action == "disabled")
        .values(created_at=old),
    )
    page = _admin(team_app).get("/admin/staff/audit").get_data(as_text=True)
    assert "2 entries" in page and "Entries are kept 365 days." in page
    assert _admin(team_app).get("/admin/staff/audit?page=x").status_code == 400

    result = team_app.test_cli_runner().invoke(args=["reports", "purge"])
    assert result.exit_code == 0, result.output
    assert "purged 1 audit entr(ies)" in result.output
    assert [e.action for e in rows(team_app, AuditEntry)] == ["enabled"]


# -- the command line --------------------------------------------------------------
def test_kb_users_list(team_app, smtp) -> None:
    _invite(_admin(team_app))
    with team_app.app_context(), standalone_session() as db:
        users.disable(db, staff_email("editor"))
    result = team_app.test_cli_runner().invoke(args=["users", "list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == [
        "EMAIL",
        "NAME",
        "ROLE",
        "STATUS",
        "2FA",
        "LAST",
        "SIGN-IN",
        "(UTC)",
    ]
    by_email = {line.split()[0]: line.split() for line in lines[1:]}
    assert by_email[staff_email("admin")][2:5] == ["admin", "active", "off"]
    assert by_email[staff_email("editor")][2:4] == ["editor", "disabled"]
    assert by_email[NEWCOMER][2:4] == ["agent", "invited"]
    assert by_email[staff_email("agent")][-1] == "never"
    assert re.match(r"\d{4}-\d\d-\d\d", by_email[staff_email("admin")][-2])


def test_the_invitation_is_written_in_the_sites_language(team_app, smtp) -> None:
    team_app.config["DEFAULT_LANG"] = "id"
    _invite(_admin(team_app), role="editor")
    (message,) = smtp.wait_for(1)
    assert message["Subject"] == "Anda diundang ke halaman staf Toko Rona Help"
    body = message.get_body(("plain",)).get_content()
    assert "Tautan ini berlaku sekali dan selama 72 jam." in body
    assert LINK.search(body)

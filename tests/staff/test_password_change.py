"""A new password ends the person's API tokens as well as their sign-ins (issue 19).

A token made by whoever knew the old password used to keep reading the reports
after ``kb users set-password``.
"""

from __future__ import annotations

import re

from flask import Flask
from helpers import csrf, rows, staff_email

from kb.storage.models import ApiToken

_SECRET = re.compile(r'id="new-token" type="text" readonly value="(jwb_[^"]+)"')
NEW_PASSWORD = "a brand new passphrase"


def _make_token(client, name: str) -> str:
    made = client.post(
        "/agent/account/tokens",
        data={
            "csrf_token": csrf(client, "/agent/account/"),
            "name": name,
            "days": "30",
        },
    )
    assert made.status_code == 201, made.get_data(as_text=True)[:2000]
    found = _SECRET.search(made.get_data(as_text=True))
    assert found
    return found.group(1)


def _api(app: Flask, secret: str):
    return app.test_client().get(
        "/api/v1/reports/team", headers={"Authorization": f"Bearer {secret}"}
    )


def test_set_password_ends_the_persons_api_tokens(ticket_app, auth) -> None:
    ticket_app.config["REPORT_CACHE_SECONDS"] = 0
    editor = auth.login("editor")
    mine = [_make_token(editor, "weekly sheet"), _make_token(editor, "dashboard")]
    theirs = _make_token(auth.login("agent"), "agent's sheet")
    assert [_api(ticket_app, s).status_code for s in [*mine, theirs]] == [200] * 3

    result = ticket_app.test_cli_runner().invoke(
        args=[
            "users",
            "set-password",
            staff_email("editor"),
            "--password",
            NEW_PASSWORD,
        ]
    )
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"{staff_email('editor')}: password changed; every sign-in ended and "
        "2 API token(s) revoked.\n"
    )
    assert [_api(ticket_app, s).status_code for s in mine] == [401, 401]
    assert _api(ticket_app, theirs).status_code == 200  # someone else's stays
    revoked = {t.name for t in rows(ticket_app, ApiToken) if t.revoked_at is not None}
    assert revoked == {"weekly sheet", "dashboard"}

    assert editor.get("/agent/").status_code == 302  # the sign-in ended too


def test_the_account_page_says_a_new_password_ends_tokens(ticket_app, auth) -> None:
    page = auth.login("agent").get("/agent/account/").get_data(as_text=True)
    assert "A new password ends every token you made" in page

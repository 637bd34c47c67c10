"""Personal staff API tokens for /api/v1/reports (issue 11): made on the staff
member's own page, shown once, stored hashed, sent as a bearer token; revoked,
expired, unknown tokens and disabled owners get a 401 in the API's error shape."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from flask import Flask
from helpers import csrf, rows
from sqlalchemy import update

from kb.services import users
from kb.storage.db import standalone_session
from kb.storage.models import ApiToken

_SECRET = re.compile(r'id="new-token" type="text" readonly value="(jwb_[^"]+)"')


@pytest.fixture()
def token_app(ticket_app: Flask) -> Flask:
    """The app over a migrated database, reports uncached."""
    ticket_app.config["REPORT_CACHE_SECONDS"] = 0
    return ticket_app


def _make_token(client, name: str = "weekly sheet", days: str = "30") -> str:
    token = csrf(client, "/agent/account/")
    made = client.post(
        "/agent/account/tokens",
        data={"csrf_token": token, "name": name, "days": days},
    )
    assert made.status_code == 201, made.get_data(as_text=True)[:2000]
    page = made.get_data(as_text=True)
    assert "shown only this once" in page
    found = _SECRET.search(page)
    assert found, page[:3000]
    return found.group(1)


def _api(app: Flask, secret: str, name: str = "team", **headers: str):
    client = app.test_client()  # no cookie at all
    return client.get(
        f"/api/v1/reports/{name}",
        headers={"Authorization": f"Bearer {secret}", **headers},
    )


def test_a_token_is_shown_once_stored_hashed_and_reads_the_reports(
    token_app, auth
) -> None:
    editor = auth.login("editor")
    secret = _make_token(editor)
    assert len(secret) >= 4 + 43
    stored = rows(token_app, ApiToken)
    assert len(stored) == 1
    assert stored[0].token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in editor.get("/agent/account/").get_data(as_text=True)
    assert stored[0].last_used_at is None

    response = _api(token_app, secret, "search")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["columns"][:3] == ["query", "searches", "visits"]
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    assert rows(token_app, ApiToken)[0].last_used_at is not None
    listed = editor.get("/agent/account/").get_data(as_text=True)
    assert "weekly sheet" in listed and "never" not in listed


def test_an_agents_token_sees_only_their_own_row(token_app, auth) -> None:
    auth.login("editor")  # someone else on the team
    agent = auth.login("agent")
    secret = _make_token(agent)
    team = _api(token_app, secret, "team").get_json()
    assert [r[0][:5] for r in team["rows"]] == ["agent"]
    refused = _api(token_app, secret, "search")
    assert refused.status_code == 403 and refused.get_json()["status"] == 403


@pytest.mark.parametrize(
    "header",
    [
        "Bearer jwb_unknownunknownunknownunknownunknownunknown1",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer not-even-ours",
    ],
)
def test_unknown_tokens_get_401_in_the_one_shape(token_app, header) -> None:
    response = token_app.test_client().get(
        "/api/v1/reports/overview", headers={"Authorization": header}
    )
    assert response.status_code == 401
    body = response.get_json()
    assert set(body) == {"error", "status", "field"} and body["status"] == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_no_token_and_no_session_names_the_bearer_scheme(token_app) -> None:
    response = token_app.test_client().get("/api/v1/reports/team")
    assert response.status_code == 401 and response.get_json()["status"] == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="jawab"'


def test_revoked_expired_and_disabled_tokens_stop_working(token_app, auth) -> None:
    editor = auth.login("editor")
    revoked = _make_token(editor, "to revoke")
    expired = _make_token(editor, "to expire")
    kept = _make_token(editor, "kept")
    ids = {t.name: t.id for t in rows(token_app, ApiToken)}
    token = csrf(editor, "/agent/account/")
    done = editor.post(
        f"/agent/account/tokens/{ids['to revoke']}/revoke", data={"csrf_token": token}
    )
    assert done.status_code == 302
    assert "Token revoked" in editor.get("/agent/account/").get_data(as_text=True)
    assert _api(token_app, revoked).status_code == 401

    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    with token_app.app_context(), standalone_session() as db:
        db.execute(
            update(ApiToken)
            .where(ApiToken.id == ids["to expire"])
            .values(expires_at=past)
        )
        db.commit()
    assert _api(token_app, expired).status_code == 401
    assert "expired" in editor.get("/agent/account/").get_data(as_text=True)

    assert _api(token_app, kept).status_code == 200
    with token_app.app_context(), standalone_session() as db:
        users.disable(db, "editor@tokorona.example")
    assert _api(token_app, kept).status_code == 401


def test_someone_elses_token_cannot_be_revoked(token_app, auth) -> None:
    editor = auth.login("editor")
    _make_token(editor)
    token_id = rows(token_app, ApiToken)[0].id
    agent = auth.login("agent")
    token = csrf(agent, "/agent/account/")
    response = agent.post(
        f"/agent/account/tokens/{token_id}/revoke", data={"csrf_token": token}
    )
    assert response.status_code == 404
    assert rows(token_app, ApiToken)[0].revoked_at is None


def test_tokens_never_open_html_pages(token_app, auth) -> None:
    secret = _make_token(auth.login("admin"))
    client = token_app.test_client()
    for url in ("/admin/reports/", "/agent/", "/agent/account/"):
        page = client.get(url, headers={"Authorization": f"Bearer {secret}"})
        assert page.status_code == 302 and "/agent/login" in page.headers["Location"]


def test_a_token_needs_a_name_and_a_known_lifetime(token_app, auth) -> None:
    editor = auth.login("editor")
    token = csrf(editor, "/agent/account/")
    blank = editor.post(
        "/agent/account/tokens", data={"csrf_token": token, "name": " ", "days": "30"}
    )
    assert blank.status_code == 400
    assert "Give the token a name" in blank.get_data(as_text=True)
    forever = editor.post(
        "/agent/account/tokens",
        data={"csrf_token": token, "name": "x", "days": "100000"},
    )
    assert forever.status_code == 400 and 'aria-invalid="true"' in forever.get_data(
        as_text=True
    )
    assert rows(token_app, ApiToken) == []


def test_the_account_page_in_indonesian(token_app, auth) -> None:
    editor = auth.login("editor")
    editor.environ_base["HTTP_ACCEPT_LANGUAGE"] = "id"
    page = editor.get("/agent/account/").get_data(as_text=True)
    assert "Token API" in page and "Buat token" in page

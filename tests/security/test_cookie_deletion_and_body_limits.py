"""Two smaller findings of issue 19.

- Cookie deletions carry the cookie's own attributes: a browser ignores the
  deletion of a ``__Host-`` cookie without ``Secure``, and sign-out did not
  delete the remember cookie at all.
- Body limits fit each route's fields: 20,000 characters of any script through
  the editor (each up to 12 bytes form-encoded), 64 KB everywhere else.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask
from helpers import CONTACT_FORM, PASSWORD, csrf, execute, make_staff, rows
from sqlalchemy import update

from kb.storage.models import Draft, StaffSession

BASE = "https://help.tokorona.example"
ENVIRONMENTS = {
    "production": {"KB_ENV": "production", "BASE_URL": BASE, "SMTP_HOST": "smtp.x"},
    "development": {},
}


@pytest.fixture(params=sorted(ENVIRONMENTS))
def cookie_app(request, make_app, database_url) -> Flask:
    app = make_app(DATABASE_URL=database_url, **ENVIRONMENTS[request.param])
    make_staff(app, "agent")
    return app


def _over_https(app: Flask):
    """A client of ``app`` on its own scheme and host, with a same-site Referer."""
    client = app.test_client()
    base = app.config["BASE_URL"] or "http://localhost"

    def get(url: str):
        return client.get(url, base_url=base)

    def post(url: str, data: dict[str, str], form_url: str):
        token = csrf(client, form_url, base_url=base)
        return client.post(
            url,
            data={**data, "csrf_token": token},
            base_url=base,
            headers={"Referer": base + form_url},
        )

    return client, get, post


def _remember_cookie(app: Flask) -> str:
    return app.config.get("REMEMBER_COOKIE_NAME", "remember_token")


def _deletions(response, name: str) -> list[str]:
    return [
        c
        for c in response.headers.getlist("Set-Cookie")
        if c.startswith(f"{name}=;") and "Max-Age=0" in c
    ]


def _same_attributes(app: Flask, deletion: str) -> None:
    attributes = {part.strip() for part in deletion.split(";")}
    assert {"HttpOnly", "Path=/", "SameSite=Lax"} <= attributes
    assert ("Secure" in attributes) == (app.config["KB_ENV"] == "production")


def _sign_in_remembered(app: Flask):
    client, get, post = _over_https(app)
    signed = post(
        "/agent/login",
        {"email": "agent@tokorona.example", "password": PASSWORD, "remember": "y"},
        "/agent/login",
    )
    assert signed.status_code == 302
    return client, get, post


def test_sign_out_deletes_both_cookies_with_their_attributes(cookie_app) -> None:
    _client, _get, post = _sign_in_remembered(cookie_app)
    out = post("/agent/logout", {}, "/agent/")
    assert out.status_code == 302
    remember = _deletions(out, _remember_cookie(cookie_app))
    session = _deletions(out, cookie_app.config["SESSION_COOKIE_NAME"])
    assert len(remember) == 1 and len(session) == 1, out.headers
    _same_attributes(cookie_app, remember[0])
    _same_attributes(cookie_app, session[0])


def test_an_ended_sign_in_deletes_its_remember_cookie(cookie_app) -> None:
    client, _get, _post = _sign_in_remembered(cookie_app)
    name = _remember_cookie(cookie_app)
    host = (cookie_app.config["BASE_URL"] or "http://localhost").split("://")[1]
    remembered = client.get_cookie(name, domain=host)
    assert remembered is not None
    # The sign-in outlived "keep me signed in" (7 days): the server ends it.
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=8)
    execute(cookie_app, update(StaffSession).values(created_at=long_ago))
    fresh, get_fresh, _ = _over_https(cookie_app)  # only the remember cookie
    fresh.set_cookie(name, remembered.value, domain=host, path="/")
    refused = get_fresh("/agent/")
    assert refused.status_code == 302 and "/agent/login" in refused.headers["Location"]
    (deletion,) = _deletions(refused, name)
    _same_attributes(cookie_app, deletion)


# -- body limits ---------------------------------------------------------------

LONG_TEXTS = {"e-acute": "é" * 20_000, "emoji": "\N{GRINNING FACE}" * 20_000}


@pytest.fixture()
def editor(auth):
    client = auth.login("editor")
    made = client.post(
        "/editor/new",
        data={
            "csrf_token": csrf(client, "/editor/new"),
            "title": "Ulang tahun",
            "lang": "id",
            "slug": "ulang-tahun",
            "category": "",
            "status": "published",
            "body": "Pendek.",
        },
    )
    assert made.status_code == 302, made.get_data(as_text=True)[:2000]
    draft_id = int(re.search(r"/editor/drafts/(\d+)", made.headers["Location"])[1])
    return client, draft_id


def _form(client, draft_id: int, body: str) -> dict[str, str]:
    return {
        "csrf_token": csrf(client, f"/editor/drafts/{draft_id}"),
        "title": "Ulang tahun \N{BIRTHDAY CAKE}" * 12,  # long in the other fields too
        "lang": "id",
        "slug": "ulang-tahun",
        "category": "",
        "tags": "é" * 500,
        "summary": "\N{GRINNING FACE}" * 300,
        "status": "published",
        "body": body,
    }


@pytest.mark.parametrize("text", sorted(LONG_TEXTS))
def test_the_editor_saves_20000_characters_of_any_script(editor, auth, text) -> None:
    client, draft_id = editor
    body = LONG_TEXTS[text]
    saved = client.post(
        f"/editor/drafts/{draft_id}", data=_form(client, draft_id, body)
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)[:500]
    assert [d.body for d in rows(auth.app, Draft)] == [body]


@pytest.mark.parametrize("encoding", ["form", "multipart"])
@pytest.mark.parametrize("text", sorted(LONG_TEXTS))
def test_autosave_takes_20000_characters_of_any_script(
    editor, auth, text, encoding
) -> None:
    client, draft_id = editor
    body = LONG_TEXTS[text]
    saved = client.post(
        f"/editor/drafts/{draft_id}/autosave",
        data=_form(client, draft_id, body),
        headers={"X-Requested-With": "fetch"},
        # The editor's script sends FormData (multipart); a form post is the
        # larger encoding of the two.
        content_type="multipart/form-data" if encoding == "multipart" else None,
    )
    assert saved.status_code == 200, saved.get_data(as_text=True)[:500]
    assert [d.body for d in rows(auth.app, Draft)] == [body]


def test_strangers_and_other_routes_keep_64_kb(editor, ticket_app) -> None:
    _client, draft_id = editor
    big = {"body": "é" * 20_000}
    stranger = ticket_app.test_client()
    assert stranger.post(f"/editor/drafts/{draft_id}", data=big).status_code == 413
    contact = stranger.post(
        "/en/contact", data={**CONTACT_FORM, "message": "é" * 12_000}
    )
    assert contact.status_code == 413

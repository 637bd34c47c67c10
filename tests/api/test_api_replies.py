"""POST /api/v1/replies/draft (issue 21 point 6): staff by token or session+CSRF,
one error shape for bad input, the same drafting as the composer page."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from flask import Flask
from helpers import add_staff, csrf, rows, signed_in

from kb.services import api_tokens, composer, users
from kb.storage.db import standalone_session
from kb.storage.models import PublicReply, ShortLink

PROJECT = Path(__file__).resolve().parents[2]
URL = "/api/v1/replies/draft"
AGENT = "agent@tokorona.example"
ANGRY = "udah seminggu paket gue belum nyampe, CS lelet!!"


@pytest.fixture()
def sample_app(make_app, tmp_path: Path) -> Flask:
    """The app over the sample help center, with an agent."""
    folder = tmp_path / "sample-articles"
    shutil.copytree(PROJECT / "articles", folder)
    app = make_app(ARTICLES_DIR=str(folder))
    add_staff(app, AGENT, "agent", name="Sari")
    return app


def bearer(app: Flask) -> dict[str, str]:
    with app.app_context(), standalone_session() as db:
        user = users.find(db, AGENT)
        assert user is not None
        secret, _info = api_tokens.create(db, user, "replies", 30)
    return {"Authorization": f"Bearer {secret}"}


def test_a_token_drafts_three_replies_as_specified(sample_app) -> None:
    response = sample_app.test_client().post(
        URL, json={"post": ANGRY, "platform": "tiktok"}, headers=bearer(sample_app)
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert set(body) == {
        "lang",
        "platform",
        "platform_from_thread",
        "situation",
        "article",
        "section",
        "answer",
        "replies",
        "candidates",
    }
    assert body["lang"] == "id"
    assert (body["platform"], body["platform_from_thread"]) == ("tiktok", False)
    assert body["situation"] == {
        "complaint": True,
        "thanks": False,
        "heated": True,
        "personal_data": [],
        "private": True,
    }
    assert body["article"]["slug"] == "pesanan-terlambat"
    assert body["article"]["url"].endswith("/id/articles/pesanan-terlambat")
    assert body["section"]["anchor"] == "kapan-perlu-menghubungi-kami"
    assert "3 hari" in body["answer"]
    assert [r["handoff"] for r in body["replies"]] == [False, False, True]
    assert [r["key"] for r in body["replies"]] == ["shortest", "standard", "private"]
    for reply in body["replies"]:
        assert reply["limit"] == 150
        assert reply["length"] == composer.count(reply["text"], "tiktok") <= 150
        if reply["link"] or not reply["handoff"]:
            assert re.fullmatch(r"http://localhost/s/[a-z2-9]{8}", reply["link"])
            assert reply["link"] in reply["text"]
        assert "!" not in reply["text"]
    assert 1 <= len(body["candidates"]) <= 3
    assert response.headers["Cache-Control"] == "no-store"
    assert "Access-Control-Allow-Origin" not in response.headers
    # Nothing of the post is kept: one short link, no reply until one is copied.
    assert len(rows(sample_app, ShortLink)) == 1
    assert rows(sample_app, PublicReply) == []


@pytest.mark.parametrize(
    ("post", "lang", "text"),
    [
        (
            "gilaaa cepet bgt paketnya nyampeee!!! makasih tokorona 😍😍",
            "id",
            "Makasih banyak, Kak! Ikut senang dengarnya 😊",
        ),
        (
            "Thank you so much for the quick refund!! You guys are the best 🙌",
            "en",
            "Thanks so much! So glad to hear it 😊",
        ),
    ],
)
def test_a_post_that_only_thanks_gets_one_thank_you(
    sample_app, post: str, lang: str, text: str
) -> None:
    response = sample_app.test_client().post(
        URL, json={"post": post, "platform": "x"}, headers=bearer(sample_app)
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["lang"] == lang
    assert body["situation"] == {
        "complaint": False,
        "thanks": True,
        "heated": False,
        "personal_data": [],
        "private": False,
    }
    assert (body["article"], body["section"], body["answer"]) == (None, None, None)
    assert body["replies"] == [
        {
            "key": "thanks",
            "text": text,
            "length": composer.count(text, "x"),
            "limit": 280,
            "link": None,
            "handoff": False,
        }
    ]
    assert body["candidates"]  # still there, for a tool that wants to pick one
    assert rows(sample_app, ShortLink) == [] and rows(sample_app, PublicReply) == []


def test_lang_and_tone_override_and_data_stays_out(sample_app) -> None:
    post = "Refund for order 2411889900 still not here, call me at 081234567890"
    body = (
        sample_app.test_client()
        .post(
            URL,
            json={
                "post": post,
                "platform": "x",
                "lang": "id",
                "tone": "formal",
                "thread_url": "https://x.com/someone/status/1",
            },
            headers=bearer(sample_app),
        )
        .get_json()
    )
    assert body["lang"] == "id"
    assert set(body["situation"]["personal_data"]) >= {"phone"}
    assert body["situation"]["private"] is True
    for reply in body["replies"]:
        assert "2411889900" not in reply["text"] and "081234567890" not in reply["text"]
        assert "Bapak/Ibu" in reply["text"] and "Kak" not in reply["text"]
        assert reply["length"] <= 280


def test_candidates_compare_and_the_thread_link_chooses_the_platform(
    sample_app,
) -> None:
    client = sample_app.test_client()
    headers = bearer(sample_app)
    thread = "https://www.instagram.com/p/C0ffee/"
    for platform in ({"platform": "other"}, {}):
        response = client.post(
            URL, json={"post": ANGRY, "thread_url": thread, **platform}, headers=headers
        )
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert (body["platform"], body["platform_from_thread"]) == ("instagram", True)
        assert {r["limit"] for r in body["replies"]} == {2200}
        assert thread not in str(body)  # the link is the agent's, never in a reply
        # Every candidate has a comparable figure and a word for it.
        first, *others = body["candidates"]
        assert (first["match"], first["relevance"]) == ("best", 1.0)
        relevances = [c["relevance"] for c in body["candidates"]]
        assert relevances == sorted(relevances, reverse=True)
        for c in others:
            assert 0 <= c["relevance"] <= 1
            assert c["match"] == ("possible" if c["relevance"] >= 0.5 else "weak")
    # A platform the agent chose stays; a link on an unknown host chooses nothing.
    chosen = client.post(
        URL,
        json={"post": ANGRY, "platform": "tiktok", "thread_url": thread},
        headers=headers,
    ).get_json()
    assert (chosen["platform"], chosen["platform_from_thread"]) == ("tiktok", False)
    unknown = client.post(
        URL,
        json={"post": ANGRY, "thread_url": "https://forum.example/t/1"},
        headers=headers,
    )
    assert unknown.status_code == 400
    assert unknown.get_json()["field"] == "platform"


def test_a_session_needs_its_csrf_token(sample_app) -> None:
    client = signed_in(sample_app, AGENT)
    refused = client.post(URL, json={"post": ANGRY, "platform": "x"})
    assert refused.status_code == 400
    assert set(refused.get_json()) == {"error", "status", "field"}
    token = csrf(client, "/agent/reply/draft")
    drafted = client.post(
        URL, json={"post": ANGRY, "platform": "x"}, headers={"X-CSRFToken": token}
    )
    assert drafted.status_code == 200
    assert len(drafted.get_json()["replies"]) == 3


def test_no_staff_no_draft(sample_app) -> None:
    client = sample_app.test_client()
    anonymous = client.post(URL, json={"post": ANGRY, "platform": "x"})
    assert anonymous.status_code == 401
    assert anonymous.get_json()["status"] == 401
    wrong = client.post(
        URL,
        json={"post": ANGRY, "platform": "x"},
        headers={"Authorization": "Bearer jwb_nope"},
    )
    assert wrong.status_code == 401
    assert wrong.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"post": "", "platform": "x"}, "post"),
        ({"post": "   \n ", "platform": "x"}, "post"),
        ({"platform": "x"}, "post"),
        ({"post": "x" * 5001, "platform": "x"}, "post"),
        ({"post": 12, "platform": "x"}, "post"),
        ({"post": ANGRY, "platform": "myspace"}, "platform"),
        ({"post": ANGRY}, "platform"),
        ({"post": ANGRY, "platform": "x", "lang": "fr"}, "lang"),
        ({"post": ANGRY, "platform": "x", "tone": "rude"}, "tone"),
        ({"post": ANGRY, "platform": "x", "thread_url": "javascript:x"}, "thread_url"),
        (["not", "an", "object"], "body"),
    ],
)
def test_bad_input_has_the_one_error_shape(sample_app, body, field: str) -> None:
    response = sample_app.test_client().post(URL, json=body, headers=bearer(sample_app))
    assert response.status_code == 400
    answer = response.get_json()
    assert set(answer) == {"error", "status", "field"}
    assert (answer["status"], answer["field"]) == (400, field)
    assert answer["error"]


def test_drafts_are_rate_limited_per_staff_member(sample_app) -> None:
    sample_app.config["RATELIMIT_ENABLED"] = True
    client = sample_app.test_client()
    headers = bearer(sample_app)
    statuses = [
        client.post(
            URL, json={"post": "", "platform": "x"}, headers=headers
        ).status_code
        for _ in range(31)
    ]
    assert statuses[:30] == [400] * 30 and statuses[30] == 429
    limited = client.post(URL, json={"post": ANGRY, "platform": "x"}, headers=headers)
    assert limited.status_code == 429 and limited.headers["Retry-After"]
    assert set(limited.get_json()) == {"error", "status", "field"}

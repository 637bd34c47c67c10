"""Short links of public replies: ``/s/<code>`` → the article section, attributed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from alembic import command
from flask import Flask
from helpers import execute, rows
from sqlalchemy import create_engine, inspect, text, update

from kb import config as kb_config
from kb.services import composer, public_replies, short_links
from kb.storage import db, migrate
from kb.storage.db import normalise_url
from kb.storage.models import ArticleViewLog, ShortLink

CODE = "k7m2p9qa"


def _shorten(app: Flask, code: str = CODE, **fields: str | None) -> str:
    values = {
        "slug": "refund-times",
        "lang": "en",
        "anchor": "bank-transfer",
        "platform": "instagram",
        **fields,
    }
    with app.test_request_context("/"):
        return short_links.shorten(db.session(), code=code, **values)  # type: ignore[arg-type]


def test_the_short_link_leads_to_the_section_with_the_long_links_attribution(
    app: Flask,
) -> None:
    link = _shorten(app)
    assert link == f"http://localhost/s/{CODE}"
    response = app.test_client().get(f"/s/{CODE}")
    assert response.status_code == 302
    # Exactly what the long link of the reply carries (the one place it is built).
    with app.test_request_context("/"):
        long_link = composer.with_reply_code(
            composer.reply_link(
                "http://localhost/en/articles/refund-times",
                "instagram",
                "bank-transfer",
            ),
            CODE,
        )
    assert response.headers["Location"] == long_link
    assert response.headers["Location"] == (
        "http://localhost/en/articles/refund-times"
        f"?src=instagram&s=bank-transfer&r={CODE}#bank-transfer"
    )
    assert response.headers["Cache-Control"] == "no-store"


def test_the_target_page_keeps_the_section_preview_for_unfurlers(app: Flask) -> None:
    _shorten(app)
    client = app.test_client()
    page = client.get(f"/s/{CODE}", follow_redirects=True)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # og:title names "Article › Section" (kb.services.sharing.preview).
    assert 'property="og:title" content="How long refunds take › Bank transfer"' in html


def test_an_article_without_a_section(app: Flask) -> None:
    _shorten(app, anchor=None, platform="x")
    response = app.test_client().get(f"/s/{CODE}")
    assert response.headers["Location"] == (
        f"http://localhost/en/articles/refund-times?src=x&r={CODE}"
    )


def test_head_answers_like_get(app: Flask) -> None:
    _shorten(app)
    client = app.test_client()
    head = client.head(f"/s/{CODE}")
    assert head.status_code == 302
    assert head.headers["Location"] == client.get(f"/s/{CODE}").headers["Location"]


def test_shortening_is_idempotent_per_code(app: Flask) -> None:
    first = _shorten(app)
    again = _shorten(app)
    assert first == again
    assert [link.code for link in rows(app, ShortLink)] == [CODE]


def test_a_draft_moved_to_another_section_moves_its_link_until_copied(
    app: Flask,
) -> None:
    _shorten(app)
    _shorten(app, anchor="e-wallet")
    assert "#e-wallet" in app.test_client().get(f"/s/{CODE}").headers["Location"]
    with app.test_request_context("/"):
        public_replies.record(
            db.session(),
            code=CODE,
            user_id=None,
            slug="refund-times",
            section="e-wallet",
            lang="en",
            platform="instagram",
            case_code=None,
        )
        db.session().commit()
    # Posted: the link is what the customer got, and no later draft moves it.
    _shorten(app, anchor="bank-transfer")
    assert "#e-wallet" in app.test_client().get(f"/s/{CODE}").headers["Location"]


def test_a_renamed_article_and_section_are_followed(
    app: Flask, articles_dir: Path
) -> None:
    # Drafted under the old slug and the old anchor, both renamed since.
    _shorten(app, slug="forgot-password", anchor="if-you-forgot")
    response = app.test_client().get(f"/s/{CODE}")
    assert response.status_code == 302
    assert response.headers["Location"] == (
        "http://localhost/en/articles/reset-password?src=instagram"
        f"&s=if-you-forgot-your-password&r={CODE}#if-you-forgot-your-password"
    )


def test_a_section_that_no_longer_exists_leads_to_the_article(app: Flask) -> None:
    _shorten(app, anchor="gone-section")
    location = app.test_client().get(f"/s/{CODE}").headers["Location"]
    assert location == (
        f"http://localhost/en/articles/refund-times?src=instagram&r={CODE}"
    )


def test_a_vanished_article_answers_the_not_found_page(app: Flask) -> None:
    _shorten(app, slug="no-such-article")
    response = app.test_client().get(f"/s/{CODE}")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "couldn" in html and 'type="search"' in html


@pytest.mark.parametrize(
    "code",
    [
        "abcdefgh",  # well-formed, never made
        "short",
        "k7m2p9qa0",  # too long
        "K7M2P9QB",  # upper case of a code never made
        "k7m2p9q1",  # 1 is not in the alphabet
        "%3Cscript%3E",
        "..%2F..%2Fetc",
    ],
)
def test_unknown_or_malformed_codes_answer_not_found(app: Flask, code: str) -> None:
    _shorten(app)
    response = app.test_client().get(f"/s/{code}")
    assert response.status_code == 404
    assert "<script>" not in response.get_data(as_text=True)


def test_a_code_retyped_in_capitals_still_works(app: Flask) -> None:
    _shorten(app)
    client = app.test_client()
    typed = client.get(f"/s/{CODE.upper()}")
    assert typed.status_code == 302
    assert typed.headers["Location"] == client.get(f"/s/{CODE}").headers["Location"]


def test_following_is_rate_limited(app: Flask) -> None:
    _shorten(app)
    client = app.test_client()
    answers = [client.get(f"/s/{CODE}").status_code for _ in range(61)]
    assert answers[:60] == [302] * 60
    assert answers[60] == 429


def test_the_short_domain_answers_only_short_links(make_app) -> None:
    app = make_app(
        index=False,
        BASE_URL="https://help.tokorona.example",
        SHORT_BASE_URL="https://tkr.id",
    )
    _shorten(app)
    client = app.test_client()
    short = client.get(f"/s/{CODE}", base_url="https://tkr.id")
    assert short.status_code == 302
    assert short.headers["Location"].startswith(
        "https://help.tokorona.example/en/articles/refund-times?"
    )
    for path, moved in (
        ("/", "https://help.tokorona.example/"),
        ("/agent/login", "https://help.tokorona.example/agent/login"),
        ("/id/search?q=refund", "https://help.tokorona.example/id/search?q=refund"),
    ):
        page = client.get(path, base_url="https://tkr.id")
        assert (page.status_code, page.headers["Location"]) == (301, moved), path
    # The help center's own host is untouched.
    home = client.get("/en/", base_url="https://help.tokorona.example")
    assert home.status_code == 200


@pytest.mark.parametrize(
    "bad", [{"code": "NOT-A-CODE"}, {"lang": "fr"}, {"platform": "myspace"}]
)
def test_shorten_refuses_what_a_reply_could_not_carry(
    app: Flask, bad: dict[str, str]
) -> None:
    with pytest.raises(ValueError):
        _shorten(app, **bad)
    assert rows(app, ShortLink) == []


def test_following_the_link_counts_nothing_itself(app: Flask) -> None:
    _shorten(app)
    client = app.test_client()
    for _ in range(3):
        assert client.get(f"/s/{CODE}").status_code == 302
    app.extensions["jawab.events"].flush()
    # The article page counts the view by its r= (kb.views.insights), once.
    assert rows(app, ArticleViewLog) == []


def test_the_short_base_url_is_used_and_short(make_app) -> None:
    app = make_app(
        index=False,
        BASE_URL="https://help.tokorona.example",
        SHORT_BASE_URL="https://tkr.id",
    )
    link = _shorten(app)
    assert link == f"https://tkr.id/s/{CODE}"
    assert len(link) <= 40
    # The redirect still lands on the help center's own host.
    location = app.test_client().get(f"/s/{CODE}").headers["Location"]
    assert location.startswith("https://help.tokorona.example/en/articles/")


def test_without_a_short_domain_the_base_url_carries_it(make_app) -> None:
    app = make_app(index=False, BASE_URL="https://help.tokorona.example")
    link = _shorten(app)
    assert link == f"https://help.tokorona.example/s/{CODE}"
    assert len(link) <= 40


def _validated(**values: str) -> dict:
    config = kb_config.defaults("/tmp/jawab-instance")
    config.update(values)
    kb_config.validate(config)
    return config


@pytest.mark.parametrize(
    "value",
    [
        "tkr.id",
        "ftp://tkr.id",
        "https://tkr.id/s",
        "https://tkr.id/?x=1",
        "https://tkr.id/#s",
        "https://",
    ],
)
def test_a_short_base_url_with_more_than_scheme_and_host_is_refused(
    value: str,
) -> None:
    with pytest.raises(kb_config.ConfigError, match="KB_SHORT_BASE_URL"):
        _validated(SHORT_BASE_URL=value)


def test_production_wants_https_and_answers_the_short_host() -> None:
    production = {
        "KB_ENV": "production",
        "BASE_URL": "https://help.tokorona.example",
        "SECRET_KEY": "x" * 40,
        "SMTP_HOST": "smtp.tokorona.example",
    }
    with pytest.raises(kb_config.ConfigError, match="https"):
        _validated(**production, SHORT_BASE_URL="http://tkr.id")
    config = _validated(**production, SHORT_BASE_URL="https://tkr.id/")
    assert config["SHORT_BASE_URL"] == "https://tkr.id"
    assert "tkr.id" in config["TRUSTED_HOSTS"]
    assert "help.tokorona.example" in config["TRUSTED_HOSTS"]


def test_prune_keeps_what_was_posted_or_opened(app: Flask) -> None:
    for code in ("aaaaaaaa", "bbbbbbbb", "cccccccc", "dddddddd"):
        _shorten(app, code=code)
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=short_links.UNUSED_DAYS + 1)
    execute(
        app,
        update(ShortLink).where(ShortLink.code != "dddddddd").values(created_at=old),
    )
    with app.test_request_context("/"):
        session = db.session()
        public_replies.record(
            session,
            code="aaaaaaaa",
            user_id=None,
            slug="refund-times",
            section=None,
            lang="en",
            platform="x",
            case_code=None,
        )
        session.add(
            ArticleViewLog(slug="refund-times", lang="en", reply_code="bbbbbbbb")
        )
        session.commit()
        removed = short_links.prune(session, dt.datetime.now(dt.UTC))
    assert removed == 1  # cccccccc: old, never copied, never opened
    assert sorted(link.code for link in rows(app, ShortLink)) == [
        "aaaaaaaa",
        "bbbbbbbb",
        "dddddddd",
    ]


def test_migration_0013_up_down_up(empty_database: str) -> None:
    url = empty_database
    migrate.upgrade(url, "0013_short_links")
    engine = create_engine(normalise_url(url))
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO short_links (code, slug, lang, anchor, platform,"
                    " created_at) VALUES ('k7m2p9qa', 'refund-times', 'en', NULL,"
                    " 'x', :now)"
                ),
                {"now": dt.datetime(2026, 12, 7, tzinfo=dt.UTC)},
            )
        assert "short_links" in inspect(engine).get_table_names()
        command.downgrade(migrate.alembic_config(url), "0012")
        assert "short_links" not in inspect(engine).get_table_names()
        migrate.upgrade(url)
        with engine.connect() as conn:
            columns = {c["name"] for c in inspect(conn).get_columns("short_links")}
            pk = inspect(conn).get_pk_constraint("short_links")
            empty = conn.execute(text("SELECT count(*) FROM short_links")).scalar()
        assert columns == {"code", "slug", "lang", "anchor", "platform", "created_at"}
        assert pk["constrained_columns"] == ["code"]
        assert empty == 0
    finally:
        engine.dispose()


def test_the_nightly_purge_prunes_unused_short_links(app: Flask) -> None:
    _shorten(app, code="cccccccc")
    _shorten(app, code="dddddddd")
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=short_links.UNUSED_DAYS + 1)
    execute(
        app,
        update(ShortLink).where(ShortLink.code == "cccccccc").values(created_at=old),
    )
    result = app.test_cli_runner().invoke(args=["reports", "purge"])
    assert result.exit_code == 0, result.output
    assert "purged 1 unused short link(s)" in result.output
    assert [link.code for link in rows(app, ShortLink)] == ["dddddddd"]


# -- /p/<code>: the same reply's private step, the contact form prefilled -----


def test_the_private_short_link_opens_the_prefilled_contact_form(app: Flask) -> None:
    with app.test_request_context("/"):
        private = short_links.private_url(CODE)
    assert private == f"http://localhost/p/{CODE}"
    _shorten(app)
    client = app.test_client()
    response = client.get(f"/p/{CODE}")
    assert response.status_code == 302
    assert response.headers["Location"] == (
        "http://localhost/en/contact?article=refund-times&platform=instagram"
    )
    assert response.headers["Cache-Control"] == "no-store"
    # Where the long handoff link leads, in the end.
    long_link = client.get("/contact?article=refund-times&platform=instagram")
    assert long_link.headers["Location"].endswith(
        response.headers["Location"].removeprefix("http://localhost")
    )
    form = client.get(response.headers["Location"])
    assert form.status_code == 200
    html = form.get_data(as_text=True)
    assert 'value="refund-times"' in html and 'value="instagram"' in html
    # Capitals retyped from a phone's keyboard, and HEAD, answer the same.
    assert (
        client.get(f"/p/{CODE.upper()}").headers["Location"]
        == (response.headers["Location"])
    )
    assert client.head(f"/p/{CODE}").status_code == 302


def test_the_private_short_link_follows_a_renamed_article(app: Flask) -> None:
    _shorten(app, slug="forgot-password", anchor=None, platform="tiktok")
    location = app.test_client().get(f"/p/{CODE}").headers["Location"]
    assert location == (
        "http://localhost/en/contact?article=reset-password&platform=tiktok"
    )


def test_a_vanished_article_still_leads_to_the_private_form(app: Flask) -> None:
    # The form is how the customer reaches us: it asks for the article itself.
    _shorten(app, slug="no-such-article", lang="id", platform="tiktok")
    client = app.test_client()
    response = client.get(f"/p/{CODE}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("http://localhost/id/contact?")
    assert client.get(response.headers["Location"]).status_code == 200


@pytest.mark.parametrize("code", ["abcdefgh", "short", "k7m2p9q1", "%3Cscript%3E"])
def test_unknown_private_codes_answer_the_same_not_found(app: Flask, code: str) -> None:
    _shorten(app)
    client = app.test_client()
    private, short = client.get(f"/p/{code}"), client.get(f"/s/{code}")
    assert private.status_code == short.status_code == 404
    assert private.get_data(as_text=True) == short.get_data(as_text=True)


def test_the_private_short_link_counts_nothing_and_is_rate_limited(
    app: Flask,
) -> None:
    _shorten(app)
    client = app.test_client()
    answers = [client.get(f"/p/{CODE}").status_code for _ in range(61)]
    assert answers[:60] == [302] * 60
    assert answers[60] == 429
    app.extensions["jawab.events"].flush()
    assert rows(app, ArticleViewLog) == []


def test_the_short_domain_answers_the_private_link_too(make_app) -> None:
    app = make_app(
        index=False,
        BASE_URL="https://help.tokorona.example",
        SHORT_BASE_URL="https://tkr.id",
    )
    with app.test_request_context("/"):
        assert short_links.private_url(CODE) == f"https://tkr.id/p/{CODE}"
    _shorten(app)
    response = app.test_client().get(f"/p/{CODE}", base_url="https://tkr.id")
    assert response.status_code == 302
    # The form itself lives on the help center's host, never the short one.
    assert response.headers["Location"] == (
        "https://help.tokorona.example/en/contact"
        "?article=refund-times&platform=instagram"
    )


def test_the_private_short_link_on_sqlite_and_postgresql(ticket_app: Flask) -> None:
    _shorten(ticket_app, platform="tiktok")
    client = ticket_app.test_client()
    response = client.get(f"/p/{CODE}")
    assert response.status_code == 302
    assert response.headers["Location"] == (
        "http://localhost/en/contact?article=refund-times&platform=tiktok"
    )
    assert client.get("/p/abcdefgh").status_code == 404

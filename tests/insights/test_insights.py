"""Insights: anonymous events recorded through one path, and the reports on them.

The "Done when" of issue 11 is :func:`test_a_morning_of_traffic_shows_on_every_report`:
scripted traffic (searches with and without results, clicks, votes, a public
reply whose link is opened, a handoff that becomes a ticket) on SQLite and
PostgreSQL, read back from each report page and its CSV.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from flask import Flask
from helpers import (
    BROWSER_UA,
    beacon,
    csrf,
    morning_traffic,
    open_ticket,
    rows,
    submit_form,
    visitor,
)
from sqlalchemy import inspect, update

from kb.services import events, reports
from kb.storage.db import engine, standalone_session
from kb.storage.models import (
    ArticleViewLog,
    DailyCount,
    PublicReply,
    SearchLog,
    VoteLog,
)


def _flush(app: Flask) -> None:
    events.recorder(app).flush()


# -- scrubbing, unit --------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Refund budi.santoso@mail.example", "refund [email]"),
        ("call me +62 812-3456-7890 please", "call me [phone] please"),
        ("wa 081234567890", "wa [phone]"),
        # The whole invoice and waybill number goes, not only its digits.
        ("order INV/2026/123456789 late", "order [order] late"),
        ("resi JX1234567890ID", "resi [tracking]"),
        ("  Lupa   KATA sandi ", "lupa kata sandi"),
        ("pesanan 1234567", "pesanan 1234567"),  # 7 digits: not an order number
    ],
)
def test_queries_are_scrubbed_before_storage(typed: str, stored: str) -> None:
    assert events.normalise_query(typed) == stored


def test_obvious_bots_are_recognised() -> None:
    assert events.is_bot("Googlebot/2.1 (+http://www.google.com/bot.html)")
    assert events.is_bot("facebookexternalhit/1.1")
    assert events.is_bot("curl/8.5.0")
    assert events.is_bot("")
    assert not events.is_bot(BROWSER_UA)


# -- recording --------------------------------------------------------------------


def test_a_search_is_stored_scrubbed_without_ip(insights_app) -> None:
    client = visitor(insights_app)
    q = "refund budi@mail.example 0812 3456 7890 order 12345678901"
    assert client.get("/en/search", query_string={"q": q}).status_code == 200
    _flush(insights_app)
    [row] = rows(insights_app, SearchLog)
    assert row.query == "refund [email] [phone] order [order]"
    assert row.source == "page" and row.lang == "en" and row.visit_id is None
    assert "budi" not in row.query and "0812" not in row.query


def test_a_search_records_whether_its_words_have_synonyms(insights_app) -> None:
    client = visitor(insights_app)
    for q in ("money back", "refund"):
        assert client.get("/en/search", query_string={"q": q}).status_code == 200
    _flush(insights_app)
    flags = {row.query: row.synonym for row in rows(insights_app, SearchLog)}
    assert flags == {"money back": True, "refund": False}


def test_no_table_holds_an_ip_address_or_user_agent(insights_app) -> None:
    with insights_app.app_context():
        inspector = inspect(engine())
        columns = {
            (table, column["name"])
            for table in inspector.get_table_names()
            for column in inspector.get_columns(table)
        }
    suspicious = [
        (t, c)
        for t, c in columns
        if re.search(r"(^|_)(ip|ip_address|remote_addr|user_agent|address)($|_)", c)
        and c != "to_address"  # the outbox's recipient, not a client address
    ]
    assert not suspicious, suspicious
    assert ("search_events", "visit_id") in columns


def test_staff_and_bots_are_not_counted(insights_app, auth) -> None:
    bot = insights_app.test_client()
    bot.environ_base["HTTP_USER_AGENT"] = "Googlebot/2.1"
    bot.get("/en/search?q=refund")
    staff = auth.login("agent")
    staff.get("/en/search?q=refund")
    staff.get("/api/v1/search?q=refund")
    assert beacon(staff, t="view", slug="reset-password").status_code == 204
    _flush(insights_app)
    assert rows(insights_app, SearchLog) == []
    assert rows(insights_app, ArticleViewLog) == []


def test_a_retyped_longer_query_replaces_the_last_one(insights_app) -> None:
    client = visitor(insights_app)
    client.get("/en/search?q=reset&v=visit-aaaaaaaa")
    client.get("/en/search?q=reset+password&v=visit-aaaaaaaa")
    client.get("/en/search?q=refund&v=visit-aaaaaaaa")  # another search
    client.get("/en/search?q=reset&v=visit-bbbbbbbb")  # another visit
    _flush(insights_app)
    found = sorted((r.visit_id, r.query) for r in rows(insights_app, SearchLog))
    assert found == [
        ("visit-aaaaaaaa", "refund"),
        ("visit-aaaaaaaa", "reset password"),
        ("visit-bbbbbbbb", "reset"),
    ]


def test_api_and_page_searches_record_their_source(insights_app) -> None:
    client = visitor(insights_app)
    client.get("/api/v1/search?q=refund&lang=en")
    client.get("/api/search?q=refund&lang=en&from=contact")
    client.get("/api/v1/suggest?q=ref")  # keystrokes are never logged
    _flush(insights_app)
    assert sorted(r.source for r in rows(insights_app, SearchLog)) == ["api", "contact"]


def test_clicks_views_and_votes_through_the_beacon(insights_app) -> None:
    client = visitor(insights_app)
    page = client.get("/en/search?q=password&v=visit-cccccccc").get_data(as_text=True)
    key = re.search(r'data-search-key="([^"]+)"', page).group(1)
    assert '<ol class="result-list" start="1" data-search-key=' in page
    assert (
        beacon(client, t="click", k=key, slug="reset-password", rank=1).status_code
        == 204
    )
    view = dict(t="view", v="visit-cccccccc", slug="reset-password", src="x", sr=True)
    assert beacon(client, **view).status_code == 204
    assert beacon(client, **view).status_code == 204  # once per visit
    vote = beacon(
        client,
        t="vote",
        v="visit-cccccccc",
        slug="reset-password",
        section="if-you-forgot-your-password",
        helpful=False,
    )
    assert vote.status_code == 200
    reason = beacon(
        client,
        t="reason",
        k=vote.get_json()["key"],
        reason="missing_step",
        comment="my number is 081234567890",
    )
    assert reason.status_code == 204
    again = beacon(
        client,
        t="vote",
        v="visit-cccccccc",
        slug="reset-password",
        section="if-you-forgot-your-password",
        helpful=True,
    )
    assert again.status_code == 200
    _flush(insights_app)
    [search] = rows(insights_app, SearchLog)
    assert (search.clicked_slug, search.clicked_rank) == ("reset-password", 1)
    [viewed] = rows(insights_app, ArticleViewLog)
    assert (viewed.source, viewed.visit_id) == ("x", "visit-cccccccc")
    [voted] = rows(insights_app, VoteLog)  # the changed mind replaced the vote
    assert voted.helpful is True and voted.section == "if-you-forgot-your-password"


def test_the_beacon_names_the_field_at_fault(insights_app) -> None:
    client = visitor(insights_app)
    bad = beacon(client, t="vote", slug="no-such-article", helpful=True)
    assert bad.status_code == 400 and bad.get_json()["field"] == "slug"
    bad = beacon(client, t="vote", slug="reset-password", helpful="yes")
    assert bad.get_json()["field"] == "helpful"
    bad = beacon(client, t="reason", k="abcdefgh12", reason="bored")
    assert bad.get_json()["field"] == "reason"
    assert client.post("/e", data="x").get_json()["field"] == "body"
    other = client.post(
        "/e",
        json={"t": "view", "slug": "reset-password"},
        headers={"Origin": "https://evil.example"},
    )
    assert other.status_code == 403


def test_a_vote_without_javascript_is_a_form_with_csrf(insights_app) -> None:
    client = visitor(insights_app)
    article = client.get("/en/articles/reset-password").get_data(as_text=True)
    assert "Was this article helpful?" in article
    assert "Was this section helpful?" in article
    url = "/en/articles/reset-password/feedback"
    assert f'href="{url}?helpful=no"' in article
    assert client.post(url, data={"helpful": "no"}).status_code == 400  # no CSRF
    form = client.get(url + "?helpful=no&s=if-you-forgot-your-password")
    assert form.status_code == 200 and 'checked id="helpful-1"' in form.get_data(True)
    data = {
        "helpful": "no",
        "reason": "unclear",
        "comment": "write to me at budi@mail.example",
        "s": "if-you-forgot-your-password",
    }
    sent = submit_form(client, url, data, form_url=url)
    assert sent.status_code == 200 and "Thank you" in sent.get_data(as_text=True)
    submit_form(client, url, data, form_url=url)  # twice: counted once
    _flush(insights_app)
    [vote] = rows(insights_app, VoteLog)
    assert (vote.helpful, vote.reason, vote.section) == (
        False,
        "unclear",
        "if-you-forgot-your-password",
    )
    assert vote.comment == "write to me at [email]"
    wrong = submit_form(client, url, {"comment": "hm"}, form_url=url)
    assert wrong.status_code == 400 and "Choose yes or no" in wrong.get_data(True)


def test_the_view_pixel_counts_views_without_javascript(insights_app) -> None:
    client = visitor(insights_app)
    page = client.get("/en/articles/reset-password?src=facebook").get_data(True)
    assert '<noscript><img class="view-pixel" src="/e.gif?slug=reset-password"' in page
    response = client.get(
        "/e.gif?slug=reset-password",
        headers={"Referer": "http://localhost/en/articles/reset-password?src=facebook"},
    )
    assert response.status_code == 200 and response.mimetype == "image/gif"
    _flush(insights_app)
    [view] = rows(insights_app, ArticleViewLog)
    assert (view.source, view.visit_id) == ("facebook", None)


# -- the morning ------------------------------------------------------------------


def _csv(client, url: str) -> list[list[str]]:
    response = client.get(url + ("&" if "?" in url else "?") + "format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_a_morning_of_traffic_shows_on_every_report(insights_app, auth) -> None:
    done = morning_traffic(insights_app, auth)
    editor = auth.login("editor")

    overview = editor.get("/admin/reports/?lang=en&days=7").get_data(as_text=True)
    assert "Searches" in overview and "<svg" in overview and "<title" in overview
    figures = {r[0]: r[1] for r in _csv(editor, "/admin/reports/?lang=en&days=7")}
    assert figures["searches"] == "8"  # 3 × 2 + 2 rare
    assert float(figures["zero_rate"]) == pytest.approx(5 / 8)  # gadget ×3, cicilan ×2
    assert float(figures["click_through"]) == 1.0  # 3 searches with results, 3 clicks
    assert float(figures["self_service"]) == pytest.approx(4.0)  # 4 visits viewed : 1

    gaps = editor.get("/admin/reports/search?lang=en&tab=zero").get_data(as_text=True)
    assert "warranty gadget" in gaps
    assert "cicilan mobil" not in gaps  # 2 visits only: summed as other
    table = _csv(editor, "/admin/reports/search?lang=en&tab=zero")
    assert table[1][:3] == ["warranty gadget", "3", "3"]
    assert table[-1][:2] == ["(other)", "2"]
    top = _csv(editor, "/admin/reports/search?lang=en&tab=top")
    assert [r[0] for r in top[1:-1]] == ["password", "warranty gadget"]
    assert top[1][4] == "Reset your password"  # the best current hit

    articles = _csv(editor, "/admin/reports/articles?lang=en")
    header, reset = articles[0], next(r for r in articles if r[0] == "reset-password")
    row = dict(zip(header, reset, strict=True))
    assert row["views"] == "4"
    assert row["views_by_source"] == "instagram=1 search=3"
    assert (row["yes"], row["no"]) == ("2", "1")
    assert row["public_replies"] == "2" and row["handoffs"] == "1"
    assert row["tickets"] == "1"
    # A "not helpful" vote leads the editor to update the article.
    shown = editor.get("/admin/reports/articles?lang=en").get_data(as_text=True)
    assert 'href="/editor/articles/reset-password"' in shown

    public = {r[0]: r for r in _csv(editor, "/admin/reports/public")}
    assert public["instagram"][1:3] == ["1", "1"]  # one reply, its link opened once
    assert public["x"][1] == "1" and public["x"][4] == "1"  # moved to private
    assert public["x"][6:8] == ["1", "1"]  # one handoff case, one ticket from it

    team = {r[0]: r for r in _csv(editor, "/admin/reports/team")}
    agent_row = next(r for name, r in team.items() if name.startswith("agent"))
    assert agent_row[2] == "2" and agent_row[4] == "1"  # 2 answers, 1 went private
    page = editor.get("/admin/reports/team").get_data(as_text=True)
    assert "Articles written or updated" in page

    # The agent's own list: views per reply, a one-click outcome.
    agent = done["agent"]
    mine = agent.get("/agent/replies/").get_data(as_text=True)
    assert f"r={done['code']}" in mine and "moved to private" in mine
    token = csrf(agent, "/agent/replies/")
    agent.post(
        f"/agent/replies/{done['code']}/outcome",
        data={"csrf_token": token, "outcome": "settled"},
    )
    settled = {r[0]: r for r in _csv(editor, "/admin/reports/public")}
    assert settled["instagram"][3] == "1"


def test_an_agent_sees_only_their_own_row(insights_app, auth) -> None:
    morning_traffic(insights_app, auth)
    auth.login("editor")  # someone else on the team
    agent = auth.login("agent")
    page = agent.get("/admin/reports/").get_data(as_text=True)
    assert "Your own part" in page and "editor@" not in page
    assert agent.get("/admin/reports/search").status_code == 403
    team = _csv(agent, "/admin/reports/team")
    assert len(team) == 2 and team[1][0].startswith("agent")


def test_mark_handled_hides_a_gap_until_it_fails_again(insights_app, auth) -> None:
    morning_traffic(insights_app, auth)
    editor = auth.login("editor")
    url = "/admin/reports/search?lang=en&tab=zero"
    token = csrf(editor, url)
    done = editor.post(
        "/admin/reports/search/handled",
        data={
            "csrf_token": token,
            "query": "warranty gadget",
            "lang": "en",
            "next": url,
        },
    )
    assert done.status_code == 302
    page = editor.get(url).get_data(as_text=True)
    assert "warranty gadget</th>" not in page and "1 handled query hidden" in page
    visitor(insights_app).get("/en/search?q=warranty+gadget&v=visit-later001")
    _flush(insights_app)
    assert "warranty gadget</th>" in editor.get(url).get_data(as_text=True)


def test_bad_report_filters_name_the_field(insights_app, auth) -> None:
    editor = auth.login("editor")
    bad = editor.get("/admin/reports/?start=2026-13-01&end=2026-12-01")
    assert bad.status_code == 400 and "start must be a date" in bad.get_data(True)
    api = editor.get(
        "/api/v1/reports/overview?start=2026-02-01&end=2026-01-01",
        headers={"Accept": "application/json"},
    )
    assert api.status_code == 400 and api.get_json()["field"] == "end"
    assert editor.get("/api/v1/reports/nothing").status_code == 404


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/admin/reports/?start=0001-01-01&end=0001-01-01", "start"),
        ("/admin/reports/search?start=9999-12-31&end=9999-12-31&format=csv", "start"),
        ("/admin/reports/articles?start=2026-01-01&end=9999-12-31", "end"),
        ("/api/v1/reports/overview?start=0001-01-01&end=0001-01-07", "start"),
        ("/api/v1/reports/team?start=9999-12-25&end=9999-12-31", "start"),
    ],
)
def test_report_dates_out_of_range_name_the_field(
    insights_app, auth, url: str, field: str
) -> None:
    # Year 1 and year 9999 were a 500: the period's bounds fell off the calendar.
    editor = auth.login("editor")
    response = editor.get(url)
    assert response.status_code == 400
    text = (
        response.get_json()["error"]
        if url.startswith("/api/")
        else response.get_data(as_text=True)
    )
    assert f"{field} must be a date from 2000-01-01 to 2099-12-31" in text
    if url.startswith("/api/"):
        assert response.get_json()["field"] == field


def test_reports_as_json_for_staff_only(insights_app, auth) -> None:
    morning_traffic(insights_app, auth)
    outsider = visitor(insights_app).get("/api/v1/reports/search")
    assert outsider.status_code == 401 and outsider.get_json()["status"] == 401
    editor = auth.login("editor")
    data = editor.get("/api/v1/reports/search?lang=en&tab=zero").get_json()
    assert data["columns"][:3] == ["query", "searches", "visits"]
    assert data["rows"][0][:3] == ["warranty gadget", 3, 3]
    response = editor.get("/api/v1/reports/overview")
    assert response.headers["Cache-Control"] == "no-store"


def test_rollup_keeps_the_numbers_and_purge_removes_raw_events(insights_app) -> None:
    app = insights_app
    with app.app_context(), standalone_session() as db:
        tz = app.config["REPORT_TZ"]
        old = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
        batch = [
            events.SearchPerformed(
                events.new_key(),
                "ongkir",
                "id",
                0,
                False,
                False,
                "page",
                f"visit-roll{n:04d}",
            )
            for n in range(4)
        ]
        events.write(db, batch, now=old)
        period = reports.last_days(7, tz)
        before = reports.search_gaps(db, period, "id", "zero")
        assert reports.found_an_answer(db, period, "id") == (4, 0)
        assert reports.rollup(db, tz) >= 1
        assert reports.found_an_answer(db, period, "id") == (4, 0)  # rolled up
        assert db.query(DailyCount).filter_by(metric="search_zero").count() == 1
        after = reports.search_gaps(db, period, "id", "zero")
        assert (
            [(r.query, r.searches, r.visits) for r in after.rows]
            == [(r.query, r.searches, r.visits) for r in before.rows]
            == [("ongkir", 4, 4)]
        )
        removed = reports.purge(db, 1, tz)
        assert removed["searches"] == 4
        kept = reports.search_gaps(db, period, "id", "zero")
        assert [(r.query, r.searches) for r in kept.rows] == [("ongkir", 4)]


def test_a_reply_older_than_7_days_does_not_go_private(insights_app, auth) -> None:
    done = morning_traffic(insights_app, auth)
    from helpers import execute

    execute(
        insights_app,
        update(PublicReply)
        .where(PublicReply.code == done["code2"])
        .values(
            outcome="open", created_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=8)
        ),
    )
    open_ticket(visitor(insights_app), case=done["case"], platform="x")
    [reply] = [r for r in rows(insights_app, PublicReply) if r.code == done["code2"]]
    assert reply.outcome == "open"


def test_a_cached_results_page_still_records_each_search(insights_app) -> None:
    # The second visitor gets the first one's cached page, but its own search row
    # and its own key for the click that follows.
    pages = []
    for visit in ("visit-cccccccc", "visit-dddddddd", None):
        client = visitor(insights_app)
        url = "/en/search?q=refund" + (f"&v={visit}" if visit else "")
        pages.append(client.get(url).get_data(as_text=True))
    _flush(insights_app)
    found = rows(insights_app, SearchLog)
    assert sorted(r.visit_id or "" for r in found) == [
        "",
        "visit-cccccccc",
        "visit-dddddddd",
    ]
    keys = {r.key for r in found}
    assert len(keys) == 3
    for page, row in zip(pages, sorted(found, key=lambda r: r.id), strict=True):
        assert f'data-search-key="{row.key}"' in page


def test_welcomes_are_counted_apart_from_answers(insights_app, auth) -> None:
    agent = auth.login("agent")
    url = "/agent/reply?kind=welcome&article=reset-password&platform=instagram"
    page = agent.get(url).get_data(as_text=True)
    assert 'name="kind" type="hidden" value="welcome"' in page
    code = re.search(r'name="code" type="hidden" value="([a-z0-9]{8})"', page)[1]
    article = re.search(r'name="article" type="hidden" value="([^"]+)"', page)[1]
    used = agent.post(
        "/agent/reply/use",
        data={
            "csrf_token": csrf(agent, url),
            "article": article,
            "platform": "instagram",
            "code": code,
            "kind": "welcome",
        },
    )
    assert used.status_code == 302
    [reply] = rows(insights_app, PublicReply)
    assert reply.kind == "welcome"
    editor = auth.login("editor")
    table = _csv(editor, "/admin/reports/team")
    header = table[0]
    row = next(r for r in table[1:] if r[0].startswith("agent"))
    assert row[header.index("welcomes")] == "1"
    assert row[header.index("public_answers")] == "0"

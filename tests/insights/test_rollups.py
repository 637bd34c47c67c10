"""Roll-ups give the figures the raw events give, and the report page cache.

Each report reads ``report_daily`` for closed days and raw events for the rest;
these tests compute every report from raw events, roll the days up, and compute
them again: the figures must not move. Then the rendered-page cache: kept per
sign-in, and never served once the sign-in has ended.
"""

from __future__ import annotations

import datetime as dt

from helpers import add_staff, csrf, signed_in, staff_email, user_id

from kb.services import events, reports, staff_sessions
from kb.storage.db import standalone_session
from kb.storage.models import DailyCount, User


def _history(db, now: dt.datetime) -> None:
    """A few days of searches, clicks, views and votes in both languages."""
    for days_ago in (1, 2, 4, 6):
        when = now - dt.timedelta(days=days_ago, hours=3)
        batch: list = []
        for n in range(days_ago + 3):
            lang = "id" if n % 3 else "en"
            visit = f"visit-r{days_ago}x{n:03d}" if n % 4 else None
            key = events.new_key()
            results = 0 if n % 5 == 0 else 3
            query = ("ongkir mahal", "lupa sandi", "refund lama")[n % 3]
            batch.append(
                events.SearchPerformed(
                    key, query, lang, results, n % 7 == 0, False, "page", visit
                )
            )
            if results and n % 2:
                batch.append(events.SearchClicked(key, "reset-password", 1))
            if visit and n % 3 == 0:
                batch.append(events.ArticleViewed("reset-password", lang, "web", visit))
            batch.append(
                events.Voted(
                    events.new_key(), "reset-password", "", lang, n % 2 == 0, visit
                )
            )
        events.write(db, batch, now=when)


def _figures(db, library, tz: str, now: dt.datetime) -> dict:
    period = reports.last_days(7, tz, now)
    found: dict = {}
    for lang in (None, "id", "en"):
        view = reports.overview(db, period, lang, {})
        found[("overview", lang)] = (
            [(m.key, m.value, m.previous) for m in view.metrics],
            view.searches_per_day,
            view.previous_per_day,
        )
        found[("found", lang)] = reports.found_an_answer(db, period, lang)
        for tab in reports.TABS:
            gaps = reports.search_gaps(db, period, lang, tab)
            found[("search", tab, lang)] = (
                [(r.query, r.searches, r.visits) for r in gaps.rows],
                gaps.other_searches,
                gaps.other_terms,
            )
        rows = reports.articles(db, period, lang, library).rows
        found[("articles", lang)] = [
            (r.slug, r.views, r.views_by_source, r.sections) for r in rows
        ]
        for metric in ("search", "search_zero", "search_click", "view", "vote_no"):
            found[("series", metric, lang)] = reports.series(db, metric, period, lang)
    return found


def test_rolled_up_days_give_the_same_figures_as_raw_events(insights_app) -> None:
    app = insights_app
    tz = app.config["REPORT_TZ"]
    now = dt.datetime.now(dt.UTC)
    library = app.extensions["jawab.content"].library()
    with app.app_context(), standalone_session() as db:
        _history(db, now)
        raw = _figures(db, library, tz, now)
        assert raw[("overview", None)][0][0][1] > 0  # there are searches to compare
        assert raw[("found", "id")][0] > 0
        assert reports.rollup(db, tz, now) >= 6
        assert db.query(DailyCount).filter_by(metric="all:search").count() > 0
        rolled = _figures(db, library, tz, now)
    assert rolled == raw


def test_rolling_up_twice_changes_nothing(insights_app) -> None:
    app = insights_app
    tz = app.config["REPORT_TZ"]
    now = dt.datetime.now(dt.UTC)
    library = app.extensions["jawab.content"].library()
    with app.app_context(), standalone_session() as db:
        _history(db, now)
        reports.rollup(db, tz, now)
        first = _figures(db, library, tz, now)
        assert reports.rollup(db, tz, now) == 0  # nothing new to close
        assert _figures(db, library, tz, now) == first


# -- the rendered-page cache ------------------------------------------------------


def test_a_kept_report_page_is_never_served_after_sign_out(ticket_app, auth) -> None:
    ticket_app.config["REPORT_CACHE_SECONDS"] = 60
    editor = auth.login("editor")
    first = editor.get("/admin/reports/team")
    assert first.status_code == 200
    # The same page again comes from the cache, still behind the sign-in check.
    assert editor.get("/admin/reports/team").get_data() == first.get_data()
    copied = editor.get_cookie("session")
    token = csrf(editor, "/admin/reports/team")
    editor.post("/agent/logout", data={"csrf_token": token})
    thief = ticket_app.test_client()
    thief.set_cookie("session", copied.value)
    after = thief.get("/admin/reports/team")
    assert after.status_code == 302 and "/agent/login" in after.headers["Location"]


def test_a_kept_report_page_ends_with_the_account(ticket_app, auth) -> None:
    ticket_app.config["REPORT_CACHE_SECONDS"] = 60
    editor = auth.login("editor")
    assert editor.get("/admin/reports/").status_code == 200
    with ticket_app.app_context(), standalone_session() as db:
        user = db.get(User, user_id(ticket_app, staff_email("editor")))
        staff_sessions.end_all(db, user)
        db.commit()
    after = editor.get("/admin/reports/")
    assert after.status_code == 302 and "/agent/login" in after.headers["Location"]


def test_kept_report_pages_are_per_person(ticket_app) -> None:
    ticket_app.config["REPORT_CACHE_SECONDS"] = 60
    add_staff(ticket_app, "dewi@tokorona.example", "editor", name="Dewi Lestari")
    add_staff(ticket_app, "raka@tokorona.example", "admin", name="Raka Pratama")
    mine = signed_in(ticket_app, "dewi@tokorona.example").get("/admin/reports/team")
    theirs = signed_in(ticket_app, "raka@tokorona.example").get("/admin/reports/team")
    assert 'class="staff-person">Dewi Lestari' in mine.get_data(as_text=True)
    assert 'class="staff-person">Raka Pratama' in theirs.get_data(as_text=True)


def test_a_flashed_message_is_shown_on_a_kept_report(ticket_app, auth) -> None:
    ticket_app.config["REPORT_CACHE_SECONDS"] = 60
    editor = auth.login("editor")
    editor.get("/admin/reports/search?lang=en")  # kept
    token = csrf(editor, "/admin/reports/search?lang=en")
    done = editor.post(
        "/admin/reports/search/handled",
        data={
            "csrf_token": token,
            "lang": "en",
            "query": "warranty gadget",
            "next": "/admin/reports/search?lang=en",
        },
        follow_redirects=True,
    )
    assert "Marked as handled" in done.get_data(as_text=True)


def test_migration_0011_backfills_totals_and_reopens_raw_days(tmp_path) -> None:
    from sqlalchemy import create_engine, text

    from kb.storage import migrate

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    migrate.upgrade(url, "0008")
    engine = create_engine(url)
    rows = [
        ("2026-11-01", "search", "id", "ongkir", 3),
        ("2026-11-01", "search", "id", "refund", 2),
        ("2026-11-01", "search", "en", "refund", 4),
        ("2026-11-01", "reason", "id", "reset-password", 1),
        ("2026-11-01", "visit_search", "id", "", 5),
        ("2026-11-01", "rolled", "", "", 0),
    ]
    with engine.begin() as conn:
        for day, metric, lang, key, value in rows:
            conn.execute(
                text(
                    "INSERT INTO report_daily (day, metric, lang, key, source, value,"
                    " visits) VALUES (:day, :metric, :lang, :key, '', :value, 0)"
                ),
                dict(day=day, metric=metric, lang=lang, key=key, value=value),
            )
    migrate.upgrade(url)
    with engine.connect() as conn:
        totals = conn.execute(
            text(
                "SELECT metric, lang, value FROM report_daily "
                "WHERE metric LIKE 'all:%' ORDER BY metric, lang"
            )
        ).all()
        reason = conn.execute(
            text("SELECT key FROM report_daily WHERE metric = 'reason'")
        ).scalar()
        marker = conn.execute(
            text("SELECT count(*) FROM report_daily WHERE metric = 'rolled'")
        ).scalar()
    engine.dispose()
    assert [tuple(t) for t in totals] == [
        ("all:reason", "id", 1),
        ("all:search", "en", 4),
        ("all:search", "id", 5),
    ]
    assert reason == "reset-password#"  # the article's own reasons: no section
    assert marker == 0  # the next roll-up closes the days still held raw


def test_a_kept_overview_is_not_shown_after_a_demotion(ticket_app, auth) -> None:
    ticket_app.config["REPORT_CACHE_SECONDS"] = 60
    editor = auth.login("editor")
    assert "Searches" in editor.get("/admin/reports/").get_data(as_text=True)
    with ticket_app.app_context(), standalone_session() as db:
        db.get(User, user_id(ticket_app, staff_email("editor"))).role = "agent"
        db.commit()
    # An agent's overview is their own row of the team report, never the kept one.
    page = editor.get("/admin/reports/").get_data(as_text=True)
    assert "Searches" not in page


def test_kept_pages_stay_within_their_bound(ticket_app, auth, monkeypatch) -> None:
    ticket_app.config["REPORT_CACHE_SECONDS"] = 60
    editor = auth.login("editor")
    size = len(editor.get("/admin/reports/team").get_data(as_text=True))
    cache = ticket_app.extensions["jawab.reports"]
    monkeypatch.setattr(cache, "max_weight", size * 2)
    for days in (7, 30, 90, 365):
        assert editor.get(f"/admin/reports/team?days={days}").status_code == 200
        kept = cache.weight  # characters of the pages kept
        assert kept <= size * 2 + 1000

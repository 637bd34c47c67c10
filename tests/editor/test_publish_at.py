"""``publish_at:`` in front matter: a draft everywhere until then, public after."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from helpers import csrf

from kb.services import articles as content
from kb.services import editing
from kb.storage import articles as files
from kb.storage import search_index

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
SCHEDULED = """---
title: Waktu refund
lang: id
category: payments
tags: [refund, money]
summary: Refund ke dompet digital sampai dalam sehari.
translation: refund-times
publish_at: 2026-12-01 12:00
---

Refund zqterjadwal sampai dalam sehari.
"""


class Clock:
    """A wall clock the test moves by hand (no sleeps)."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def _schedule(articles: Path) -> None:
    times = articles / "payments" / "refund-times.md"
    times.write_text(
        times.read_text().replace("updated:", "translation: refund-times\nupdated:"),
        encoding="utf-8",
    )
    (articles / "payments" / "waktu-refund.md").write_text(SCHEDULED, encoding="utf-8")


def _parse(value: str) -> tuple[files.ArticleFile | None, list[files.Problem]]:
    text = f"---\ntitle: T\nlang: en\npublish_at: {value}\n---\n\nBody.\n"
    return files.parse_bytes(text.encode(), "a/t.md")


@pytest.mark.parametrize(
    ("value", "moment"),
    [
        ("2026-12-24", "2026-12-24T00:00:00+00:00"),
        ("2026-12-24 09:30", "2026-12-24T09:30:00+00:00"),
        ("2026-12-24T09:30:00+07:00", "2026-12-24T02:30:00+00:00"),
        ("'2026-12-24T09:30Z'", "2026-12-24T09:30:00+00:00"),
    ],
)
def test_publish_at_is_a_date_or_datetime_in_utc(value: str, moment: str) -> None:
    article, problems = _parse(value)
    assert problems == [] and article is not None
    assert article.publish_at == moment


@pytest.mark.parametrize("value", ["tomorrow", "2026-13-01", "yes", "[2026-12-01]"])
def test_a_bad_publish_at_is_reported_at_its_line(value: str) -> None:
    article, problems = _parse(value)
    assert article is None
    assert [(p.path, p.line) for p in problems] == [("a/t.md", 4)]
    message = problems[0].message
    assert "'publish_at' must be a date" in message or "not a valid value" in message


def test_kb_check_reports_a_bad_publish_at(make_app, articles_dir: Path) -> None:
    path = articles_dir / "payments" / "refund-times.md"
    path.write_text(
        path.read_text().replace("updated:", "publish_at: soon\nupdated:"), "utf-8"
    )
    result = make_app(index=False).test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 1
    assert "payments/refund-times.md:7: 'publish_at' must be a date" in result.output


def test_a_scheduled_article_is_a_draft_until_its_moment(
    make_app, articles_dir: Path
) -> None:
    _schedule(articles_dir)
    app = make_app(index=False)
    store = app.extensions["jawab.content"]
    clock = store.clock = Clock(NOW)
    store.reload()
    runner = app.test_cli_runner()
    indexed = runner.invoke(args=["index"])
    assert indexed.exit_code == 0, indexed.output
    index_dir = Path(app.config["SEARCH_INDEX_DIR"])
    assert "waktu-refund" not in (search_index.stored_hashes(index_dir) or {})
    checked = runner.invoke(args=["check"])
    assert "scheduled: payments/waktu-refund.md is public from 2026-12-01T12:00" in (
        checked.output
    )
    client = app.test_client()

    def seen() -> dict[str, bool]:
        return {
            "page": client.get("/id/articles/waktu-refund").status_code == 200,
            "search": "waktu-refund"
            in client.get("/id/search?q=zqterjadwal").get_data(as_text=True),
            "suggest": "waktu-refund"
            in client.get("/api/v1/suggest?q=waktu&lang=id").get_data(as_text=True),
            "api": client.get("/api/v1/articles/waktu-refund").status_code == 200,
            "api list": "waktu-refund"
            in client.get("/api/v1/articles?lang=id").get_data(as_text=True),
            "sitemap": "waktu-refund"
            in client.get("/sitemap.xml").get_data(as_text=True),
            "category": "waktu-refund"
            in client.get("/id/categories/payments").get_data(as_text=True),
            "related": "waktu-refund"
            in client.get("/id/articles/metode-pembayaran").get_data(as_text=True),
            "switch": "waktu-refund"
            in client.get("/en/articles/refund-times").get_data(as_text=True),
        }

    assert not any(seen().values()), seen()
    clock.now = NOW + dt.timedelta(hours=2, minutes=59)
    assert not any(seen().values())  # 12:00 UTC is 3 hours later
    clock.now = NOW + dt.timedelta(hours=3)
    # Nobody acts: the next look at the folder notices the moment passed.
    assert all(seen().values()), seen()
    assert "waktu-refund" in (search_index.stored_hashes(index_dir) or {})


def test_the_store_rebuilds_only_when_a_moment_passes(articles_dir: Path) -> None:
    _schedule(articles_dir)
    clock = Clock(NOW)
    store = content.ContentStore(articles_dir, 0, clock=clock)
    first = store.library()
    assert "waktu-refund" in first.scheduled
    assert first.next_publish == dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
    assert store.library() is first  # nothing changed, nothing due
    clock.now = NOW + dt.timedelta(hours=3)
    later = store.library()
    assert later is not first and "waktu-refund" in later.published
    assert later.next_publish is None and store.library() is later
    assert later.translation_of(later.published["refund-times"], "id") is not None


def test_a_link_to_a_scheduled_article_is_a_problem(articles_dir: Path) -> None:
    _schedule(articles_dir)
    paylater = articles_dir / "payments" / "metode-pembayaran.md"
    paylater.write_text(
        paylater.read_text() + "\nLihat [refund](waktu-refund).\n", "utf-8"
    )
    early = content.load(articles_dir, now=NOW)
    assert any(
        "that is not public until 2026-12-01 12:00 UTC" in p.message
        for p in early.link_problems()
    )
    late = content.load(articles_dir, now=NOW + dt.timedelta(days=1))
    assert not any("waktu-refund" in p.message for p in late.link_problems())


def test_editors_see_scheduled_articles_and_editing_keeps_the_moment(
    auth, articles_dir: Path
) -> None:
    _schedule(articles_dir)
    store = auth.app.extensions["jawab.content"]
    store.clock = Clock(NOW)
    store.reload()
    client = auth.login("editor")
    page = client.get("/editor/").get_data(as_text=True)
    # 12:00 UTC, shown in the site's zone (KB_TIME_ZONE, Asia/Jakarta here).
    assert "Scheduled for Dec 1, 2026, 7:00\u202fPM GMT+7" in page
    assert "UTC" not in page
    article = client.get("/editor/articles/waktu-refund").get_data(as_text=True)
    assert "Public from" in article and "View on the site" not in article
    assert "Dec 1, 2026, 7:00\u202fPM GMT+7" in article and "UTC" not in article
    # A draft of the file writes publish_at back (the form does not show it).
    found = store.library().all["waktu-refund"]
    text = editing.Fields.from_article(found).to_text()
    assert "publish_at: 2026-12-01 12:00:00+00:00" in text
    again, problems = files.parse_bytes(text.encode(), found.path)
    assert problems == [] and again is not None
    assert again.publish_at == found.publish_at
    response = client.post(
        "/editor/articles/waktu-refund/draft",
        data={"csrf_token": csrf(client, "/editor/articles/waktu-refund")},
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    # The file's value is UTC (as written back above), shown converted too.
    assert (
        "The file says publish_at: 2026-12-01 12:00 (UTC), that is "
        "Dec 1, 2026, 7:00\u202fPM GMT+7" in page
    )

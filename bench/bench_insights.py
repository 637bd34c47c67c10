"""Insights: does logging slow search, and do reports stay fast on a big history?

    .venv/bin/python bench/bench_insights.py --repeat 3
    .venv/bin/python bench/bench_insights.py --repeat 3 --events 1000000 --votes 100000

Part 1, in one process: two apps over the sample articles and one migrated
SQLite database, one with ``KB_EVENTS_ENABLED=true`` and one with ``false``.
Each repeat runs the same queries through ``/api/search`` (Flask test client,
a browser user agent, so the search is counted) on both apps, interleaved, and
reports the p50 of each and their ratio (target: logging on ≤ 1.1 × off).

Part 2: ``--events`` generated search events and ``--votes`` votes spread over
the last 365 days (Zipf-like queries, 40% with a visit, clicks, views), then
``kb reports rollup``. Each repeat times every report page (an editor signed
in; the last 30 days) with the report cache off (each request computes the
report) and on (``KB_REPORT_CACHE_SECONDS=60``: the first request computes it),
against an article page in the same run (target: report ≤ 10 × article).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
UA = "Mozilla/5.0 (X11; Linux x86_64) Chrome/120 Safari/537.36"
FLOOR = "/agent/replies/"  # a small staff page: the sign-in check every page pays
PAGES = (
    FLOOR,
    "/admin/reports/",
    "/admin/reports/search",
    "/admin/reports/articles",
    "/admin/reports/public",
    "/admin/reports/team",
)


def _p50(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def _app(folder: Path, db_url: str, **config):
    from kb import create_app

    app = create_app(
        {
            "TESTING": False,
            "SECRET_KEY": "bench",
            "ARTICLES_DIR": str(ROOT / "articles"),
            "SEARCH_INDEX_DIR": str(folder / "index"),
            "DATABASE_URL": db_url,
            "RATELIMIT_ENABLED": False,
            "RELOAD_SECONDS": 3600,
            **config,
        }
    )
    return app


def _queries(app, n: int) -> list[str]:
    lib = app.extensions["jawab.content"].library()
    words = sorted(
        {
            w.lower()
            for a in lib.published.values()
            for w in a.title.split()
            if len(w) > 3
        }
    )
    rng = random.Random(7)
    return [" ".join(rng.sample(words, 2)) for _ in range(n)]


def part1(folder: Path, db_url: str, repeat: int, n: int) -> list[tuple]:
    from kb.services import events

    on = _app(folder, db_url, EVENTS_ENABLED=True)
    off = _app(folder, db_url, EVENTS_ENABLED=False)
    queries = _queries(on, n)
    clients = {"on": on.test_client(), "off": off.test_client()}
    for c in clients.values():
        c.environ_base["HTTP_USER_AGENT"] = UA
        for q in queries[:20]:  # warm the index and the templates
            c.get("/api/search", query_string={"q": q})
    results = []
    for r in range(repeat):
        times: dict[str, list[float]] = {"on": [], "off": []}
        for q in queries:
            for mode in ("on", "off") if r % 2 == 0 else ("off", "on"):
                start = time.perf_counter()
                response = clients[mode].get("/api/search", query_string={"q": q})
                times[mode].append(time.perf_counter() - start)
                assert response.status_code == 200
        events.recorder(on).flush()
        p_on, p_off = _p50(times["on"]), _p50(times["off"])
        results.append((p_on, p_off, p_on / p_off))
        print(
            f"  repeat {r + 1}: on {p_on:.2f} ms, off {p_off:.2f} ms, "
            f"ratio {p_on / p_off:.3f}",
            flush=True,
        )
    return results


def generate(app, n_events: int, n_votes: int) -> None:
    from sqlalchemy import insert

    from kb.storage.db import standalone_session
    from kb.storage.models import ArticleViewLog, SearchLog, VoteLog

    lib = app.extensions["jawab.content"].library()
    slugs = sorted(lib.published)
    vocab = [
        f"{a} {b}"
        for a in (
            "cara",
            "gagal",
            "refund",
            "kirim",
            "akun",
            "bayar",
            "promo",
            "ongkir",
            "resi",
            "voucher",
        )
        for b in range(200)
    ]
    rng = random.Random(11)
    now = dt.datetime.now(dt.UTC)
    batch = 20_000
    with app.app_context(), standalone_session() as db:
        conn = db.connection()
        made = 0
        while made < n_events:
            rows, views = [], []
            for i in range(min(batch, n_events - made)):
                when = now - dt.timedelta(seconds=rng.random() * 365 * 86400)
                q = vocab[min(int(rng.paretovariate(1.1)) - 1, len(vocab) - 1)]
                visit = f"v{rng.getrandbits(40):x}" if rng.random() < 0.4 else None
                results = 0 if rng.random() < 0.2 else rng.randint(1, 30)
                clicked = rng.choice(slugs) if results and rng.random() < 0.5 else None
                rows.append(
                    {
                        "created_at": when,
                        "key": f"k{made + i:011d}",
                        "visit_id": visit,
                        "query": f"{q}",
                        "lang": rng.choice(("id", "en")),
                        "results": results,
                        "corrected": rng.random() < 0.05,
                        "synonym": False,
                        "source": "page",
                        "best_slug": clicked,
                        "clicked_slug": clicked,
                        "clicked_section": None,
                        "clicked_rank": 1 if clicked else None,
                    }
                )
                if clicked:
                    views.append(
                        {
                            "created_at": when,
                            "visit_id": visit,
                            "slug": clicked,
                            "lang": "id",
                            "source": "search",
                            "reply_code": None,
                        }
                    )
            conn.execute(insert(SearchLog), rows)
            if views:
                conn.execute(insert(ArticleViewLog), views)
            made += len(rows)
        votes = [
            {
                "key": f"q{i:011d}",
                "created_at": now - dt.timedelta(seconds=rng.random() * 365 * 86400),
                "visit_id": None,
                "slug": rng.choice(slugs),
                "section": "",
                "lang": "id",
                "helpful": rng.random() < 0.7,
                "reason": None,
                "comment": None,
            }
            for i in range(n_votes)
        ]
        for i in range(0, len(votes), batch):
            conn.execute(insert(VoteLog), votes[i : i + batch])
        db.commit()


def part2(folder: Path, db_url: str, repeat: int, n_events: int, n_votes: int):
    from kb.services import reports, users
    from kb.storage.db import standalone_session

    app = _app(folder, db_url, REPORT_CACHE_SECONDS=0)
    started = time.perf_counter()
    generate(app, n_events, n_votes)
    print(
        f"  generated {n_events:,} searches + {n_votes:,} votes in "
        f"{time.perf_counter() - started:.0f} s",
        flush=True,
    )
    started = time.perf_counter()
    with app.app_context(), standalone_session() as db:
        days = reports.rollup(db, app.config["REPORT_TZ"])
        users.create(db, "editor@bench.example", "editor", "quiet lantern orbit 7731")
    print(
        f"  rolled up {days} days in {time.perf_counter() - started:.0f} s", flush=True
    )
    cached = _app(folder, db_url, REPORT_CACHE_SECONDS=60)
    out = []
    for label, target in (("uncached", app), ("cached", cached)):
        client = target.test_client()
        client.environ_base["HTTP_USER_AGENT"] = UA
        page = client.get("/agent/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        client.post(
            "/agent/login",
            data={
                "csrf_token": token,
                "email": "editor@bench.example",
                "password": "quiet lantern orbit 7731",
            },
        )
        visitor = target.test_client()
        visitor.environ_base["HTTP_USER_AGENT"] = UA
        visitor.get("/en/articles/reset-password")
        for r in range(repeat):
            article = []
            for _ in range(30):
                start = time.perf_counter()
                visitor.get("/en/articles/reset-password")
                article.append(time.perf_counter() - start)
            base = _p50(article)
            for url in PAGES:
                samples = []
                for _ in range(5):
                    start = time.perf_counter()
                    response = client.get(url)
                    samples.append(time.perf_counter() - start)
                    assert response.status_code == 200, (url, response.status_code)
                p = _p50(samples)
                out.append((label, r, url, p, base, p / base))
                print(
                    f"  {label} repeat {r + 1}: {url} {p:.1f} ms vs article "
                    f"{base:.2f} ms = {p / base:.1f}x",
                    flush=True,
                )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--votes", type=int, default=100_000)
    parser.add_argument("--skip-search", action="store_true")
    parser.add_argument("--skip-reports", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from kb.services.search import update_index
    from kb.storage import migrate

    folder = Path(tempfile.mkdtemp(prefix="bench-insights-"))
    try:
        db_url = f"sqlite:///{folder / 'kb.sqlite3'}"
        migrate.upgrade(db_url)
        app = _app(folder, db_url)
        with app.app_context():
            update_index(app.extensions["jawab.content"], folder / "index")
        if not args.skip_search:
            print("/api/search p50, logging on vs off:", flush=True)
            found = part1(folder, db_url, args.repeat, args.queries)
            ratios = [r[2] for r in found]
            print(
                f"  ratio range {min(ratios):.3f}-{max(ratios):.3f} (target <= 1.1)",
                flush=True,
            )
        if not args.skip_reports:
            print("report pages vs an article page:", flush=True)
            rows = part2(folder, db_url, args.repeat, args.events, args.votes)
            for label in ("uncached", "cached"):
                for url in PAGES:
                    mine = [r[5] for r in rows if r[0] == label and r[2] == url]
                    ms = [r[3] for r in rows if r[0] == label and r[2] == url]
                    print(
                        f"  {label} {url}: {min(mine):.1f}-{max(mine):.1f}x "
                        f"({min(ms):.0f}-{max(ms):.0f} ms)"
                    )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()

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
    from bench.timing import p50_p95_ms

    return p50_p95_ms(samples)[0]


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


def _stamp(moment: dt.datetime) -> str:
    # How SQLAlchemy stores a DateTime in SQLite (naive UTC): the rows are
    # written through the driver so a million of them take seconds, not minutes.
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def generate(app, n_events: int, n_votes: int) -> None:
    """Write the events in one transaction with the driver's ``executemany``."""
    from kb.storage.db import standalone_session
    from kb.vocab import VOTE_REASONS as REASONS

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
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    year = 365 * 86400
    batch = 50_000
    search_sql = (
        "INSERT INTO search_events (created_at, key, visit_id, query, lang, "
        "results, corrected, synonym, source, best_slug, clicked_slug, "
        "clicked_section, clicked_rank) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
    )
    view_sql = (
        "INSERT INTO article_views (created_at, visit_id, slug, lang, source, "
        "reply_code) VALUES (?,?,?,?,?,?)"
    )
    vote_sql = (
        "INSERT INTO votes (key, created_at, visit_id, slug, section, lang, "
        "helpful, reason, comment) VALUES (?,?,?,?,?,?,?,?,?)"
    )
    random_ = rng.random
    last = len(vocab) - 1
    # Production appends events as they happen: rows in time order, so one
    # day's raw events sit together in the table, as the reports find them.
    moments = sorted(random_() * year for _ in range(n_events))
    with app.app_context(), standalone_session() as db:
        assert db.get_bind().dialect.name == "sqlite", "the bench writes SQLite"
        conn = db.connection()
        made = 0
        while made < n_events:
            rows, views = [], []
            for i in range(min(batch, n_events - made)):
                when = _stamp(now - dt.timedelta(seconds=moments[-1 - made - i]))
                q = vocab[min(int(rng.paretovariate(1.1)) - 1, last)]
                visit = f"v{rng.getrandbits(40):x}" if random_() < 0.4 else None
                results = 0 if random_() < 0.2 else rng.randint(1, 30)
                clicked = rng.choice(slugs) if results and random_() < 0.5 else None
                rows.append(
                    (
                        when,
                        f"k{made + i:011d}",
                        visit,
                        q,
                        "id" if random_() < 0.5 else "en",
                        results,
                        random_() < 0.05,
                        False,
                        "page",
                        clicked,
                        clicked,
                        None,
                        1 if clicked else None,
                    )
                )
                if clicked:
                    views.append((when, visit, clicked, "id", "search", None))
            conn.exec_driver_sql(search_sql, rows)
            if views:
                conn.exec_driver_sql(view_sql, views)
            made += len(rows)
        votes = []
        vote_moments = sorted((random_() * year for _ in range(n_votes)), reverse=True)
        for i in range(n_votes):
            helpful = random_() < 0.7
            reason = None if helpful or random_() < 0.6 else rng.choice(REASONS)
            votes.append(
                (
                    f"q{i:011d}",
                    _stamp(now - dt.timedelta(seconds=vote_moments[i])),
                    None,
                    rng.choice(slugs),
                    "" if random_() < 0.5 else rng.choice(("steps", "why", "ask")),
                    "id",
                    helpful,
                    reason,
                    None,
                )
            )
        conn.exec_driver_sql(vote_sql, votes)
        db.commit()


BASES = ("article cached", "article uncached", "article as staff")
ARTICLE = "/en/articles/reset-password"


def prepare(folder: Path, db_url: str, n_events: int, n_votes: int) -> None:
    """Generate the history, roll it up as ``kb reports rollup`` does, add an editor."""
    from kb.services import reports, users
    from kb.storage.db import standalone_session

    app = _app(folder, db_url)
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


def _signed_in(target):
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
    return client


def _time(client, url: str, n: int) -> float:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(url)
        samples.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
    return _p50(samples)


def _bases(target, visitor, staff) -> dict[str, float]:
    """The article page three ways: cached anonymous, rendered afresh, as staff."""
    from kb.cache import Cache

    cached = _time(visitor, ARTICLE, 30)
    pages = target.extensions["jawab.pages"]
    target.extensions["jawab.pages"] = Cache(0)  # keeps nothing: renders
    try:
        uncached = _time(visitor, ARTICLE, 30)
    finally:
        target.extensions["jawab.pages"] = pages
    as_staff = _time(staff, ARTICLE, 30)
    return dict(zip(BASES, (cached, uncached, as_staff), strict=True))


def part2(folder: Path, db_url: str, repeat: int):
    """Time every report page, uncached and cached, against the article page."""
    app = _app(folder, db_url, REPORT_CACHE_SECONDS=0)
    cached = _app(folder, db_url, REPORT_CACHE_SECONDS=60)
    out = []
    for label, target in (("uncached", app), ("cached", cached)):
        client = _signed_in(target)
        visitor = target.test_client()
        visitor.environ_base["HTTP_USER_AGENT"] = UA
        visitor.get(ARTICLE)
        for url in PAGES:  # warm templates (and, cached, the report cache)
            client.get(url)
        for r in range(repeat):
            bases = _bases(target, visitor, client)
            print(
                f"  {label} repeat {r + 1}: "
                + ", ".join(f"{k} {v:.2f} ms" for k, v in bases.items()),
                flush=True,
            )
            for url in PAGES:
                p = _time(client, url, 5)
                out.append((label, r, url, p, bases))
                print(
                    f"  {label} repeat {r + 1}: {url} {p:.1f} ms = "
                    + " / ".join(f"{p / v:.1f}x" for v in bases.values()),
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
    parser.add_argument(
        "--keep",
        type=Path,
        help="a folder to keep the database and index in and reuse next time",
    )
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from kb.services.search import update_index
    from kb.storage import migrate

    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-insights-"))
    fresh = not (folder / "kb.sqlite3").exists()
    folder.mkdir(parents=True, exist_ok=True)
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
            print("report pages vs the article page:", flush=True)
            if fresh:
                prepare(folder, db_url, args.events, args.votes)
            else:
                print(f"  reusing the history in {folder}", flush=True)
            rows = part2(folder, db_url, args.repeat)
            print(f"  ratios against: {' / '.join(BASES)}")
            for label in ("uncached", "cached"):
                for url in PAGES:
                    mine = [r for r in rows if r[0] == label and r[2] == url]
                    ms = [r[3] for r in mine]
                    spans = []
                    for base in BASES:
                        ratios = [r[3] / r[4][base] for r in mine]
                        spans.append(f"{min(ratios):.1f}-{max(ratios):.1f}x")
                    print(
                        f"  {label} {url}: {' / '.join(spans)} "
                        f"({min(ms):.1f}-{max(ms):.1f} ms)"
                    )
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()

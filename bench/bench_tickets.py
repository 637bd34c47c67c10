"""Ticket submission throughput under real gunicorn, with a loss check.

    .venv/bin/python bench/bench_tickets.py --database sqlite
    .venv/bin/python bench/bench_tickets.py --database postgresql --count 2000

Each submission is the whole customer flow over HTTP with its own cookie jar:
GET the form, POST it, GET the acknowledgement (reference + secret link). In
the same run and the same way (same threads, a fresh client per request) it
times a bare GET of /robots.txt, the floor every request pays, so the ratio
can be quoted instead of machine-dependent numbers. Afterwards every secret
link is opened and the tickets table is counted: lost (acknowledged but not
there) and 5xx must both be 0; the exit status is 1 otherwise.

Everything lives in a temporary folder; the PostgreSQL run creates its own
schema in the ``test`` database (``--pg-dsn``) and drops it at the end. Rate
limits are switched off (KB_RATELIMIT_ENABLED=false) and mail goes to the
console (the gunicorn log).
"""

from __future__ import annotations

import argparse
import html
import os
import shutil
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench.customers import burst, open_link, timed_gets  # noqa: E402
from bench.serve import gunicorn  # noqa: E402
from bench.timing import p50_p95_ms  # noqa: E402

DEFAULT_PG_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=test"


def _stored(url: str) -> dict[str, str]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    from kb.storage.db import normalise_url

    engine = create_engine(normalise_url(url), poolclass=NullPool)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT reference, subject FROM tickets")).all()
    finally:
        engine.dispose()
    return {reference: subject for reference, subject in rows}


def _run(args: argparse.Namespace, tmp: Path, url: str) -> int:
    from kb.storage import migrate

    migrate.upgrade(url)
    articles = tmp / "articles"
    shutil.copytree(args.articles, articles)
    env = {"KB_DATABASE_URL": url, "KB_RATELIMIT_ENABLED": "false"}
    run = uuid.uuid4().hex[:8]
    subjects = [f"Bench {run} #{i:05d}" for i in range(args.count)]

    load_before = os.getloadavg()[0]
    with gunicorn(tmp, articles, workers=args.workers, env=env) as (base, log):
        # Warm every worker up (templates, article library, DB pool): no tickets.
        timed_gets(base, "/en/contact", args.threads * 4, args.threads)
        timed_gets(base, "/robots.txt", args.threads * 4, args.threads)

        started = time.perf_counter()
        bare = timed_gets(base, "/robots.txt", args.count, args.threads)
        bare_seconds = time.perf_counter() - started

        started = time.perf_counter()
        results = burst(base, subjects, args.threads)
        submit_seconds = time.perf_counter() - started

        acknowledged = [r for r in results if r.acknowledged]

        def opens(item) -> bool:
            status, body = open_link(base, item.link)
            return status == 200 and html.escape(item.subject) in body

        with ThreadPoolExecutor(max_workers=args.threads) as pool:
            unopenable = sum(not ok for ok in pool.map(opens, acknowledged))
        tracebacks = log.read_text(errors="replace").count("Traceback")

    stored = _stored(url)
    lost = sum(stored.get(r.reference) != r.subject for r in acknowledged)
    extra = len(stored) - (len(acknowledged) - lost)
    server_errors = sum(s >= 500 for r in results for s in r.statuses)
    failed = [r for r in results if not r.acknowledged]
    references = {r.reference for r in acknowledged}

    submit_rate = len(acknowledged) / submit_seconds
    bare_rate = len(bare) / bare_seconds
    s50, s95 = p50_p95_ms([r.seconds for r in acknowledged])
    b50, b95 = p50_p95_ms(bare)
    print(
        f"database {args.database}, gunicorn {args.workers} sync workers, "
        f"{args.threads} client threads, {args.count} submissions, "
        f"{os.cpu_count()} CPUs, load average {load_before:.1f} before / "
        f"{os.getloadavg()[0]:.1f} after"
    )
    print(
        f"submit flow (GET form + POST + GET receipt): {submit_rate:7.1f} "
        f"submissions/s  p50 {s50:7.1f} ms  p95 {s95:7.1f} ms  "
        f"({submit_seconds:.1f} s)"
    )
    print(
        f"bare GET /robots.txt:                        {bare_rate:7.1f} "
        f"requests/s     p50 {b50:7.1f} ms  p95 {b95:7.1f} ms  "
        f"({bare_seconds:.1f} s)"
    )
    print(
        f"ratio: one submission costs {bare_rate / submit_rate:.1f} bare GETs "
        f"(submissions/s = {submit_rate / bare_rate:.3f} x bare GET/s; the flow "
        f"is 3 requests)"
    )
    print(
        f"acknowledged {len(acknowledged)}/{args.count}, not acknowledged "
        f"{len(failed)}, 5xx responses {server_errors}, lost tickets {lost}, "
        f"links that do not open {unopenable}, rows not acknowledged {extra}, "
        f"duplicate references {len(acknowledged) - len(references)}, "
        f"tracebacks in the server log {tracebacks}"
    )
    for item in failed[:5]:
        print(f"  not acknowledged: {item.subject}: {item.error} {item.statuses}")
    ok = (
        not failed
        and server_errors == 0
        and lost == 0
        and unopenable == 0
        and extra == 0
        and len(references) == len(acknowledged)
    )
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000, help="submissions")
    parser.add_argument(
        "--database", choices=("sqlite", "postgresql"), default="sqlite"
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=16, help="client threads")
    parser.add_argument("--pg-dsn", default=DEFAULT_PG_DSN, help="libpq DSN")
    parser.add_argument(
        "--articles", type=Path, default=ROOT / "articles", help="articles folder"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="jawab-bench-") as folder:
        tmp = Path(folder)
        if args.database == "sqlite":
            return _run(args, tmp, f"sqlite:///{tmp / 'kb.sqlite3'}")
        import psycopg

        schema = f"bench_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(args.pg_dsn, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        try:
            parts = dict(item.split("=", 1) for item in args.pg_dsn.split())
            url = (
                f"postgresql+psycopg://{parts.get('user', 'postgres')}"
                f"{':' + parts['password'] if 'password' in parts else ''}"
                f"@{parts.get('host', '127.0.0.1')}:{parts.get('port', '5432')}"
                f"/{parts.get('dbname', 'test')}"
                f"?options=-csearch_path%3D{schema}"
            )
            return _run(args, tmp, url)
        finally:
            with psycopg.connect(args.pg_dsn, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA {schema} CASCADE")


if __name__ == "__main__":
    sys.exit(main())

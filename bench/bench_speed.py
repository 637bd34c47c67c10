"""Search speed against SQLite FTS5 + snippet() and against the article page.

    .venv/bin/python bench/bench_speed.py                # sample + 10,000 articles
    .venv/bin/python bench/bench_speed.py --count 2000 --repeat 2 --seconds 5

Needs ``wrk`` for the throughput part (Debian: ``apt-get install wrk``); without it
only the in-process part runs. Not run by CI. Ports 5150-5151 by default
(``--port``).

For each corpus -- the sample articles in ``articles/`` and a generated help
center of ``--count`` articles (``bench/corpus.py``: id and en, headings, lists) --
it measures, in the same run and repeated ``--repeat`` times:

* in one fresh process (like one gunicorn worker), ``/api/search`` called as a
  WSGI server calls the app (the environ built before the clock starts) for
  2-5-word queries drawn from the articles, the article page for the first hit
  of each, and SQLite FTS5 ``bm25`` + ``snippet()`` over the same titles and
  text (the floor a search with highlighting can reach), in the same process,
  query by query just before each search, so both see the same load (the
  machine's speed swings within seconds); then, in another fresh
  process, ``/api/search`` again through Flask's test client (which builds each
  request and keeps cookies: ~0.2 ms more a request);
* under gunicorn (2 workers, ``KB_ENV=production``) with wrk: the search page
  (rotating over the same queries, after a warm-up that requests the rotation
  about six times over, so both workers have rendered it: the steady state of
  repeated queries), the search page with queries no worker has seen (the first
  request for a query), an article page and ``/robots.txt`` (a bare route), then
  each worker's resident memory.

Figures are quoted as ratios of the same run, with the range over repeats.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from werkzeug.test import create_environ  # noqa: E402

from bench.corpus import generate  # noqa: E402
from bench.timing import p50_p95_ms, span  # noqa: E402

WRK_SCRIPT = """
local paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
"""

# Every request a query no worker has seen: thread n of 2 takes every second
# path from the run's offset (``-- OFFSET``), so nothing is served from cache.
WRK_DISTINCT = """
local paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
function init(args)
  i = tonumber(args[1]) + tid
end
request = function()
  i = i + 2
  return wrk.format("GET", paths[i %% #paths + 1])
end
"""
DISTINCT_PER_RUN = 6000  # more than a run serves, so no query repeats
# Rotating queries requested this many times over before measuring: with two
# workers taking connections at random, each has then seen a given query with
# probability 1 - 2 * 0.5**6 (97%); for at most WARM_SECONDS more.
WARM_PASSES = 6
WARM_SECONDS = 120


def _queries(folder: Path, count: int, seed: int = 11) -> list[tuple[str, str]]:
    """2-5 words of a random article's body (the way bench_search.py draws them)."""
    rng = random.Random(seed)
    files = sorted(folder.rglob("*.md"))
    queries = []
    for _ in range(count):
        text = rng.choice(files).read_text(encoding="utf-8")
        lang = "id" if "\nlang: id\n" in text else "en"
        words = [w for w in text.split("---", 2)[2].split() if w.isalpha()]
        queries.append((" ".join(rng.sample(words, rng.randint(2, 5))), lang))
    return queries


def fts5_database(folder: Path) -> sqlite3.Connection:
    """An in-memory FTS5 table ``d(slug, title, body)`` of the published text."""
    from kb.services.articles import load

    library = load(folder)
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE d USING fts5(slug UNINDEXED, title, body)")
    db.executemany(
        "INSERT INTO d VALUES (?,?,?)",
        [
            (a.slug, a.title, library.rendered(a.slug).text)
            for a in library.published.values()
        ],
    )
    return db


def _fts5_query(db: sqlite3.Connection, text: str) -> float:
    """Time one FTS5 bm25 top 10 with snippet() over the same published text."""
    words = re.findall(r"\w+", text.lower())
    match = " OR ".join(f'"{w}"' for w in words)
    started = time.perf_counter()
    db.execute(
        "SELECT slug, snippet(d, 2, '<mark>', '</mark>', '…', 32) FROM d "
        "WHERE d MATCH ? ORDER BY bm25(d, 2.0, 1.0) LIMIT 10",
        (match,),
    ).fetchall()
    return time.perf_counter() - started


def _wsgi_get(app, path: str, query: dict | None = None):
    """Time one GET through the app as a WSGI server calls it.

    The environ is built before the clock starts, as a server hands it over
    parsed; Flask's test client also builds the request, keeps a cookie jar
    and wraps the response, ~0.2 ms a request that no server pays.
    """
    environ = create_environ(path, "http://localhost/", query_string=query)
    got: list[str] = []
    started = time.perf_counter()
    body = b"".join(
        app(environ, lambda status, _headers, _exc=None: got.append(status))
    )
    elapsed = time.perf_counter() - started
    return elapsed, int(got[0].split()[0]), body


def worker_main(how: str) -> None:
    """In a fresh process: time /api/search and the article page in-process."""
    from kb import create_app

    queries = json.loads(sys.stdin.read())
    app = create_app()
    client = app.test_client()

    def get(path: str, query: dict | None = None):
        if how == "wsgi":
            return _wsgi_get(app, path, query)
        started = time.perf_counter()
        response = client.get(path, query_string=query)
        return time.perf_counter() - started, response.status_code, response.data

    get("/api/search", {"q": "warmup"})
    fts5 = fts5_database(Path(os.environ["KB_ARTICLES_DIR"]))
    api, fts, page, slugs = [], [], [], []
    for text, lang in queries:
        # Query by query, FTS5 first, so both see the same moment's load.
        fts.append(_fts5_query(fts5, text))
        elapsed, status, body = get("/api/search", {"q": text, "lang": lang})
        api.append(elapsed)
        assert status == 200, status
        results = json.loads(body)["results"]
        slugs.append([results[0]["lang"], results[0]["slug"]] if results else None)
    first = next(s for s in slugs if s)
    get(f"/{first[0]}/articles/{first[1]}")
    for found in slugs:
        lang, slug = found or first
        elapsed, status, _body = get(f"/{lang}/articles/{slug}")
        page.append(elapsed)
        assert status == 200, status
    print(json.dumps({"api": api, "fts5": fts, "page": page, "article": first}))


def _in_process(env: dict, queries: list[tuple[str, str]], how: str = "wsgi") -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--worker", how],
        input=json.dumps(queries),
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        sys.exit(f"worker failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _children(pid: int) -> list[int]:
    found = subprocess.run(
        ["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False
    )
    return [int(p) for p in found.stdout.split()]


def _wrk(
    url: str, seconds: int, script: Path | None = None, offset: int | None = None
) -> float:
    args = ["wrk", "-t2", "-c8", f"-d{seconds}s", url]
    if script:
        args[1:1] = ["-s", str(script)]
    if offset is not None:
        args += ["--", str(offset)]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        sys.exit(f"wrk saw {errors.group(1)} error responses on {url}")
    total = re.search(r"(\d+) requests in", out)
    if offset is not None and total and int(total.group(1)) > DISTINCT_PER_RUN:
        print(f"  (distinct run served {total.group(1)} requests: some repeated)")
    return float(found.group(1)) if found else 0.0


def _gunicorn(env: dict, port: int, tmp: Path) -> subprocess.Popen:
    log = (tmp / "gunicorn.log").open("wb")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "kb:create_app()",
        ],
        env={
            **env,
            "KB_ENV": "production",
            "KB_RATELIMIT_ENABLED": "false",
            # Production requires it; trusted hosts then follow from it.
            "KB_BASE_URL": f"http://127.0.0.1:{port}",
            # Production requires a mail server or this; searches send no mail.
            "KB_MAIL_BACKEND": env.get("KB_MAIL_BACKEND", "log"),
        },
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(
                f"http://127.0.0.1:{port}/robots.txt", timeout=2
            ).close()
            return process
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                sys.exit(
                    "gunicorn did not start:\n" + (tmp / "gunicorn.log").read_text()
                )
            time.sleep(0.3)


def _search_paths(queries: list[tuple[str, str]]) -> str:
    return (
        "\n".join(
            f"/{lang}/search?" + urllib.parse.urlencode({"q": q}) for q, lang in queries
        )
        + "\n"
    )


def _served(env, port, tmp, queries, distinct, article, seconds, repeat) -> dict:
    """Requests/s of search page (rotating, then never-repeated queries), article
    page and bare route; worker RSS."""
    paths = tmp / "paths.txt"
    paths.write_text(_search_paths(queries))
    script = tmp / "rotate.lua"
    script.write_text(WRK_SCRIPT % paths)
    distinct_paths = tmp / "distinct.txt"
    distinct_paths.write_text(_search_paths(distinct))
    distinct_script = tmp / "distinct.lua"
    distinct_script.write_text(WRK_DISTINCT % distinct_paths)
    base = f"http://127.0.0.1:{port}"
    process = _gunicorn(env, port, tmp)
    runs: dict[str, list[float]] = {
        "search": [],
        "distinct": [],
        "article": [],
        "bare": [],
    }
    try:
        # Warm both workers (library, index, templates) until each has likely
        # rendered every rotating query once: the rotating runs measure the
        # steady state of a repeated set of queries; the never-seen runs below
        # measure what the first request for a query costs.
        # Each wrk run starts the rotation afresh, so the rest of the warm-up is
        # one run long enough for the whole rotation at the first run's rate.
        first = _wrk(base + "/", 2, script)
        warmed = first * 2
        left = WARM_PASSES * len(queries) - warmed
        if left > 0:
            longer = min(WARM_SECONDS, math.ceil(left / max(first, 1.0)))
            warmed += _wrk(base + "/", longer, script) * longer
        _wrk(f"{base}/{article[0]}/articles/{article[1]}", 2)
        for n in range(repeat):  # interleaved, so load changes hit all four
            runs["search"].append(_wrk(base + "/", seconds, script))
            offset = n * DISTINCT_PER_RUN  # a fresh slice each run
            runs["distinct"].append(_wrk(base + "/", seconds, distinct_script, offset))
            runs["article"].append(
                _wrk(f"{base}/{article[0]}/articles/{article[1]}", seconds)
            )
            runs["bare"].append(_wrk(base + "/robots.txt", seconds))
        rss = [_rss_mib(pid) for pid in _children(process.pid)]
    finally:
        process.terminate()
        process.wait(timeout=30)
    return {"runs": runs, "rss": rss, "warm-up requests": warmed}


def bench_corpus(name: str, articles: Path, args, tmp: Path) -> None:
    """Every measurement on one corpus, printed as ratios."""
    env = {
        **os.environ,
        "KB_ARTICLES_DIR": str(articles),
        "KB_SEARCH_INDEX_DIR": str(tmp / "index"),
        "KB_DATABASE_URL": f"sqlite:///{tmp / 'kb.sqlite3'}",
        "KB_SECRET_KEY": "bench-" + "x" * 40,
        # Thousands of searches from one client: far over the search limit.
        "KB_RATELIMIT_ENABLED": "false",
    }
    kb = Path(sys.executable).with_name("kb")
    subprocess.run([str(kb), "db", "upgrade"], env=env, check=True, capture_output=True)
    started = time.perf_counter()
    subprocess.run([str(kb), "index"], env=env, check=True, capture_output=True)
    built = time.perf_counter() - started
    queries = _queries(articles, args.queries)
    count = len(list(articles.rglob("*.md")))
    print(f"\n== {name}: {count} articles, {len(queries)} queries, index {built:.1f} s")
    p50s, p95s, pages, client50s, client95s = [], [], [], [], []
    article = None
    for n in range(args.repeat):
        measured = _in_process(env, queries)
        # The same, through Flask's test client (how this bench timed it first).
        through_client = _in_process(env, queries, "client")
        article = measured["article"]
        api50, api95 = p50_p95_ms(measured["api"])
        fts50, fts95 = p50_p95_ms(measured["fts5"])
        page50, _ = p50_p95_ms(measured["page"])
        client50, client95 = p50_p95_ms(through_client["api"])
        client_fts50, client_fts95 = p50_p95_ms(through_client["fts5"])
        p50s.append(api50 / fts50)
        p95s.append(api95 / fts95)
        pages.append(api50 / page50)
        client50s.append(client50 / client_fts50)
        client95s.append(client95 / client_fts95)
        print(
            f"  run {n + 1}: /api/search p50 {api50:.2f} ms p95 {api95:.2f} ms | "
            f"FTS5+snippet p50 {fts50:.2f} ms p95 {fts95:.2f} ms | "
            f"article page p50 {page50:.2f} ms | test client p50 {client50:.2f} ms "
            f"p95 {client95:.2f} ms"
        )
    print(f"  /api/search p50 / FTS5+snippet p50: {span(p50s)} x  (target <= 3)")
    print(f"  /api/search p95 / FTS5+snippet p95: {span(p95s)} x  (target <= 5)")
    print(f"  /api/search p50 / article page p50: {span(pages)} x")
    print(
        f"  through the test client: p50 {span(client50s)} x, "
        f"p95 {span(client95s)} x FTS5+snippet"
    )
    if shutil.which("wrk") is None:
        print("  wrk not found (apt-get install wrk): throughput skipped")
        return
    # Queries no worker has seen, a run's worth each (distinct from ``queries``).
    seen = set(queries)
    distinct = [
        q
        for q in dict.fromkeys(
            _queries(articles, DISTINCT_PER_RUN * args.repeat + 1000, seed=23)
        )
        if q not in seen
    ]
    served = _served(
        env, args.port, tmp, queries, distinct, article, args.seconds, args.repeat
    )
    runs = served["runs"]
    pairs = zip(
        runs["search"], runs["distinct"], runs["article"], runs["bare"], strict=True
    )
    search_ratio, distinct_ratio, article_ratio = [], [], []
    for search, fresh, page, bare in pairs:
        search_ratio.append(search / max(page, 1e-9))
        distinct_ratio.append(fresh / max(page, 1e-9))
        article_ratio.append(page / max(bare, 1e-9))
    print(
        f"  gunicorn 2 workers, wrk -t2 -c8 -d{args.seconds}s: search page "
        f"{span(runs['search'], '{:.0f}')} req/s (never-seen queries "
        f"{span(runs['distinct'], '{:.0f}')}), article page "
        f"{span(runs['article'], '{:.0f}')}, /robots.txt "
        f"{span(runs['bare'], '{:.0f}')}"
    )
    # Each worker caches 500 results pages and renders each rotating query at
    # most once: at most 2 x len(queries) renders in the warm-up and all runs.
    rotating = len(set(queries))
    requests = served["warm-up requests"] + sum(runs["search"]) * args.seconds
    hits = max(0.0, 1 - 2 * rotating / max(requests, 1))
    print(
        f"  search page / article page: {span(search_ratio)} x  (target >= 0.5; "
        f"{rotating} rotating queries, ~{requests:.0f} requests: cache hit rate "
        f">= {hits:.0%})"
    )
    print(
        f"  search page, never-seen queries / article page: "
        f"{span(distinct_ratio)} x  (no cache hits)"
    )
    print(f"  article page / bare route:  {span(article_ratio)} x  (target >= 0.5)")
    rss = ", ".join(f"{r:.0f}" for r in served["rss"])
    print(f"  worker RSS after the runs: {rss} MiB  (target <= 200)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="generated articles")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10, help="per wrk run")
    parser.add_argument("--port", type=int, default=5150)
    parser.add_argument("--only", choices=["sample", "generated"])
    parser.add_argument(
        "--work",
        type=Path,
        help="keep the generated corpus and its index here and reuse them "
        "(the build is then an up-to-date check, not a full build)",
    )
    parser.add_argument("--worker", choices=["wsgi", "client"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker_main(args.worker)
        return
    print(f"load average at start: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if args.only != "generated":
            (tmp / "sample").mkdir()
            bench_corpus("sample articles", ROOT / "articles", args, tmp / "sample")
        if args.only != "sample":
            gen = tmp / "gen"
            if args.work:
                gen = args.work / "gen"
                print(f"generated corpus and index kept in {gen}")
            gen.mkdir(parents=True, exist_ok=True)
            if not (gen / "articles").exists():
                generate(gen / "articles", args.count)
            bench_corpus("generated", gen / "articles", args, gen)
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

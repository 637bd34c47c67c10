"""Index and query benchmarks on a generated corpus, as ratios in one run.

    .venv/bin/python bench/bench_search.py --count 10000

Measures, on the same machine in the same run:
  * full index build (``kb index --rebuild``) and an incremental ``kb index``
    after changing one article (ratio incremental / full);
  * ``/api/search`` latency (p50/p95, in-process HTTP through the test client)
    against a bare Flask route (the framework's floor) and against SQLite FTS5
    BM25 over the same documents;
  * a worker's resident memory after start-up and after the queries.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.bench_speed import fts5_database  # noqa: E402
from bench.corpus import generate  # noqa: E402
from bench.timing import p50_p95_ms  # noqa: E402


def _kb(env: dict, *args: str) -> float:
    kb = Path(sys.executable).with_name("kb")
    started = time.perf_counter()
    subprocess.run([str(kb), *args], env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def _queries(folder: Path, count: int, seed: int = 11) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    files = sorted(folder.rglob("*.md"))
    queries = []
    for path in rng.sample(files, count):
        text = path.read_text(encoding="utf-8")
        lang = "id" if "\nlang: id\n" in text else "en"
        words = [w for w in text.split("---", 2)[2].split() if w.isalpha()]
        queries.append((" ".join(rng.sample(words, rng.randint(2, 5))), lang))
    return queries


def _rss_kb() -> tuple[int, int]:
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def _fts5(folder: Path, queries: list[tuple[str, str]]) -> list[float]:
    db = fts5_database(folder)
    latencies = []
    for text, _lang in queries:
        match = " OR ".join(f'"{w}"' for w in text.lower().split())
        started = time.perf_counter()
        db.execute(
            "SELECT slug FROM d WHERE d MATCH ? ORDER BY bm25(d, 2.0, 1.0) LIMIT 10",
            (match,),
        ).fetchall()
        latencies.append(time.perf_counter() - started)
    return latencies


def _worker(env: dict, queries: list[tuple[str, str]]) -> dict:
    """Run the app in a fresh process, like one gunicorn worker."""
    code = f"""
import json, sys, time
sys.path.insert(0, {str(HERE.parent)!r})
from bench.bench_search import _rss_kb
from kb import create_app
app = create_app()
app.add_url_rule("/bare", "bare", lambda: {{"ok": True}})
client = app.test_client()
client.get("/api/search", query_string={{"q": "warmup"}})
start_rss = _rss_kb()[0]
api, bare = [], []
for text, lang in json.loads(sys.stdin.read()):
    t = time.perf_counter()
    r = client.get("/api/search", query_string={{"q": text, "lang": lang}})
    api.append(time.perf_counter() - t)
    assert r.status_code == 200, r.status_code
    t = time.perf_counter()
    client.get("/bare")
    bare.append(time.perf_counter() - t)
rss, hwm = _rss_kb()
print(json.dumps({{"api": api, "bare": bare, "start_rss": start_rss, "rss": rss,
                  "hwm": hwm}}))
"""
    done = subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps(queries),
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        generate(tmp / "articles", args.count)
        env = {
            **os.environ,
            "KB_ARTICLES_DIR": str(tmp / "articles"),
            "KB_SEARCH_INDEX_DIR": str(tmp / "index"),
            "KB_DATABASE_URL": f"sqlite:///{tmp / 'kb.sqlite3'}",
            "KB_SECRET_KEY": "bench",
            # Thousands of searches from one client: far over the search limit.
            "KB_RATELIMIT_ENABLED": "false",
        }
        full = _kb(env, "index", "--rebuild")
        noop = _kb(env, "index")
        one = next((tmp / "articles").rglob("gen-00042.md"))
        one.write_text(one.read_text() + "\nOne more sentence for the benchmark.\n")
        incremental = _kb(env, "index")
        queries = _queries(tmp / "articles", args.queries)
        worker = _worker(env, queries)
        fts = _fts5(tmp / "articles", queries)

    api50, api95 = p50_p95_ms(worker["api"])
    bare50, bare95 = p50_p95_ms(worker["bare"])
    fts50, fts95 = p50_p95_ms(fts)
    print(f"corpus: {args.count} generated articles, {len(queries)} queries")
    print(f"kb index --rebuild  {full:7.2f} s (whole process)")
    print(f"kb index (no change){noop:7.2f} s")
    print(
        f"kb index (1 change) {incremental:7.2f} s  = {incremental / full:.1%} of full"
    )
    print(f"/api/search  p50 {api50:6.2f} ms  p95 {api95:6.2f} ms")
    print(f"bare route   p50 {bare50:6.2f} ms  p95 {bare95:6.2f} ms")
    print(f"FTS5 BM25    p50 {fts50:6.2f} ms  p95 {fts95:6.2f} ms")
    print(
        f"ratios: /api/search p50 = {api50 / bare50:.1f} x bare route, "
        f"{api50 / fts50:.1f} x FTS5"
    )
    print(
        f"worker memory: {worker['start_rss'] / 1024:.0f} MiB after start, "
        f"{worker['rss'] / 1024:.0f} MiB after queries "
        f"(peak {worker['hwm'] / 1024:.0f} MiB)"
    )


if __name__ == "__main__":
    main()

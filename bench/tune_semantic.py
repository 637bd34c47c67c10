"""Choose the semantic fusion weight on a development set (never a held-out one).

Builds the index and the section vectors of a BEIR-layout collection once, in a
folder that is kept (so a second run embeds nothing), then runs every query
through ``/api/search`` in one process for each weight, and lexically, and
prints nDCG@10 and p50/p95 latency per setting. It reuses the loading, article
writing and metrics of a search-evaluation tool (``--eval-tool``: a module with
``load``, ``write_articles`` and the metrics; not shipped with Jawab)::

    .venv/bin/python bench/tune_semantic.py DATA/covidqa-en --eval-tool TOOL.py \\
        --lang en --work /tmp/tune-covidqa --weights 0.2,0.35,0.5,0.75,1

``--repeat N`` repeats the last, interleaved latency measurement N times.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def _eval_module(path: Path):
    spec = importlib.util.spec_from_file_location("search_eval", path)
    if spec is None or spec.loader is None:
        sys.exit(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    """Build once, then measure each weight."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("collection", type=Path)
    ap.add_argument("--lang", choices=["en", "id"], required=True)
    ap.add_argument("--work", type=Path, required=True, help="kept between runs")
    ap.add_argument(
        "--weights",
        default="0.25,0.5,0.75,1.0",
        help="the first is also used for the interleaved latency measurement",
    )
    ap.add_argument("--limit", type=int, default=10**9)
    ap.add_argument(
        "--repeat", type=int, default=1, help="interleaved latency measurements"
    )
    ap.add_argument(
        "--eval-tool",
        type=Path,
        required=True,
        help="the search-evaluation module (load, write_articles, metrics)",
    )
    a = ap.parse_args()
    ev = _eval_module(a.eval_tool)
    corpus, queries, qrels = ev.load(a.collection)
    queries = queries[: a.limit]
    articles = a.work / "articles"
    if not articles.exists():
        ev.write_articles(corpus, a.lang, articles)
    os.environ.update(
        KB_ARTICLES_DIR=str(articles),
        KB_SEARCH_INDEX_DIR=str(a.work / "index"),
        KB_DATABASE_URL=f"sqlite:///{a.work / 'kb.sqlite3'}",
        KB_SEMANTIC="on",
        # Ranking is measured, not insights: the eval database has no tables, and
        # a failing event writer would add its tracebacks to both sides.
        KB_EVENTS_ENABLED="false",
    )
    from kb import create_app
    from kb.services.search import update_index

    app = create_app()
    service = app.extensions["jawab.search"]
    started = time.perf_counter()
    with app.app_context():
        update_index(
            app.extensions["jawab.content"],
            Path(app.config["SEARCH_INDEX_DIR"]),
            semantic=service.semantic,
            embed_progress=lambda done, total: print(
                f"\rembedding {done}/{total}", end="", file=sys.stderr
            ),
        )
    print(f"\nbuilt in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    client = app.test_client()
    ranker = service.semantic

    def run(label: str) -> None:
        ndcg, lat = [], []
        for q in queries:
            t = time.perf_counter()
            resp = client.get(
                "/api/search",
                query_string={"q": q["text"], "lang": a.lang, "limit": 10},
            )
            lat.append(time.perf_counter() - t)
            ranked = [str(r["slug"]).lower() for r in resp.get_json()["results"]]
            ndcg.append(ev.metrics(ranked, qrels[q["_id"]])[0])
        lat.sort()
        print(
            f"{label:14s} nDCG@10 {sum(ndcg) / len(ndcg):.4f}  "
            f"p50 {statistics.median(lat) * 1000:.1f} ms  "
            f"p95 {lat[int(0.95 * (len(lat) - 1))] * 1000:.1f} ms",
            flush=True,
        )

    service.semantic = None
    run("lexical")
    service.semantic = ranker
    for weight in (float(w) for w in a.weights.split(",")):
        ranker.weight = weight
        ranker._queries.clear()  # every run embeds its queries: honest latency
        run(f"weight {weight:g}")
    service.semantic = None
    run("lexical again")

    # Latency, interleaved query by query so both sides see the same load:
    # lexical, then semantic with the query embedded afresh.
    ranker.weight = float(a.weights.split(",")[0])
    for _ in range(a.repeat):
        ranker._queries.clear()
        lexical, semantic = [], []
        for q in queries:
            params = {"q": q["text"], "lang": a.lang, "limit": 10}
            service.semantic = None
            t = time.perf_counter()
            client.get("/api/search", query_string=params)
            lexical.append(time.perf_counter() - t)
            service.semantic = ranker
            t = time.perf_counter()
            client.get("/api/search", query_string=params)
            semantic.append(time.perf_counter() - t)
        p50_lex, p50_sem = statistics.median(lexical), statistics.median(semantic)
        rss = _rss_mib()
        print(
            f"interleaved p50 lexical {p50_lex * 1000:.1f} ms, semantic "
            f"{p50_sem * 1000:.1f} ms = {p50_sem / p50_lex:.2f}x; RSS {rss:.0f} MiB",
            flush=True,
        )


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


if __name__ == "__main__":
    main()

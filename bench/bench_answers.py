"""Quick answers on the search-evaluation sets: precision against coverage.

    .venv/bin/python bench/bench_answers.py SETS [--work DIR] [--semantic]

``SETS`` is a folder of collections. For each (a folder in BEIR layout:
corpus.jsonl, queries.jsonl, qrels.tsv; its language from its name's
``-en``/``-id``), every document becomes a published article and each query
goes through the search the search page runs; then:

* **precision**: of the queries given a quick answer, the share whose answer
  comes from a relevant document (per the qrels);
* **coverage**: the share of queries given one;
* both at the shipped threshold (``kb.services.quick_answers.SURE``) and
  over a small sweep;
* **off-topic**: the collection's queries against the sample help center
  (``articles/``), whose topics they do not share: the share given NO quick
  answer (target at least 95%);
* nDCG@10, Recall@10 and P@1 of the search itself (as ``search_eval.py``
  counts them), and the most coverage any threshold gives at 90% precision
  or more (the bound the confidence sets on the sweep).

The sets are for measuring only: nothing from them is fitted or shipped.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench.timing import load_average  # noqa: E402

SWEEP = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6)


def _load(folder: Path) -> tuple[list[dict], list[dict], dict[str, set[str]]]:
    def rows(name: str) -> list[dict]:
        with (folder / name).open(encoding="utf-8") as lines:
            return [json.loads(line) for line in lines if line.strip()]

    qrels: dict[str, set[str]] = {}
    lines = (folder / "qrels.tsv").read_text(encoding="utf-8").splitlines()[1:]
    for line in lines:
        qid, did, score = line.split("\t")
        if int(score) > 0:
            qrels.setdefault(qid, set()).add(did.lower())
    queries = [q for q in rows("queries.jsonl") if q["_id"] in qrels]
    return rows("corpus.jsonl"), queries, qrels


def _write_articles(corpus: list[dict], lang: str, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for doc in corpus:
        title = doc.get("title") or doc["text"][:80] or doc["_id"]
        body = doc.get("text") or title
        (folder / f"{doc['_id'].lower()}.md").write_text(
            "---\n"
            f"title: {json.dumps(title, ensure_ascii=False)}\n"
            f"lang: {lang}\n"
            "category: eval\n"
            "---\n\n" + body + "\n",
            encoding="utf-8",
        )


def _app(articles: Path, work: Path, semantic: bool = False):
    from kb import create_app
    from kb.services.search import update_index

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "ARTICLES_DIR": str(articles),
            "SEARCH_INDEX_DIR": str(work / "index"),
            "DATABASE_URL": f"sqlite:///{work / 'unused.sqlite3'}",
            "RELOAD_SECONDS": 0,
            "EVENTS_ENABLED": False,
            "SEMANTIC": semantic,
        }
    )
    with app.app_context():
        update_index(
            app.extensions["jawab.content"],
            work / "index",
            semantic=app.extensions["jawab.search"].semantic,
        )
    return app


def _answers(app, queries: list[dict], lang: str) -> list[tuple[list[str], float]]:
    """Each query's ranked slugs and the first hit's confidence."""
    from kb.services.search import SearchRequest, SearchService

    out = []
    with app.app_context():
        search = app.extensions["jawab.search"]
        library = app.extensions["jawab.content"].library()
        for q in queries:
            hits = search.search(SearchRequest(q=q["text"], lang=lang), library)
            sure = SearchService.confidences(hits)
            out.append(([h.slug for h in hits.hits], sure[0] if sure else 0.0))
    return out


def _ndcg_recall(ranked: list[str], relevant: set[str]) -> tuple[float, float]:
    dcg = sum(1 / math.log2(i + 2) for i, d in enumerate(ranked[:10]) if d in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len(relevant), 10)))
    return dcg / ideal, len(set(ranked[:10]) & relevant) / len(relevant)


def _precision_coverage(
    runs: list[tuple[list[str], float]], relevant: list[set[str]], threshold: float
) -> tuple[float, float]:
    given = [
        (ranked[0] in rel)
        for (ranked, sure), rel in zip(runs, relevant, strict=True)
        if ranked and sure >= threshold
    ]
    precision = sum(given) / len(given) if given else 1.0
    return precision, len(given) / len(runs)


def _best_coverage(
    runs: list[tuple[list[str], float]], relevant: list[set[str]], target: float
) -> tuple[float, float]:
    """The largest coverage with precision >= ``target``, and its threshold."""
    pairs = zip(runs, relevant, strict=True)
    ranked = sorted(
        ((sure, bool(r) and r[0] in rel) for (r, sure), rel in pairs),
        key=lambda item: -item[0],
    )
    best, threshold, right = 0.0, 1.0, 0
    for given, (sure, correct) in enumerate(ranked, 1):
        right += correct
        last = given == len(ranked) or ranked[given][0] != sure  # whole ties only
        if last and sure > 0 and right / given >= target:
            best, threshold = given / len(ranked), sure
    return best, threshold


def main() -> None:
    """Print each collection's figures, then the off-topic share."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", type=Path, help="folder of BEIR collections")
    parser.add_argument("--work", type=Path, help="keep articles and indexes here")
    parser.add_argument("--limit", type=int, default=10**9, help="queries per set")
    parser.add_argument(
        "--semantic", action="store_true", help="with semantic re-ranking on"
    )
    args = parser.parse_args()
    os.environ.setdefault("KB_RATELIMIT_ENABLED", "false")
    from kb.services.quick_answers import SURE

    work = args.work or Path(tempfile.mkdtemp(prefix="bench-answers-"))
    semantic = "on" if args.semantic else "off"
    print(f"# bench_answers: threshold {SURE}; semantic {semantic}; {load_average()}")
    sample = _app(ROOT / "articles", work / "sample", args.semantic)
    for folder in sorted(p for p in args.sets.iterdir() if p.is_dir()):
        lang = "id" if "-id" in folder.name else "en"
        corpus, queries, qrels = _load(folder)
        queries = queries[: args.limit]
        target = work / folder.name
        if not (target / "articles").exists():
            _write_articles(corpus, lang, target / "articles")
        app = _app(target / "articles", target, args.semantic)
        runs = _answers(app, queries, lang)
        relevant = [qrels[q["_id"]] for q in queries]
        scores = [
            _ndcg_recall(r, rel) for (r, _s), rel in zip(runs, relevant, strict=True)
        ]
        ndcg = sum(s[0] for s in scores) / len(scores)
        recall = sum(s[1] for s in scores) / len(scores)
        print(
            f"\n{folder.name} ({lang}, {len(corpus)} documents, {len(queries)} queries)"
        )
        pairs = zip(runs, relevant, strict=True)
        first = sum(1 for (r, _s), rel in pairs if r and r[0] in rel)
        print(
            f"  search: nDCG@10 {ndcg:.4f}  Recall@10 {recall:.4f}"
            f"  P@1 {first / len(runs):.1%}"
        )
        best, at = _best_coverage(runs, relevant, 0.9)
        print(f"  most coverage at >= 90% precision: {best:.1%} (threshold {at:.3f})")
        for threshold in sorted({*SWEEP, SURE}):
            precision, coverage = _precision_coverage(runs, relevant, threshold)
            mark = "  <- shipped" if threshold == SURE else ""
            print(
                f"  threshold {threshold:.2f}: precision {precision:.1%}"
                f"  coverage {coverage:.1%}{mark}"
            )
        off = _answers(sample, queries, lang)
        silent = sum(1 for ranked, sure in off if not ranked or sure < SURE)
        print(
            f"  off-topic (its queries on the sample help center): "
            f"{silent / len(off):.1%} get no quick answer"
        )


if __name__ == "__main__":
    main()

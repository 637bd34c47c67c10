"""Drafting replies from posts: how often it finds the article, and how fast.

    .venv/bin/python bench/bench_reply.py [--repeat 3] [--semantic on|off|both]

Builds the sample help center (``articles/``) in a temporary folder, then:

1. Quality: the development list (``tests/data/posts.yml``, which the tests
   check) and the held-out list (``tests/data/posts_heldout.yml``, measured
   only, never tuned against) through :func:`kb.services.drafting.draft`: how
   often the chosen article, and its section, are the ones the list names, and
   whether every reply fits its platform.
2. Speed (on a fresh SQLite file, or ``--database URL``), in one run and
   interleaved post by post so both sides see the same load:
   ``POST /api/v1/replies/draft`` (a staff token) against
   ``GET /api/search`` for the same text; p50 of each and their ratio (target
   ≤ 2×), with semantic re-ranking off and, when the ``semantic`` extra and
   its model are there, on (each query embedded afresh).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LISTS = [
    ROOT / "tests" / "data" / "posts.yml",
    ROOT / "tests" / "data" / "posts_heldout.yml",
]


def _app(work: Path, semantic: bool, database: str | None) -> Any:
    """The app over a copy of the sample articles, indexed (with vectors if asked)."""
    from kb import create_app
    from kb.services.search import update_index
    from kb.storage import migrate

    shutil.copytree(ROOT / "articles", work / "articles")
    url = database or f"sqlite:///{work / 'kb.sqlite3'}"
    migrate.upgrade(url)
    os.environ.update(
        KB_ARTICLES_DIR=str(work / "articles"),
        KB_SEARCH_INDEX_DIR=str(work / "index"),
        KB_DATABASE_URL=url,
        KB_SEMANTIC="on" if semantic else "off",
        KB_RATELIMIT_ENABLED="false",
        KB_EVENTS_ENABLED="false",
        KB_SECRET_KEY="bench",
    )
    app = create_app()
    service = app.extensions["jawab.search"]
    with app.app_context():
        update_index(
            app.extensions["jawab.content"],
            work / "index",
            semantic=service.semantic,
        )
    return app


def _token(app: Any) -> str:
    from kb.services import api_tokens, users
    from kb.storage.db import standalone_session

    with app.app_context(), standalone_session() as db:
        user = users.find(db, "bench@tokorona.example") or users.create(
            db, "bench@tokorona.example", "agent", "correct horse battery staple 42"
        )
        secret, _info = api_tokens.create(db, user, "bench", 30)
    return secret


def _quality(app: Any, path: Path) -> str:
    from kb.services import drafting
    from kb.storage import db

    posts = [p for p in yaml.safe_load(path.read_text("utf-8")) if p.get("article")]
    links = drafting.Links(
        short=lambda slug, lang, anchor, code: f"https://tkr.id/s/{code}",
        handoff=lambda slug: "https://help.tokorona.example/contact?platform=x",
    )
    articles = sections = over = 0
    with app.test_request_context():
        lib = app.extensions["jawab.content"].library()
        search = app.extensions["jawab.search"]
        for post in posts:
            found = drafting.draft(
                db.session(),
                search,
                lib,
                drafting.DraftRequest(post=post["post"], platform=post["platform"]),
                links,
            )
            if found.article and found.article.slug == post["article"]:
                articles += 1
                anchor = found.section.anchor if found.section else None
                sections += anchor == post.get("section")
            over += sum(r.over for r in found.replies)
    n = len(posts)
    return (
        f"{path.name} ({n} posts with an article): article {articles}/{n} "
        f"({100 * articles / n:.0f}%), section {sections}/{n} "
        f"({100 * sections / n:.0f}%), replies over the limit: {over}"
    )


def _speed(app: Any, posts: list[dict], repeat: int) -> tuple[float, float]:
    """p50 (ms) of drafting and of /api/search for the same texts, interleaved."""
    client = app.test_client()
    headers = {"Authorization": f"Bearer {_token(app)}"}
    ranker = app.extensions["jawab.search"].semantic
    draft_times: list[float] = []
    search_times: list[float] = []
    for _ in range(repeat):
        for post in posts:
            if ranker is not None:
                ranker._queries.clear()  # every run embeds its queries afresh
            started = time.perf_counter()
            drafted = client.post(
                "/api/v1/replies/draft",
                json={"post": post["post"], "platform": post["platform"]},
                headers=headers,
            )
            draft_times.append(time.perf_counter() - started)
            assert drafted.status_code == 200, drafted.get_json()
            if ranker is not None:
                ranker._queries.clear()
            started = time.perf_counter()
            searched = client.get("/api/search", query_string={"q": post["post"][:500]})
            search_times.append(time.perf_counter() - started)
            assert searched.status_code == 200
    return statistics.median(draft_times) * 1000, statistics.median(search_times) * 1000


def main() -> None:
    """Print the quality of both lists, then drafting against search per mode."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--semantic", choices=("on", "off", "both"), default="both")
    parser.add_argument(
        "--database",
        help="an empty database URL to use instead of a fresh SQLite file "
        "(e.g. a PostgreSQL schema); a staff user bench@… is created in it",
    )
    args = parser.parse_args()
    posts = [p for path in LISTS for p in yaml.safe_load(path.read_text("utf-8"))]
    modes = {"both": (False, True), "on": (True,), "off": (False,)}[args.semantic]
    for semantic in modes:
        with tempfile.TemporaryDirectory(prefix="bench-reply-") as folder:
            app = _app(Path(folder), semantic, args.database)
            active = app.extensions["jawab.search"].semantic is not None
            label = "semantic on" if active else "semantic off"
            if semantic and not active:
                print("semantic on: the extra or its model is missing, skipped")
                continue
            if not semantic:
                for path in LISTS:
                    print(_quality(app, path))
            draft_ms, search_ms = _speed(app, posts, args.repeat)
            print(
                f"{label}: draft p50 {draft_ms:.1f} ms, /api/search p50 "
                f"{search_ms:.1f} ms, ratio {draft_ms / search_ms:.2f}× "
                f"({len(posts) * args.repeat} posts each, interleaved)",
                flush=True,
            )
            app.extensions["jawab.search"].searcher.close()


if __name__ == "__main__":
    main()

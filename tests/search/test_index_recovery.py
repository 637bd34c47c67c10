"""The index heals itself under a real multi-worker server: deleting or
truncating ``search_index/`` while it serves changes no result and causes no 5xx."""

from __future__ import annotations

import json
import shutil
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from live_server import gunicorn

ROOT = Path(__file__).resolve().parents[2]
QUERIES = [
    ("refund", "en"),
    ("lupa kata sandi", "id"),
    ("track my order", "en"),
    ("ongkir", "id"),
    ("otp code not arriving", "en"),
    ("penipuan", "id"),
    ("cash on delivery", "en"),
    ("hapus akun", "id"),
]


def _get(base: str, q: str, lang: str) -> tuple[int, list[str]]:
    url = f"{base}/api/search?" + urllib.parse.urlencode({"q": q, "lang": lang})
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            data = json.loads(response.read())
            return response.status, [r["slug"] for r in data["results"]]
    except urllib.error.HTTPError as error:
        return error.code, []


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    """gunicorn with three workers over a copy of the sample articles."""
    articles = tmp_path / "articles"
    shutil.copytree(ROOT / "articles", articles)
    # Four threads hammer the search API from one address: a load test, far over
    # the per-client search limit (tests/insights/test_hostile_events.py).
    off = {"KB_RATELIMIT_ENABLED": "false"}
    with gunicorn(tmp_path, articles, workers=3, env=off) as (base, log):
        yield base, tmp_path / "search_index", log


def _hammer(base: str, stop: threading.Event, statuses: list[int]) -> None:
    while not stop.is_set():
        for q, lang in QUERIES:
            statuses.append(_get(base, q, lang)[0])


def _damage_under_load(base: str, damage, settle: float = 2.5) -> list[int]:
    statuses: list[int] = []
    stop = threading.Event()
    threads = [
        threading.Thread(target=_hammer, args=(base, stop, statuses)) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    damage()
    time.sleep(settle)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


def _truncate(index: Path, keep: float) -> None:
    for path in index.iterdir():
        if path.is_file() and path.name != "SCHEMA":
            with path.open("r+b") as handle:
                handle.truncate(int(path.stat().st_size * keep))


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda index: shutil.rmtree(index), id="deleted"),
        pytest.param(lambda index: _truncate(index, 0.0), id="truncated-to-zero"),
        pytest.param(lambda index: _truncate(index, 0.5), id="truncated-to-half"),
    ],
)
def test_index_damage_while_serving(server, damage) -> None:
    base, index, log = server
    before = {query: _get(base, *query) for query in QUERIES}
    assert all(status == 200 and slugs for status, slugs in before.values())
    statuses = _damage_under_load(base, lambda: damage(index))
    assert statuses and set(statuses) == {200}, sorted(set(statuses))
    after = {query: _get(base, *query) for query in QUERIES}
    assert after == before
    assert "rebuilding" in log.read_text()  # the damage was noticed and repaired


BOMB_FRONT = "---\ntitle: {title}\nlang: en\ncategory: account\n---\n\n"
BOMBS = {
    # 400 nested list levels: RecursionError while indexing, 500 on every search.
    "deep-list": "".join(f"{'    ' * n}- refund {n}\n" for n in range(400)),
    # A run of '[': each one rescans to the end, a worker timeout per search.
    "brackets": "refund " + "[" * 5_000 + "\n",
    # A long table: seconds per render at 3,000 rows.
    "big-table": "|refund|b|\n|-|-|\n" + "|refund|y|\n" * 1000,
}


def test_markdown_bomb_articles_while_serving(server) -> None:
    base, _index, log = server
    articles = _index.parent / "articles"
    before = {query: _get(base, *query) for query in QUERIES}
    assert all(status == 200 and slugs for status, slugs in before.values())

    def add_bombs() -> None:
        for name, body in BOMBS.items():
            path = articles / "account" / f"{name}.md"
            path.write_text(BOMB_FRONT.format(title=name) + body, encoding="utf-8")

    # Longer than KB_RELOAD_SECONDS (2 s), so every worker reloads and indexes.
    statuses = _damage_under_load(base, add_bombs, settle=6)
    assert statuses and set(statuses) == {200}, sorted(set(statuses))
    after = {query: _get(base, *query) for query in QUERIES}
    assert after == before  # the bombs are skipped; every normal result stays
    status, slugs = _get(base, "refund", "en")
    assert status == 200 and slugs and not set(slugs) & set(BOMBS)
    text = log.read_text()
    assert "account/deep-list.md:1: text is too long" in text
    assert "account/brackets.md:7: " in text and "unmatched" in text
    assert "account/big-table.md:7: table has 1,001 rows" in text

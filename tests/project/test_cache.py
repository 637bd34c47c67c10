"""The one cache (kb/cache.py): its bound, expiry and content versions."""

from __future__ import annotations

import csv
import io
import threading

from flask import Flask

from kb.cache import Cache, text_size


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_past_its_size_the_least_recently_used_goes() -> None:
    cache: Cache[str] = Cache(2)
    cache.put("a", "A")
    cache.put("b", "B")
    assert cache.get("a") == "A"  # "b" is now the least recently used
    cache.put("c", "C")
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == ("A", None, "C")
    assert len(cache) == 2


def test_past_its_weight_the_least_recently_used_go() -> None:
    cache: Cache[str] = Cache(100, max_weight=10, weigh=text_size)
    for key in "abc":
        cache.put(key, key * 4)
    # 12 characters is over 10: the oldest page went.
    assert cache.get("a") is None and cache.get("c") == "cccc"
    assert cache.weight == 8
    cache.put("c", "cc")  # a new value for a key replaces its weight
    assert cache.weight == 6
    cache.put("big", "x" * 11)  # heavier than the bound alone: not kept
    assert cache.get("big") is None
    assert (cache.get("b"), cache.get("c"), cache.weight) == ("bbbb", "cc", 6)
    cache.clear()
    assert len(cache) == 0 and cache.weight == 0


def test_an_entry_expires_after_its_seconds() -> None:
    clock = Clock()
    made = []
    cache: Cache[int] = Cache(10, ttl=60, clock=clock)

    def make() -> int:
        made.append(clock.now)
        return len(made)

    assert cache.get_or_make("report", make) == 1
    clock.now += 59
    assert cache.get_or_make("report", make) == 1  # still fresh
    clock.now += 1
    assert cache.get_or_make("report", make) == 2  # 60 s old: made again
    assert cache.get("report") == 2


def test_the_seconds_are_read_on_every_call_and_zero_keeps_nothing() -> None:
    clock = Clock()
    config = {"seconds": 60}
    cache: Cache[str] = Cache(10, ttl=lambda: config["seconds"], clock=clock)
    cache.put("a", "A")
    clock.now += 30
    config["seconds"] = 20  # an operator shortens it: the entry is now stale
    assert cache.get("a") is None
    config["seconds"] = 0
    made = []
    for _ in range(3):
        cache.get_or_make("b", lambda: made.append(1) or "B")
    assert len(made) == 3 and len(cache) == 0


def test_expired_entries_go_before_recently_used_ones() -> None:
    clock = Clock()
    cache: Cache[str] = Cache(2, ttl=10, clock=clock)
    cache.put("old", "O")
    clock.now += 5
    cache.put("recent", "R")
    clock.now += 1
    assert cache.get("old") == "O"  # the most recently used, but made first
    clock.now += 5  # "old" is 11 s old, "recent" 6 s
    cache.put("new", "N")
    assert cache.get("recent") == "R" and cache.get("new") == "N"
    assert cache.get("old") is None


def test_a_new_content_version_forgets_the_old_pages() -> None:
    cache: Cache[str] = Cache(10)
    v1, v2 = object(), object()
    assert cache.get_or_make("page", lambda: "one", version=v1) == "one"
    assert cache.get_or_make("page", lambda: "again", version=v1) == "one"
    assert cache.get_or_make("page", lambda: "two", version=v2) == "two"
    assert cache.get("page", version=v1) is None  # and v1 is gone for good


def test_a_page_made_for_a_replaced_version_is_not_kept() -> None:
    cache: Cache[str] = Cache(10)
    v1, v2 = object(), object()

    def slow_render() -> str:
        cache.get("other", version=v2)  # meanwhile, the content changed
        return "stale"

    assert cache.get_or_make("page", slow_render, version=v1) == "stale"
    assert cache.get("page", version=v2) is None


def test_threads_sharing_a_cache_keep_it_within_its_bound() -> None:
    cache: Cache[str] = Cache(50, max_weight=400, weigh=text_size)

    def work(n: int) -> None:
        for i in range(500):
            cache.get_or_make((n, i % 80), lambda i=i: "x" * (i % 13))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(cache) <= 50 and cache.weight <= 400
    kept = [cache.get((n, k)) for n in range(4) for k in range(80)]
    assert cache.weight == sum(len(v) for v in kept if v is not None)


def _searches(client, url: str) -> str:
    response = client.get(url + "&format=csv")
    assert response.status_code == 200
    rows = csv.reader(io.StringIO(response.get_data(as_text=True)))
    return {row[0]: row[1] for row in rows}["searches"]


def test_a_report_is_reused_for_its_seconds_then_computed_again(
    ticket_app: Flask, auth, monkeypatch
) -> None:
    ticket_app.config["REPORT_CACHE_SECONDS"] = 60
    clock = Clock()
    monkeypatch.setattr(ticket_app.extensions["jawab.reports"], "clock", clock)
    editor = auth.login("editor")
    url = "/admin/reports/?lang=en&days=7"
    before = _searches(editor, url)
    visitor = ticket_app.test_client()
    visitor.environ_base["HTTP_USER_AGENT"] = "Mozilla/5.0 Chrome/120 Safari/537.36"
    assert visitor.get("/en/search?q=password").status_code == 200
    clock.now += 59
    assert _searches(editor, url) == before  # the kept report
    clock.now += 1
    assert int(_searches(editor, url)) == int(before) + 1

"""The one in-process cache: a bounded map of computed values, safe across threads.

Every cache in Jawab is a :class:`Cache` (``tests/project/test_layout.py`` fails on
a hand-made one), so bounds and expiry are written and tested once. Its options:

- **bounded, least recently used** (always): past ``size`` entries, or past
  ``max_weight`` (the sum of what ``weigh`` says each value costs, e.g. characters
  of a page), the least recently used entries go;
- **per content version** (``version=`` on each call): a version other than the
  one last seen forgets everything, so a page of an older content version is never
  served;
- **expiring** (``ttl``): seconds after which an entry is never returned, a number
  or a function read on every call (a config key tests change); ``0`` or less keeps
  nothing.

The values are computed outside the lock: two threads missing at once both compute,
and the later one's value is kept.

The caches an app holds, made by :func:`init_app`:

- ``jawab.pages``: article pages for anonymous readers, per content version and
  interface language. They are the same HTML for every such reader, yet rendering
  the templates (macros, URL building, translations) cost about four times a bare
  route. Never used for signed-in staff (their pages carry reply tools) or while
  templates auto-reload in development.
- ``jawab.search_pages``: search results pages (the same query, filters and page
  give the same HTML within one content version; rendering one cost twice the
  search itself), apart so a flood of queries keeps the articles.
- ``jawab.best_hits``: the search report's best current hit per (term, language).
- ``jawab.reply_templates``: the reply templates' wording per (language, tone),
  read on every draft, for :data:`REPLY_TEMPLATE_SECONDS`; saving or restoring
  one clears it (other workers and nodes see the change when theirs expire).
- ``jawab.reports``: computed reports and report pages per sign-in, for
  ``KB_REPORT_CACHE_SECONDS`` (a report over a year is read many times a minute at
  most, and new events may take that long to show).

The semantic re-ranker keeps its query vectors in one too
(:data:`kb.services.semantic.QUERY_CACHE`), and answers keep sections cut
into stemmed sentences (:data:`kb.services.answers.SECTION_CACHE`, keyed by the
section's text).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from flask import Flask

PAGES = 1000  # ~20 KB each: ~20 MB at most per worker
SEARCH_PAGES = 500  # results pages, apart so a flood of queries keeps articles
REPORTS = 256  # reports and report pages kept per worker
# Report pages kept, all together (characters): the articles report alone is
# ~135 KB with a few hundred sections; this bounds a worker to a few MB.
REPORT_CHARS = 4_000_000
# Reply templates: every draft reads its language and tone's wording. An
# admin's change shows at once in the worker that saved it (the cache is
# cleared) and within this many seconds in the other workers and nodes.
REPLY_TEMPLATE_SECONDS = 30.0

V = TypeVar("V")
_MISSING: Any = object()


def text_size(value: object) -> int:
    """Characters of a rendered page; anything else weighs nothing."""
    return len(value) if isinstance(value, str) else 0


class Cache(Generic[V]):
    """A thread-safe LRU of computed values, optionally per version and expiring."""

    def __init__(
        self,
        size: int,
        *,
        ttl: float | Callable[[], float] | None = None,
        max_weight: int | None = None,
        weigh: Callable[[V], int] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.size = size
        self.max_weight = max_weight
        self.clock = clock  # seconds, never going back (tests move their own)
        self._ttl = ttl
        self._weigh = weigh
        self._lock = threading.Lock()
        self._version: object = None
        # key -> (when stored, value, weight), least recently used first
        self._entries: OrderedDict[Hashable, tuple[float, V, int]] = OrderedDict()
        self._weight = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def weight(self) -> int:
        """What the kept values weigh together (0 without ``weigh``)."""
        return self._weight

    @property
    def ttl(self) -> float | None:
        """Seconds an entry is kept, or None when entries never expire."""
        return self._ttl() if callable(self._ttl) else self._ttl

    def get(self, key: Hashable, version: object = None) -> V | None:
        """The value kept for ``key`` (in ``version``), or None."""
        found = self._lookup(key, version, self.ttl)
        return None if found is _MISSING else found

    def put(self, key: Hashable, value: V, version: object = None) -> None:
        """Keep ``value`` for ``key`` (unless ``version`` is no longer current)."""
        self._store(key, value, version, self.ttl, self.clock())

    def get_or_make(
        self, key: Hashable, make: Callable[[], V], *, version: object = None
    ) -> V:
        """The value kept for ``key`` (in ``version``), made and kept when absent."""
        ttl = self.ttl
        found = self._lookup(key, version, ttl)
        if found is not _MISSING:
            return found
        # Stamped before making: an entry's age is that of the data it was made from.
        made_at = self.clock()
        value = make()
        self._store(key, value, version, ttl, made_at)
        return value

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._entries.clear()
            self._weight = 0

    def _lookup(self, key: Hashable, version: object, ttl: float | None) -> Any:
        with self._lock:
            if version is not self._version:
                self._entries.clear()
                self._weight = 0
                self._version = version
            entry = self._entries.get(key)
            if entry is None:
                return _MISSING
            if ttl is not None and self.clock() - entry[0] >= ttl:
                self._drop(key)
                return _MISSING
            self._entries.move_to_end(key)
            return entry[1]

    def _store(
        self, key: Hashable, value: V, version: object, ttl: float | None, at: float
    ) -> None:
        if ttl is not None and ttl <= 0:
            return
        weight = self._weigh(value) if self._weigh else 0
        with self._lock:
            if version is not self._version:
                return  # made for a version that has since been replaced
            if key in self._entries:
                self._drop(key)
            if self.max_weight is not None and weight > self.max_weight:
                return  # heavier than the bound alone: keeping it would empty the rest
            self._entries[key] = (at, value, weight)
            self._weight += weight
            if self._over():
                self._evict(ttl)

    def _over(self) -> bool:
        return len(self._entries) > self.size or (
            self.max_weight is not None and self._weight > self.max_weight
        )

    def _evict(self, ttl: float | None) -> None:
        """Drop expired entries, then the least recently used, until within bounds."""
        if ttl is not None:
            now = self.clock()
            for key in [k for k, e in self._entries.items() if now - e[0] >= ttl]:
                self._drop(key)
        while self._entries and self._over():
            self._drop(next(iter(self._entries)))

    def _drop(self, key: Hashable) -> None:
        _at, _value, weight = self._entries.pop(key)
        self._weight -= weight


def init_app(app: Flask) -> None:
    """Give ``app`` its caches (see the module docstring)."""
    app.extensions["jawab.pages"] = Cache[Any](PAGES)
    app.extensions["jawab.search_pages"] = Cache[Any](SEARCH_PAGES)
    app.extensions["jawab.best_hits"] = Cache[Any](SEARCH_PAGES)
    # Two languages × two tones; more keys would only be evicted early.
    app.extensions["jawab.reply_templates"] = Cache[Any](4, ttl=REPLY_TEMPLATE_SECONDS)
    app.extensions["jawab.reports"] = Cache[Any](
        REPORTS,
        ttl=lambda: app.config["REPORT_CACHE_SECONDS"],
        max_weight=REPORT_CHARS,
        weigh=text_size,
    )

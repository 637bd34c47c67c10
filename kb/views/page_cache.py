"""Rendered pages for anonymous readers, kept for one content version.

Article pages, and search results pages (the same query, filters and page
give the same HTML within one content version; rendering one cost twice the
search itself).

An article page is the same HTML for every anonymous reader of one content
version in one interface language, yet rendering its templates (macros, URL
building, translations) cost about four times a bare route. The cache is
bounded, forgets everything when a new content version appears, and is never
used for signed-in staff (their pages carry reply tools) or while templates
auto-reload in development.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

PAGES = 1000  # ~20 KB each: ~20 MB at most per worker
SEARCH_PAGES = 500  # results pages, apart so a flood of queries keeps articles

T = TypeVar("T")


class PageCache:
    """A small LRU of rendered pages, cleared when the content version changes."""

    def __init__(self, size: int = PAGES) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._version: object = None
        self._pages: OrderedDict[Hashable, Any] = OrderedDict()

    def get_or_render(
        self, version: object, key: Hashable, render: Callable[[], T]
    ) -> T:
        """The cached page for ``key`` in ``version``, rendering it when absent."""
        with self._lock:
            if version is not self._version:
                self._pages.clear()
                self._version = version
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
                return page
        page = render()
        with self._lock:
            if version is self._version:
                self._pages[key] = page
                while len(self._pages) > self.size:
                    self._pages.popitem(last=False)
        return page

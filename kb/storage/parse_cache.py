"""A cache of parsed article files, keyed by each file's stat signature.

Re-parsing 10,000 unchanged files costs more than everything else an
incremental ``kb index`` does, and every worker parses them at start. A file
whose path, modification time (ns), size and inode are unchanged is taken from
here instead. The cache is JSON (never pickle), per articles folder, in the
instance folder; anything unreadable in it is ignored and rebuilt.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from kb.storage.articles import ArticleFile, Problem

log = logging.getLogger(__name__)
VERSION = 5  # 2: parsed results include the Markdown limit check; 3: reviewed,
# owner; 4: publish_at; 5: problems keep their template and params
Parsed = tuple[ArticleFile | None, list[Problem]]


def cache_file(cache_dir: Path, root: Path) -> Path:
    """The cache file for one articles folder."""
    digest = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
    return cache_dir / f"articles-{digest}.json"


def _signature(path: Path) -> list[int]:
    stat = path.stat()
    return [stat.st_mtime_ns, stat.st_size, stat.st_ino]


def _encode(parsed: Parsed) -> dict:
    article, problems = parsed
    data = dataclasses.asdict(article) if article else None
    if data and article:
        data["updated"] = article.updated.isoformat()
    return {"article": data, "problems": [dataclasses.astuple(p) for p in problems]}


def _decode(entry: dict) -> Parsed:
    data = entry["article"]
    article = None
    if data:
        data = dict(data)
        data["updated"] = dt.date.fromisoformat(data["updated"])
        for name in ("tags", "aliases"):
            data[name] = tuple(data[name])
        article = ArticleFile(**data)
    return article, [Problem(*p) for p in entry["problems"]]


class ParseCache:
    """Parsed articles by path, valid while the file's stat signature holds."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._old: dict = self._read(path) if path else {}
        self._new: dict = {}

    @staticmethod
    def _read(path: Path) -> dict:
        try:
            data = json.loads(path.read_text("utf-8"))
            return data["files"] if data.get("version") == VERSION else {}
        except (OSError, ValueError, KeyError, TypeError):
            return {}

    def parse(self, path: Path, parse: Callable[[Path], Parsed]) -> Parsed:
        """The parsed file, from the cache when unchanged."""
        key = str(path)
        signature = _signature(path)
        entry = self._old.get(key)
        if entry and entry.get("signature") == signature:
            try:
                parsed = _decode(entry)
                self._new[key] = entry
                return parsed
            except (KeyError, TypeError, ValueError):
                log.info("ignoring a damaged cache entry for %s", path)
        parsed = parse(path)
        self._new[key] = {"signature": signature, **_encode(parsed)}
        return parsed

    def save(self) -> None:
        """Write the cache atomically when anything changed."""
        if self.path is None or self._new == self._old:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"version": VERSION, "files": self._new}, handle)
            os.replace(tmp, self.path)
        except OSError:
            log.warning(
                "could not write the article cache %s", self.path, exc_info=True
            )

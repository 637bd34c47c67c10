"""The Whoosh index: the only module in Jawab that imports Whoosh.

Design
------
* One document per *published* article. Nothing private (tickets, emails, drafts)
  is ever written here; the index can be deleted and rebuilt from ``articles/``.
* Each language has its own text fields (``title_en``, ``body_id`` …) so each can
  be analysed its own way; a document fills only its language's fields. Queries
  for one language search that language's fields, queries for all languages OR
  both.
* Customer queries are plain text. They are tokenised with the field's own
  analyzer and assembled into ``Term``/``Or`` objects here; Whoosh's query
  language (fields, wildcards, boolean words) is never parsed.
* Updates are incremental by content hash; one writer at a time, waiting up to
  :data:`WRITE_TIMEOUT` seconds for the lock, cancelled on any error.
* One searcher per process, reused, refreshed when the index changes.

Keeping Whoosh behind this module means a switch to a fork (e.g. whoosh-reloaded)
touches one file.
"""

from __future__ import annotations

import fcntl
import html
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from whoosh import analysis, fields, highlight, index, query, scoring
from whoosh.filedb.filestore import FileStorage
from whoosh.support.charset import accent_map

LANGS = ("id", "en")
WRITE_TIMEOUT = 60.0
WEIGHTING = scoring.BM25F(B=0.75, K1=1.2)
SCHEMA_VERSION = "2"

# Field weights: title above summary/tags/headings above body.
WEIGHTS = {"title": 4.0, "summary": 1.6, "tags": 2.0, "headings": 1.8, "body": 1.0}
TEXT_FIELDS = ("title", "summary", "headings", "body")
SYNONYM_WEIGHT = 0.6  # a synonym match counts, but less than the customer's words
MIN_PREFIX = 2  # shorter prefixes expand to too many terms to be useful or fast


log = logging.getLogger(__name__)


class IndexUnavailable(RuntimeError):
    """The index is missing or unreadable and must be (re)built."""


class IndexBusy(RuntimeError):
    """Another process held the build lock for longer than the timeout."""


def _analyzer(lang: str) -> analysis.Analyzer:
    tokenizer = analysis.RegexTokenizer(r"\w+(?:[-']\w+)*")
    base = tokenizer | analysis.LowercaseFilter() | analysis.CharsetFilter(accent_map)
    if lang == "en":
        return base | analysis.StemFilter(lang="en", cachesize=50000)
    return base


def _exact_analyzer() -> analysis.Analyzer:
    return (
        analysis.RegexTokenizer(r"\w+(?:[-']\w+)*")
        | analysis.LowercaseFilter()
        | analysis.CharsetFilter(accent_map)
    )


def make_schema() -> fields.Schema:
    """The index schema (pickled into the index, so analyzers are plain objects)."""
    schema = fields.Schema(
        slug=fields.ID(stored=True, unique=True),
        lang=fields.ID(stored=True),
        category=fields.ID(stored=True),
        title=fields.STORED(),
        summary=fields.STORED(),
        content_hash=fields.ID(stored=True),
        exact=fields.TEXT(analyzer=_exact_analyzer(), spelling=True),
        title_exact=fields.TEXT(analyzer=_exact_analyzer(), field_boost=2.0),
    )
    for lang in LANGS:
        for name in TEXT_FIELDS:
            schema.add(
                f"{name}_{lang}",
                fields.TEXT(
                    analyzer=_analyzer(lang),
                    stored=(name == "body"),
                    field_boost=WEIGHTS[name],
                ),
            )
        schema.add(
            f"tags_{lang}",
            fields.KEYWORD(
                lowercase=True, commas=True, scorable=True, field_boost=WEIGHTS["tags"]
            ),
        )
    return schema


@dataclass(frozen=True)
class IndexDocument:
    """What the index keeps of one published article."""

    slug: str
    lang: str
    category: str
    title: str
    summary: str
    tags: tuple[str, ...]
    headings: tuple[str, ...]
    body: str
    content_hash: str


@dataclass(frozen=True)
class Hit:
    """One search result as stored in the index."""

    slug: str
    lang: str
    category: str
    title: str
    summary: str
    score: float
    highlights: str


@dataclass(frozen=True)
class Hits:
    """A page of results with the total and an optional spelling suggestion."""

    total: int
    hits: tuple[Hit, ...]
    did_you_mean: str | None
    corrected: bool = False  # the hits are for ``did_you_mean``: nothing matched


@dataclass(frozen=True)
class UpdateReport:
    """What ``update`` changed."""

    added: int
    updated: int
    deleted: int
    unchanged: int
    rebuilt: bool


def _fields_for(doc: IndexDocument) -> dict[str, str]:
    lang = doc.lang
    return {
        "slug": doc.slug,
        "lang": lang,
        "category": doc.category,
        "title": doc.title,
        "summary": doc.summary,
        "content_hash": doc.content_hash,
        "exact": " ".join([doc.title, doc.summary, " ".join(doc.headings), doc.body]),
        "title_exact": doc.title,
        f"title_{lang}": doc.title,
        f"summary_{lang}": doc.summary,
        f"headings_{lang}": "\n".join(doc.headings),
        f"body_{lang}": doc.body,
        f"tags_{lang}": ",".join(doc.tags),
    }


def _open(directory: Path) -> index.Index:
    # No mmap: a segment file truncated under a running worker then raises a
    # catchable read error instead of killing the process with SIGBUS.
    return FileStorage(str(directory), supports_mmap=False).open_index()


def exists(directory: Path) -> bool:
    """True when an index of the current schema is in ``directory``."""
    try:
        marker = directory / "SCHEMA"
        return marker.read_text().strip() == SCHEMA_VERSION and index.exists_in(
            str(directory)
        )
    except Exception:  # noqa: BLE001 - a damaged TOC raises many kinds of errors
        return False


def stored_hashes(directory: Path) -> dict[str, str] | None:
    """Slug → content hash of every indexed article; ``None`` if unreadable."""
    if not exists(directory):
        return None
    try:
        ix = _open(directory)
        with ix.searcher() as searcher:
            hashes = {
                f["slug"]: f["content_hash"] for f in searcher.all_stored_fields()
            }
            if len(hashes) != searcher.doc_count():
                return None
            # Touch every term list once, so a truncated segment shows up here.
            for name in ("exact", "slug"):
                for _ in searcher.reader().lexicon(name):
                    pass
        return hashes
    except Exception:  # noqa: BLE001 - any read error means "rebuild it"
        log.warning("search index in %s is unreadable", directory, exc_info=True)
        return None


@contextmanager
def build_lock(directory: Path, timeout: float = WRITE_TIMEOUT) -> Iterator[None]:
    """One index builder at a time across processes (gunicorn workers, kb index)."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    lock_path = directory.parent / f".{directory.name}.lock"
    with lock_path.open("a") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise IndexBusy(
                        f"another process is building {directory}"
                    ) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write(
    writer,
    documents: Iterable[IndexDocument],
    total: int,
    progress: Callable[[int, int], None] | None,
) -> int:
    """Write documents and commit; on any failure cancel, releasing the lock."""
    done = 0
    try:
        for doc in documents:
            writer.update_document(**_fields_for(doc))
            done += 1
            if progress:
                progress(done, total)
        writer.commit()
    except BaseException:
        writer.cancel()
        raise
    return done


def _build_fresh(
    directory: Path,
    documents: Iterable[IndexDocument],
    total: int,
    progress: Callable[[int, int], None] | None,
) -> int:
    """Build a new index beside ``directory`` and swap it in when complete."""
    staging = directory.with_name(f".{directory.name}.new-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    ix = index.create_in(str(staging), make_schema())
    writer = ix.writer(timeout=WRITE_TIMEOUT)  # procs=1: multiprocessing loses docs
    try:
        done = _write(writer, documents, total, progress)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    (staging / "SCHEMA").write_text(SCHEMA_VERSION)
    retired = directory.with_name(f".{directory.name}.old-{os.getpid()}")
    if directory.exists():
        directory.rename(retired)
    staging.rename(directory)
    shutil.rmtree(retired, ignore_errors=True)
    return done


def update(
    directory: Path,
    documents: Callable[[set[str] | None], Iterable[IndexDocument]],
    hashes: Mapping[str, str],
    *,
    rebuild: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> UpdateReport:
    """Bring the index in line with ``hashes`` (slug → content hash).

    ``documents(slugs)`` yields the documents to (re)write; ``None`` means all.
    Only articles whose hash changed are rendered and written; a missing,
    unreadable or outdated-schema index is rebuilt from scratch.
    """
    with build_lock(directory):
        stored = None if rebuild else stored_hashes(directory)
        if stored is None:
            count = _build_fresh(directory, documents(None), len(hashes), progress)
            return UpdateReport(count, 0, 0, 0, True)
        deleted = [slug for slug in stored if slug not in hashes]
        changed = {slug for slug, h in hashes.items() if stored.get(slug) != h}
        if not changed and not deleted:
            return UpdateReport(0, 0, 0, len(hashes), False)
        writer = _open(directory).writer(timeout=WRITE_TIMEOUT)
        for slug in deleted:
            writer.delete_by_term("slug", slug)
        _write(writer, documents(changed), len(changed), progress)
    added = len([s for s in changed if s not in stored])
    return UpdateReport(
        added, len(changed) - added, len(deleted), len(hashes) - len(changed), False
    )


class _Formatter(highlight.Formatter):
    """Wraps matches in ``<mark>``; every other character is HTML-escaped."""

    between = " … "

    def _text(self, text: str) -> str:
        return html.escape(text, quote=False)

    def format_token(self, text: str, token, replace: bool = False) -> str:
        return f"<mark>{html.escape(highlight.get_text(text, token, replace))}</mark>"


class Searcher:
    """A reusable searcher over one index folder, refreshed when it changes."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._index: index.Index | None = None
        self._searcher = None

    def _current(self):
        with self._lock:
            try:
                if self._searcher is None:
                    if not exists(self.directory):
                        raise IndexUnavailable(f"no index in {self.directory}")
                    self._index = _open(self.directory)
                    self._searcher = self._index.searcher(weighting=WEIGHTING)
                elif not self._searcher.up_to_date():
                    fresh = self._searcher.refresh()
                    if fresh is not self._searcher:
                        self._searcher.close()
                    self._searcher = fresh
            except IndexUnavailable:
                self._close_unlocked()
                raise
            except Exception as exc:  # noqa: BLE001 - damaged files fail many ways
                self._close_unlocked()
                raise IndexUnavailable(f"cannot open index: {exc!r}") from exc
            return self._searcher

    def _close_unlocked(self) -> None:
        if self._searcher is not None:
            try:
                self._searcher.close()
            except Exception:  # noqa: BLE001 - closing a damaged index may fail
                log.debug("closing a damaged searcher failed", exc_info=True)
        self._searcher = None
        self._index = None

    def close(self) -> None:
        """Close the searcher; the next search reopens the index."""
        with self._lock:
            self._close_unlocked()

    def _terms(self, fieldname: str, text: str) -> list[str]:
        field = self._current().schema[fieldname]
        seen: list[str] = []
        for term in field.process_text(text, mode="query"):
            if term not in seen:
                seen.append(term)
        return seen

    def build_query(
        self, text: str, langs: Iterable[str], also: Iterable[str] = ()
    ) -> query.Query | None:
        """Plain text to an OR of per-field terms; no query syntax is honoured.

        ``also`` holds synonym phrases, searched too with a lower weight.
        """
        parts = self._parts(text, tuple(langs))
        for phrase in also:
            extra = self._parts(phrase, tuple(langs))
            if extra:
                parts.append(query.Or(extra, boost=SYNONYM_WEIGHT))
        return query.Or(parts) if parts else None

    def _parts(self, text: str, langs: tuple[str, ...]) -> list[query.Query]:
        parts: list[query.Query] = []
        for lang in langs:
            for name in TEXT_FIELDS:
                field = f"{name}_{lang}"
                parts.extend(query.Term(field, t) for t in self._terms(field, text))
            tags = [t.lower() for t in self._terms("exact", text)]
            parts.extend(query.Term(f"tags_{lang}", t) for t in tags)
        return parts

    def search(
        self,
        text: str,
        *,
        langs: Iterable[str] = LANGS,
        category: str | None = None,
        page: int = 1,
        limit: int = 10,
        also: Iterable[str] = (),
    ) -> Hits:
        """Rank published articles for ``text``; page is 1-based."""
        try:
            return self._search(text, tuple(langs), category, page, limit, tuple(also))
        except IndexUnavailable:
            raise
        except Exception as exc:  # noqa: BLE001 - a damaged segment fails many ways
            log.warning("search failed on a damaged index", exc_info=True)
            self.close()
            raise IndexUnavailable(f"search failed: {exc!r}") from exc

    def _search(
        self,
        text: str,
        langs: tuple[str, ...],
        category: str | None,
        page: int,
        limit: int,
        also: tuple[str, ...],
        corrected: bool = False,
    ) -> Hits:
        searcher = self._current()
        q = self.build_query(text, langs, also)
        if q is None:
            return Hits(0, (), None)
        filters = [query.Or([query.Term("lang", lang) for lang in langs])]
        if category:
            filters.append(query.Term("category", category))
        results = searcher.search_page(
            q, page, pagelen=limit, filter=query.And(filters), terms=True
        )
        results.results.fragmenter = highlight.ContextFragmenter(
            maxchars=180, surround=60
        )
        results.results.formatter = _Formatter()
        hits = []
        for hit in results:
            lang = hit["lang"]
            snippet = hit.highlights(f"body_{lang}", top=2) or html.escape(
                hit.get(f"body_{lang}", "")[:180]
            )
            hits.append(
                Hit(
                    hit["slug"],
                    lang,
                    hit["category"],
                    hit["title"],
                    hit["summary"],
                    round(hit.score or 0.0, 4),
                    snippet,
                )
            )
        suggestion = self.did_you_mean(text) if results.total < 3 else None
        if results.total == 0 and suggestion and not corrected:
            # Typo fallback: nothing matched, so answer for the corrected words.
            fixed = self._search(suggestion, langs, category, page, limit, also, True)
            return Hits(fixed.total, fixed.hits, suggestion, corrected=True)
        return Hits(results.total, tuple(hits), suggestion)

    def suggest(self, text: str, *, langs: Iterable[str] = LANGS, limit: int = 8):
        """Titles matching what has been typed so far (last word as a prefix)."""
        try:
            return self._suggest(text, tuple(langs), limit)
        except IndexUnavailable:
            raise
        except Exception as exc:  # noqa: BLE001 - a damaged segment fails many ways
            self.close()
            raise IndexUnavailable(f"suggest failed: {exc!r}") from exc

    def _suggest(self, text: str, langs: tuple[str, ...], limit: int) -> list[Hit]:
        searcher = self._current()
        words = self._terms("exact", text)
        if not words:
            return []
        parts = []
        base = self.build_query(text, langs)
        if base is not None:
            parts.append(base)
        partial = words[-1]
        if len(partial) >= MIN_PREFIX and not text[-1:].isspace():
            # The word being typed: complete it against titles, weighted up.
            parts.append(query.Prefix("title_exact", partial, boost=3.0))
        if not parts:
            return []
        lang_filter = query.Or([query.Term("lang", lang) for lang in langs])
        results = searcher.search(query.Or(parts), limit=limit, filter=lang_filter)
        return [
            Hit(
                r["slug"],
                r["lang"],
                r["category"],
                r["title"],
                r["summary"],
                round(r.score or 0.0, 4),
                "",
            )
            for r in results
        ]

    def did_you_mean(self, text: str) -> str | None:
        """A corrected query built from the index vocabulary, or None."""
        searcher = self._current()
        words = self._terms("exact", text)
        if not words:
            return None
        corrector = searcher.corrector("exact")
        reader = searcher.reader()
        changed = False
        corrected = []
        for word in words:
            if len(word) > 3 and not reader.frequency("exact", word):
                options = corrector.suggest(word, limit=1, maxdist=2)
                if options:
                    corrected.append(options[0])
                    changed = True
                    continue
            corrected.append(word)
        return " ".join(corrected) if changed else None

    def stored(self, slug: str) -> dict | None:
        """The stored fields of one article, or None."""
        return self._current().document(slug=slug)

    def count(self) -> int:
        """How many documents the index holds."""
        return self._current().doc_count()

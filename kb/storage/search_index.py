"""The Whoosh index: the only module in Jawab that imports Whoosh.

Design
------
* One document per *published* article. Nothing private (tickets, emails, drafts)
  is ever written here; the index can be deleted and rebuilt from ``articles/``.
* Each language has its own fields, analysed its own way (Sastrawi stems for
  Indonesian, Snowball for English): ``content_<lang>`` holds all of an
  article's text and decides what matches; ``title_<lang>`` and ``lead_<lang>``
  (summary, headings, tags) add weighted score; ``exact`` (unstemmed) adds a
  small boost for the very words typed and feeds "did you mean".
* Customer queries are plain text. They are tokenised and stemmed here and
  assembled into ``Term`` objects; Whoosh's query language (fields, wildcards,
  boolean words) is never parsed.
* Ranking has two phases (:meth:`Searcher._rank`): selective stems find the
  top candidates in one pass over their cached per-term score arrays that also
  counts every match (Whoosh's matcher tree per query was most of a search on
  a small help center; block-max pruning skipped little); score-only
  terms (stopwords in titles, exact words) are then added for those
  candidates alone. Pasted paragraphs keep their :data:`MAX_TERMS` rarest
  stems. Synonym phrases share one word's weight and score in titles and
  leads too; unknown run-together words are split ("paylater"). These choices
  were measured on the dev sets for quality and time (see the README).
* Snippets are never computed from re-analysed text: each article section is
  stored (``sections``) with its plain text and the start of every non-stopword
  stem, and :mod:`kb.storage.snippets` picks the best section and window.
* Corrections (:meth:`Searcher.correction`) come from an in-memory vocabulary of
  the words two or more articles use, one edit away (two for long words), never
  stopwords; :meth:`Searcher.covers` checks one article fits the corrected query.
* Whoosh's per-query lookups are remembered per searcher or segment (bounded):
  field lengths (read once instead of per scored match), term positions, IDF,
  average lengths and block maxima. Segments never change, so nothing is stale.
* Updates are incremental by content hash; one writer at a time, waiting up to
  :data:`WRITE_TIMEOUT` seconds for the lock, cancelled on any error.
* One searcher per process, reused, refreshed when the index changes.

Keeping Whoosh behind this module means a switch to a fork (e.g. whoosh-reloaded)
touches one file.
"""

from __future__ import annotations

import bisect
import functools
import heapq
import json
import logging
import math
import os
import re
import shutil
import threading
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whoosh import analysis, fields, index, query, scoring
from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    W3LeafMatcher,
    W3TermInfo,
    W3TermsReader,
    _lenfield,
)
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import BufferFile
from whoosh.reading import TermNotFound
from whoosh.support.charset import accent_map
from whoosh.util.numeric import byte_to_length

from kb.storage import file_lock, stemming
from kb.storage.snippets import StoredSection, best_snippet
from kb.storage.stemming import STEMMERS, indonesian_stopwords

LANGS = ("id", "en")
WRITE_TIMEOUT = 60.0
SCHEMA_VERSION = "6"  # 5-6: sections with stem offsets replace the stored body
# The stems of the articles' words, for a worker's first searches (see
# kb.storage.stemming); only article words, never what customers typed.
STEMS_FILE = "stems.json"

# Every article's text (title, summary, headings, tags, body) is one field per
# language that decides what matches; the title and the "lead" (summary,
# headings, tags) are also indexed apart and add weighted score on top.
# One matcher per query stem instead of five keeps Whoosh fast.
TITLE_WEIGHT = 1.0  # a title match counts 1 + 1.0 times (measured: 2:1 beat 1:1, 5:1)
LEAD_WEIGHT = 0.5  # a summary/heading/tag match counts 1 + 0.5 times
SCORING_FIELDS = {"title": TITLE_WEIGHT, "lead": LEAD_WEIGHT}
EXACT_WEIGHT = 0.3  # an unstemmed match adds a little on top of its stem's match
SYNONYM_WEIGHT = 0.6  # a synonym match counts, but less than the customer's words
RERANK_DEPTH = 100  # candidates the score-only terms may reorder
TERM_CACHE = 200_000  # term positions kept per segment (~100 bytes each)
DOCUMENT_CACHE = 500  # decoded hits (stored fields and sections) per searcher
POSTING_CACHE = 1_000_000  # postings kept per segment for re-scoring (16 bytes each)
# A segment's postings file up to this size is copied into memory when opened
# (the term table always is): a term's first lookup was ~30 small reads.
IN_MEMORY_POSTINGS = 16 * 1024 * 1024
TERM_TABLE_AS_DICT = 2 * 1024 * 1024  # a term table up to this size becomes a dict
SUGGEST_DEPTH = 30  # typeahead candidates re-ranked like a search
MAX_TERMS = 16  # a pasted paragraph keeps its 16 rarest stems: fast, and no worse
MIN_PREFIX = 2  # shorter prefixes expand to too many terms to be useful or fast
MIN_SPLIT_PART = 3  # "pay later", never "p aylater"
MIN_CORRECTED = 4  # shorter words are abbreviations more often than typos
MIN_CORRECTION_DF = 2  # a correction is a word at least two articles use
MAX_CORRECTION_SHARE = 0.5  # ... and not one half of all articles use (stopword-like)
_WORD = r"\w+"


log = logging.getLogger(__name__)


class IndexUnavailable(RuntimeError):
    """The index is missing or unreadable and must be (re)built."""


class IndexBusy(RuntimeError):
    """Another process held the build lock for longer than the timeout."""


def _exact_analyzer() -> analysis.Analyzer:
    return (
        analysis.RegexTokenizer(_WORD)
        | analysis.LowercaseFilter()
        | analysis.CharsetFilter(accent_map)
    )


def _analyzer(lang: str) -> analysis.Analyzer:
    # No Whoosh stem cache: STEMMERS keep their results in a dict already (and
    # the index keeps them, see STEMS_FILE); Whoosh's own (a pure-Python LFU)
    # was 5% of a full build.
    return _exact_analyzer() | analysis.StemFilter(
        stemfn=STEMMERS[lang], cachesize=None
    )


_TOKENS = _exact_analyzer()


_WORD_PATTERN = re.compile(_WORD, re.UNICODE)


def _stems_at(text: str, lang: str) -> Iterator[tuple[str, int]]:
    """(stem, start) of every word, exactly as :func:`_analyzer` tokenises.

    The same regex, lower-casing, accent folding and stemmer, without
    building a Whoosh token per word: sections are analysed at index time
    on top of the fields, and this pass was a tenth of a full build.
    """
    stem = STEMMERS[lang]
    for match in _WORD_PATTERN.finditer(text):
        yield stem(match.group().lower().translate(accent_map)), match.start()


def _words(text: str) -> list[str]:
    """Unique lower-case, accent-folded words of ``text``, in order."""
    return list(dict.fromkeys(t.text for t in _TOKENS(text)))


@functools.cache
def _stopwords(lang: str) -> frozenset[str]:
    words = indonesian_stopwords() if lang == "id" else frozenset(analysis.STOP_WORDS)
    return words | {STEMMERS[lang](w) for w in words}


class BM25(scoring.BM25F):
    """BM25F with the classic Robertson/Lucene IDF, which never goes negative.

    Whoosh's own IDF, ``log(N/(n+1)) + 1``, scored 2-3% lower on both dev sets.
    """

    def idf(self, searcher, fieldname: str, text: str) -> float:
        parent = searcher.get_parent()
        n = _doc_frequency(parent.reader(), fieldname, text)
        total = parent.doc_count_all()
        return math.log(1 + (total - n + 0.5) / (n + 0.5))

    def scorer(self, searcher, fieldname: str, text: str, qf: int = 1):
        """BM25F's scorer with its statistics looked up once, not per query.

        Whoosh looks up a term's IDF, average field length and block maxima
        on every query, and each document's length in the index file for
        every match: most of a query's time on a small help center.
        """
        if not searcher.schema[fieldname].scorable:
            return super().scorer(searcher, fieldname, text, qf=qf)
        key = (fieldname, text)
        idf, avgfl = _idf_and_average_length(searcher, fieldname, text)
        reader = searcher.reader()
        max_weight, min_length = _remember(
            reader,
            key,
            lambda: (
                (info := searcher.term_info(fieldname, text)).max_weight(),
                info.min_length(),
            ),
        )
        lengths = _field_lengths(reader, fieldname)
        if lengths is None:
            dfl = lambda docid: searcher.doc_field_length(docid, fieldname, 1)  # noqa: E731
        else:
            size = len(lengths)
            dfl = lambda docid: _LENGTH_OF_BYTE[lengths[docid]] if docid < size else 1  # noqa: E731
        B = self._field_B.get(fieldname, self.B)
        return _Scorer(idf, avgfl, B, self.K1, dfl, max_weight, min_length)


class _Scorer(scoring.WeightLengthScorer):
    """BM25F for one term, from statistics the weighting already looked up."""

    def __init__(self, idf, avgfl, B, K1, dfl, max_weight, min_length) -> None:
        self.idf, self.avgfl, self.B, self.K1 = idf, avgfl, B, K1
        self.dfl = dfl
        self._maxquality = self._score(max_weight, min_length)

    def _score(self, weight: float, length: int) -> float:
        return scoring.bm25(self.idf, weight, length, self.avgfl, self.B, self.K1)


def _idf_and_average_length(searcher, fieldname: str, text: str) -> tuple:
    """A term's IDF and its field's average length over the whole index (kept)."""
    parent = searcher.get_parent()
    return _remember(
        parent,
        (fieldname, text),
        lambda: (
            parent.idf(fieldname, text),
            parent.avg_field_length(fieldname) or 1,
        ),
    )


def _remember(owner, key: tuple[str, str], compute: Callable[[], tuple]) -> tuple:
    """A per-searcher (or per-segment) memo, bounded by :data:`TERM_CACHE`."""
    memo = owner.__dict__.setdefault("_jawab_stats", {})
    found = memo.get(key)
    if found is None:
        if len(memo) >= TERM_CACHE:
            memo.clear()
        found = memo[key] = compute()
    return found


# Whoosh keeps each document's field length as one byte in a column it reads
# from the file for every scored match (no mmap here, see _open): 40% of a
# broad search. A segment's column is a few kilobytes, so it is read once.
_LENGTH_OF_BYTE = [byte_to_length(b) or 1 for b in range(256)]


def _field_lengths(reader, fieldname: str) -> bytes | None:
    """A segment's length bytes for ``fieldname``, cached on its reader."""
    cache = reader.__dict__.setdefault("_jawab_lengths", {})
    if fieldname not in cache:
        try:
            column = reader._perdoc._cached_reader(  # Whoosh 2.7.4 internals
                _lenfield(fieldname), LENGTHS_COLUMN
            )
            cache[fieldname] = (
                None
                if column is None
                else bytes(column._dbfile.get(column._basepos, column._count))
            )
        except Exception:  # noqa: BLE001 - another codec: use Whoosh's own lookups
            log.debug("field lengths not cached for %s", fieldname, exc_info=True)
            cache[fieldname] = None
    return cache[fieldname]


WEIGHTING = BM25(B=0.75, K1=1.2)


class _UnionOr(query.Or):
    """An Or that always sums its parts' best scores.

    On small indexes Whoosh picks ArrayUnionMatcher, whose max_quality is the
    maximum of its parts, which breaks block-max pruning when nested.
    """

    matcher_type = query.Or.DEFAULT_MATCHER


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
        title_exact=fields.TEXT(analyzer=_exact_analyzer()),
        sections=fields.STORED(),
    )
    for lang in LANGS:
        for name in ("content", *SCORING_FIELDS):
            schema.add(f"{name}_{lang}", fields.TEXT(analyzer=_analyzer(lang)))
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
    # (anchor, heading, text) per section; empty means one section of ``body``.
    sections: tuple[tuple[str | None, str, str], ...] = ()


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
    section: str | None = None  # anchor of the best-matching section's heading
    section_heading: str | None = None


@dataclass(frozen=True)
class Hits:
    """A page of results with the total and an optional spelling suggestion."""

    total: int
    hits: tuple[Hit, ...]
    did_you_mean: str | None
    corrected: bool = False  # the hits are for ``did_you_mean``: nothing matched
    fallback_lang: str | None = None  # the hits are in this other language
    synonym: bool = False  # the query as typed has a synonyms entry


@dataclass(frozen=True)
class UpdateReport:
    """What ``update`` changed."""

    added: int
    updated: int
    deleted: int
    unchanged: int
    rebuilt: bool


def _stored_sections(doc: IndexDocument) -> list[tuple]:
    """Each section with where each stem occurs, so snippets need no analysis."""
    lang = doc.lang
    common = _stopwords(lang)
    stored = []
    for anchor, heading, text in doc.sections or ((None, "", doc.body),):
        offsets: dict[str, list[int]] = {}
        for stem, start in _stems_at(text, lang):
            # Stopwords are never marked, so their offsets are not kept; a
            # smaller record is faster to read back for every hit.
            if stem not in common:
                offsets.setdefault(stem, []).append(start)
        heading_stems = frozenset(stem for stem, _start in _stems_at(heading, lang))
        section = StoredSection(
            anchor,
            heading,
            text,
            {stem: tuple(spans) for stem, spans in offsets.items()},
            heading_stems,
        )
        stored.append(section.to_stored())
    return stored


def _fields_for(doc: IndexDocument) -> dict[str, object]:
    lang = doc.lang
    lead = "\n".join([doc.summary, *doc.headings, " ".join(doc.tags)])
    return {
        "slug": doc.slug,
        "lang": lang,
        "category": doc.category,
        "title": doc.title,
        "summary": doc.summary,
        "content_hash": doc.content_hash,
        "exact": " ".join([doc.title, doc.summary, " ".join(doc.headings), doc.body]),
        "title_exact": doc.title,
        "sections": _stored_sections(doc),
        f"title_{lang}": doc.title,
        f"lead_{lang}": lead,
        f"content_{lang}": "\n".join([doc.title, lead, doc.body]),
    }


class _Storage(FileStorage):
    """Whoosh's folder storage, remembering the files it opened.

    No mmap: a segment file truncated under a running worker then raises a
    catchable read error instead of killing the process with SIGBUS. Whoosh
    leaves a file open when opening a damaged segment fails; the files
    remembered here are closed then.
    """

    def __init__(self, directory: Path) -> None:
        super().__init__(str(directory), supports_mmap=False)
        self.opened: list = []

    def open_file(self, name, **kwargs):
        """Open ``name`` and remember it."""
        found = super().open_file(name, **kwargs)
        self.opened.append(found)
        return found

    def close_opened(self) -> None:
        """Close every file this storage opened (after a failed open)."""
        for found in self.opened:
            try:
                found.close()
            except Exception:  # noqa: BLE001 - already closed, or damaged
                log.debug("closing %r failed", found, exc_info=True)
        self.opened.clear()


def _open(directory: Path) -> index.Index:
    return _Storage(directory).open_index()


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
            # Walk one term list, so a truncated segment shows up here.
            for _ in searcher.reader().lexicon("slug"):
                pass
        return hashes
    except Exception:  # noqa: BLE001 - any read error means "rebuild it"
        log.warning("search index in %s is unreadable", directory, exc_info=True)
        return None


@contextmanager
def build_lock(directory: Path, timeout: float = WRITE_TIMEOUT) -> Iterator[None]:
    """One index builder at a time across processes (gunicorn workers, kb index)."""
    with file_lock.exclusive(
        directory.parent / f".{directory.name}.lock",
        timeout,
        lambda: IndexBusy(f"another process is building {directory}"),
    ):
        yield


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
    keep: Iterable[str] = (),
) -> int:
    """Build a new index beside ``directory`` and swap it in when complete.

    Files named in ``keep`` (derived data kept current by their own owner,
    such as section vectors) move from the old index into the new one.
    """
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
    for name in keep:
        if (directory / name).is_file():
            shutil.copy2(directory / name, staging / name)
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
    keep: Iterable[str] = (),
) -> UpdateReport:
    """Bring the index in line with ``hashes`` (slug → content hash).

    ``documents(slugs)`` yields the documents to (re)write; ``None`` means all.
    Only articles whose hash changed are rendered and written; a missing,
    unreadable or outdated-schema index is rebuilt from scratch, carrying the
    files named in ``keep`` over unless ``rebuild`` was asked for.
    """
    with build_lock(directory):
        stored = None if rebuild else stored_hashes(directory)
        if stored is None:
            count = _build_fresh(
                directory,
                documents(None),
                len(hashes),
                progress,
                () if rebuild else keep,
            )
            _write_stems(directory)
            return UpdateReport(count, 0, 0, 0, True)
        deleted = [slug for slug in stored if slug not in hashes]
        changed = {slug for slug, h in hashes.items() if stored.get(slug) != h}
        if not changed and not deleted:
            return UpdateReport(0, 0, 0, len(hashes), False)
        writer = _open(directory).writer(timeout=WRITE_TIMEOUT)
        for slug in deleted:
            writer.delete_by_term("slug", slug)
        _write(writer, documents(changed), len(changed), progress)
        _write_stems(directory)
    added = len([s for s in changed if s not in stored])
    return UpdateReport(
        added, len(changed) - added, len(deleted), len(hashes) - len(changed), False
    )


def _write_stems(directory: Path) -> None:
    """Keep the stems of the index's words beside it, per language (best effort).

    The stems this process computed while writing (every word of the articles
    it wrote) join those already kept, for the words the index still holds.
    """
    try:
        kept = _read_stems(directory)
        with _open(directory).reader() as reader:
            words = [
                raw.decode("utf-8") if isinstance(raw, bytes) else raw
                for raw in reader.lexicon("exact")
            ]
        stems: dict[str, dict[str, str]] = {}
        for lang in LANGS:
            known, old = stemming.remembered_stems(lang), kept.get(lang, {})
            stems[lang] = {
                word: stem
                for word in words
                if (stem := known.get(word) or old.get(word)) is not None
            }
        staging = directory / f".{STEMS_FILE}.{os.getpid()}"
        staging.write_text(
            json.dumps({"schema": SCHEMA_VERSION, "stems": stems}), encoding="utf-8"
        )
        staging.replace(directory / STEMS_FILE)
    except (OSError, ValueError) as exc:
        # Only a worker's first searches are slower without it.
        log.warning("could not keep the index's stems in %s: %s", directory, exc)


def _read_stems(directory: Path) -> dict[str, dict[str, str]]:
    """The kept stems per language (empty when missing, unreadable or stale)."""
    try:
        kept = json.loads((directory / STEMS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(kept, dict) or kept.get("schema") != SCHEMA_VERSION:
        return {}
    stems = kept.get("stems")
    if not isinstance(stems, dict):
        return {}
    return {lang: found for lang in LANGS if isinstance(found := stems.get(lang), dict)}


def _rarest(reader, lang: str, stems: list[str]) -> list[str]:
    """At most MAX_TERMS stems, keeping the most selective, in query order."""
    if len(stems) <= MAX_TERMS:
        return stems
    field = f"content_{lang}"
    keep = set(
        sorted(stems, key=lambda s: _doc_frequency(reader, field, s))[:MAX_TERMS]
    )
    return [s for s in stems if s in keep]


def _terms(reader, field: str, stems, weight: float = 1.0) -> list[query.Query]:
    # Only terms the index holds: Whoosh keeps absent terms in its matcher
    # tree as null matchers, and walking that tree is most of a query's cost.
    return [
        query.Term(field, stem, boost=weight)
        for stem in stems
        if _term_info(reader, field, stem) is not None
    ]


def _compound_splits(reader, words: Iterable[str]) -> list[tuple[str, str]]:
    """Unknown run-together words split in two article words ("paylater").

    Customers glue words that articles keep apart (paylater, topup); each
    part must be a word at least two articles use. Yields (word, "two words").
    """
    found = []
    for word in words:
        if len(word) < 2 * MIN_SPLIT_PART or not word.isalpha():
            continue
        if _doc_frequency(reader, "exact", word):
            continue
        best = None
        for cut in range(MIN_SPLIT_PART, len(word) - MIN_SPLIT_PART + 1):
            left, right = word[:cut], word[cut:]
            df = min(
                _doc_frequency(reader, "exact", left),
                _doc_frequency(reader, "exact", right),
            )
            if df >= MIN_CORRECTION_DF and (best is None or df > best[0]):
                best = (df, f"{left} {right}")
        if best:
            found.append((word, best[1]))
    return found


def _max_edits(word: str) -> int:
    """Edits allowed when correcting ``word``: short words change meaning fast."""
    return 1 if len(word) <= 7 else 2


def _vocabulary(reader) -> dict[str, int]:
    """Word → document frequency of every word at least two articles use.

    Built once per reader: Whoosh's automaton search (``terms_within``) took
    ~130 ms per unknown word, a dictionary lookup per candidate edit takes µs.
    """
    cached = reader.__dict__.get("_jawab_vocabulary")
    if cached is None:
        cached = {}
        for raw, info in reader.iter_field("exact"):
            word = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            df = info.doc_frequency()
            if df >= MIN_CORRECTION_DF and word.isalpha():
                cached[word] = df
        reader.__dict__["_jawab_vocabulary"] = cached
    return cached


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _edits1(word: str) -> set[str]:
    """Every string one deletion, transposition, substitution or insertion away."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return {
        *(a + b[1:] for a, b in splits if b),
        *(a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1),
        *(a + c + b[1:] for a, b in splits if b for c in _LETTERS),
        *(a + c + b for a, b in splits for c in _LETTERS),
    }


def _distance(a: str, b: str) -> int:
    """Optimal-string-alignment (Damerau-Levenshtein) distance."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], prev2[j - 2] + 1)
        prev2, prev = prev, row
    return prev[-1]


def _within(vocabulary: dict[str, int], word: str, distance: int) -> list[str]:
    if distance == 1:
        return [w for w in _edits1(word) if w in vocabulary]
    # Two edits: compare with the words of a similar length and first letter
    # (misspellings rarely change the first letter).
    return [
        w
        for w in vocabulary
        if w[0] == word[0]
        and abs(len(w) - len(word)) <= distance
        and _distance(w, word) == distance
    ]


def _correct_word(reader, word: str, langs: Iterable[str]) -> str | None:
    """The most frequent close, content-bearing article word for ``word``."""
    stop = frozenset().union(*(_stopwords(lang) for lang in LANGS))
    total = max(1, reader.doc_count())
    vocabulary = _vocabulary(reader)
    for distance in range(1, _max_edits(word) + 1):
        options = []
        for option in _within(vocabulary, word, distance):
            if option == word or option in stop:
                continue
            df = vocabulary[option]
            # Frequent enough to be the articles' own word, not so frequent
            # that it says nothing (stopword-like), and in a searched language.
            if df > MAX_CORRECTION_SHARE * total:
                continue
            if not any(
                (f"content_{lang}", STEMMERS[lang](option)) in reader for lang in langs
            ):
                continue
            options.append((-df, option))
        if options:
            return min(options)[1]
    return None


Reranker = Callable[[Sequence[tuple[str, float]]], list[tuple[str, float]]]


def _slugs(searcher) -> dict[int, str]:
    """Document number → slug, read once per searcher from the slug postings.

    Stored fields would decompress every candidate's sections as well.
    """
    cached = searcher.__dict__.get("_jawab_slugs")
    if cached is None:
        cached = {}
        reader = searcher.reader()
        for raw in reader.lexicon("slug"):
            slug = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            for docnum in reader.postings("slug", slug).all_ids():
                if not reader.is_deleted(docnum):
                    cached[docnum] = slug
        searcher.__dict__["_jawab_slugs"] = cached
    return cached


def _reranked(
    searcher, ranked: list[tuple[int, float]], rerank: Reranker, depth: int
) -> list[tuple[int, float]]:
    """The top ``depth`` re-ordered by ``rerank``, the rest after them as they were."""
    slugs = _slugs(searcher)
    head = ranked[:depth]
    if any(docnum not in slugs for docnum, _score in head):
        return ranked  # cannot happen with a sound index; never lose a result
    docnums = {slugs[docnum]: docnum for docnum, _score in head}
    order = rerank([(slugs[docnum], score) for docnum, score in head])
    return [(docnums[slug], score) for slug, score in order] + ranked[depth:]


@dataclass
class _Plan:
    """A query split into the terms that decide matches and those that only score."""

    required: list[query.Query]
    optional: list[query.Query]
    highlight: dict[str, set[str]]  # language → stems to mark in snippets


def _term_arrays(
    leaf, terms: list[query.Query]
) -> Iterator[tuple[array, array, float]]:
    """Each term's document numbers, scores and boost in one segment (if present)."""
    reader = leaf.reader()
    for term in terms:
        if _term_info(reader, term.fieldname, term.text) is not None:
            ids, scores = _term_scores(leaf, term.fieldname, term.text)
            yield ids, scores, term.boost


def _add_scores(searcher, terms: list[query.Query], scores: dict[int, float]) -> None:
    """Add each term's score to the candidate documents that contain it.

    Candidates are found in the term's cached postings (:func:`_term_scores`)
    by bisection: opening a posting reader per term and query (file reads,
    zlib) was most of a search on a small help center. The score is the one
    Whoosh's matcher gives (the same weight, length and boost arithmetic,
    added in the same order).
    """
    docs = sorted(scores)
    for leaf, offset in searcher.leaf_searchers():
        end = offset + leaf.doc_count_all()
        local = [d - offset for d in docs if offset <= d < end]
        if not local:
            continue
        for ids, term_scores, boost in _term_arrays(leaf, terms):
            size = len(ids)
            if size <= len(local):
                # A title or lead word is in few articles: walk its postings
                # and pick the candidates, rather than bisect per candidate.
                for doc, score in zip(ids, term_scores, strict=True):
                    key = doc + offset
                    if key in scores:
                        scores[key] += score * boost if boost != 1.0 else score
                continue
            for doc in local:
                at = bisect.bisect_left(ids, doc)
                if at == size:
                    break
                if ids[at] == doc:
                    score = term_scores[at]
                    scores[doc + offset] += score * boost if boost != 1.0 else score


def _matches(
    searcher, terms: list[query.Query], category: str | None
) -> dict[int, float]:
    """Every document matching any of ``terms`` (in ``category``) → its score.

    The same sums Whoosh's union matcher computes (each term's BM25F score
    times its boost, plus the category term's weight), from the cached
    per-term score arrays: building a matcher, scorer and posting reader per
    term and query, then walking the matcher tree, was most of a search.
    """
    scores: dict[int, float] = {}
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        local: dict[int, float] = {}
        get = local.get
        for ids, term_scores, boost in _term_arrays(leaf, terms):
            if boost == 1.0:
                for doc, score in zip(ids, term_scores, strict=True):
                    local[doc] = get(doc, 0.0) + score
            else:
                for doc, score in zip(ids, term_scores, strict=True):
                    local[doc] = get(doc, 0.0) + score * boost
        if category is not None:
            if _term_info(reader, "category", category) is None:
                continue
            # The category clause is intersected and adds its weight (1.0).
            ids, weights = _postings(reader, "category", category)
            local = {
                doc: local[doc] + weight
                for doc, weight in zip(ids, weights, strict=True)
                if doc in local
            }
        if offset:
            scores.update((doc + offset, score) for doc, score in local.items())
        else:
            scores.update(local)
    return scores


def _term_scores(leaf, fieldname: str, text: str) -> tuple[array, array]:
    """A term's document numbers and unboosted BM25F scores in one segment.

    Computed once per searcher (the IDF depends on the whole index, so they
    live on the searcher, not the reusable segment reader) and bounded by
    :data:`POSTING_CACHE` postings per segment. The arithmetic is BM25F's
    scorer's (:meth:`BM25.scorer`), without building one per term.
    """
    cache = leaf.__dict__.setdefault("_jawab_scores", {})
    key = (fieldname, text)
    found = cache.get(key)
    if found is None:
        reader = leaf.reader()
        ids, weights = _read_postings(reader, fieldname, text)
        idf, avgfl = _idf_and_average_length(leaf, fieldname, text)
        B, K1, bm25 = (
            WEIGHTING._field_B.get(fieldname, WEIGHTING.B),
            WEIGHTING.K1,
            scoring.bm25,
        )
        lengths = _field_lengths(reader, fieldname)
        if lengths is None:
            scores = array(
                "d",
                [
                    bm25(idf, w, leaf.doc_field_length(d, fieldname, 1), avgfl, B, K1)
                    for d, w in zip(ids, weights, strict=True)
                ],
            )
        else:
            size, of_byte = len(lengths), _LENGTH_OF_BYTE
            scores = array(
                "d",
                [
                    bm25(idf, w, of_byte[lengths[d]] if d < size else 1, avgfl, B, K1)
                    for d, w in zip(ids, weights, strict=True)
                ],
            )
        held = leaf.__dict__.get("_jawab_scores_held", 0) + len(ids)
        if held > POSTING_CACHE:
            cache.clear()
            held = len(ids)
        leaf.__dict__["_jawab_scores_held"] = held
        found = cache[key] = (ids, scores)
    return found


def _term_info(reader, fieldname: str, text: str):
    """A term's statistics in ``reader`` (None when absent), decoded once per reader.

    Each query asks of each stem whether it is there, how rare it is and
    where its postings are: one lookup and decode, not three (bounded).
    """
    memo = reader.__dict__.setdefault("_jawab_infos", {})
    key = (fieldname, text)
    info = memo.get(key, _UNKNOWN)
    if info is _UNKNOWN:
        if len(memo) >= TERM_CACHE:
            memo.clear()
        try:
            info = reader.term_info(fieldname, text)
        except TermNotFound:
            info = None
        memo[key] = info
    return info


_UNKNOWN = object()


def _doc_frequency(reader, fieldname: str, text: str) -> int:
    """How many documents hold the term (from the remembered statistics)."""
    info = _term_info(reader, fieldname, text)
    return 0 if info is None else info.doc_frequency()


def _postings(reader, fieldname: str, text: str) -> tuple[array, array]:
    """A term's document numbers and weights in one segment, read once (bounded)."""
    cache = reader.__dict__.setdefault("_jawab_postings", {})
    key = (fieldname, text)
    found = cache.get(key)
    if found is None:
        found = _read_postings(reader, fieldname, text)
        held = reader.__dict__.get("_jawab_postings_held", 0) + len(found[0])
        if held > POSTING_CACHE:
            cache.clear()
            held = len(found[0])
        reader.__dict__["_jawab_postings_held"] = held
        cache[key] = found
    return found


def _read_postings(reader, fieldname: str, text: str) -> tuple[array, array]:
    """A term's (non-deleted) document numbers and weights, from the index file."""
    ids, weights = array("l"), array("d")
    info = _term_info(reader, fieldname, text)
    if info is None:
        return ids, weights
    terms: Any = getattr(reader, "_terms", None)
    if type(terms) is W3TermsReader and not reader.has_deletions():
        # Straight from the term's statistics (Whoosh 2.7.4 internals): rare
        # terms are stored in them, the others a whole block at a time.
        # Four method calls per posting, and a matcher, a second term lookup
        # and a scorer per term, were most of the first search for a word.
        if info.is_inlined():
            inlined_ids, inlined_weights, _values = info.inlined_postings()
            return array("l", inlined_ids), array("d", inlined_weights)
        offset, length = info.extent()
        matcher = W3LeafMatcher(
            terms._postfile, offset, length, reader.schema[fieldname].format
        )
        while matcher.is_active():
            matcher._read_ids()
            matcher._read_weights()
            ids.extend(iter(matcher._ids))
            weights.extend(iter(matcher._weights))
            matcher._next_block()
        return ids, weights
    matcher = reader.postings(fieldname, text)
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return ids, weights


def _stored_document(searcher, docnum: int) -> tuple[dict, list[StoredSection]]:
    """A document's stored fields and sections, decoded once per searcher (bounded).

    Unpickling every hit's sections (zlib, pickle, then the section objects)
    was a sixth of a search; a searcher's documents never change.
    """
    cache = searcher.__dict__.setdefault("_jawab_documents", {})
    found = cache.get(docnum)
    if found is None:
        stored = searcher.stored_fields(docnum)
        sections = [StoredSection.from_stored(s) for s in stored["sections"]]
        if len(cache) >= DOCUMENT_CACHE:
            cache.clear()
        found = cache[docnum] = (stored, sections)
    return found


def _read_into_memory(reader) -> None:
    """Copy each segment's term table (and a small postings file) into memory.

    Looking up a term and opening its postings took about 30 small reads of
    the segment file (a seek and a read each, releasing the interpreter lock
    each time, so any busy thread could take the turn); from a copy in memory
    they are slices. Segment files never change once written, so the copy is
    exact, and unlike mmap a file truncated under a worker cannot crash it.
    """
    for leaf, _offset in reader.leaf_readers():
        terms: Any = getattr(leaf, "_terms", None)
        table = getattr(terms, "_tindex", None)
        if table is None or isinstance(terms._dbfile, BufferFile):
            continue  # another codec, or already copied
        terms._dbfile = table.dbfile = _copy(terms._dbfile)
        postings = terms._postfile
        if _length(postings) <= IN_MEMORY_POSTINGS:
            terms._postfile = _copy(postings)
        if _length(terms._dbfile) <= TERM_TABLE_AS_DICT:
            _look_up_in_a_dict(terms, dict(table.items()))


def _look_up_in_a_dict(terms, entries: dict[bytes, bytes]) -> None:
    """Answer a segment's term lookups from a dict of its whole term table.

    Whoosh walks an on-disk hash table in Python for each lookup (~20 us);
    a small table (a few thousand terms) is read whole in ~15 ms instead.
    """
    keycoder, decode = terms._keycoder, W3TermInfo.from_bytes

    def term_info(fieldname: str, tbytes: bytes):
        try:
            return decode(entries[keycoder(fieldname, tbytes)])
        except KeyError:
            raise TermNotFound(f"{fieldname}:{tbytes!r}") from None

    terms.term_info = term_info


def _length(dbfile) -> int:
    dbfile.seek(0, os.SEEK_END)
    return dbfile.tell()


def _copy(dbfile) -> BufferFile:
    """An in-memory copy of a (sub-)file of a segment."""
    size = _length(dbfile)
    dbfile.seek(0)
    data = dbfile.read(size)
    if len(data) != size:  # the segment file is shorter than its own table says
        raise IndexUnavailable(f"segment file truncated ({len(data)} of {size} bytes)")
    return BufferFile(data, name=getattr(dbfile, "_name", None))


def _cache_term_lookups(reader) -> None:
    """Remember where each looked-up term lives in each segment's term table.

    Every query looks up each stem several times (present? frequency? its
    postings?), each a walk through an on-disk hash table in small reads;
    segments never change, so the positions can be kept (bounded).
    """
    for leaf, _offset in reader.leaf_readers():
        table = getattr(getattr(leaf, "_terms", None), "_tindex", None)
        if table is None or "ranges_for_key" in table.__dict__:
            continue
        found: dict[bytes, tuple] = {}

        lookup = table.ranges_for_key

        def ranges_for_key(key: bytes, _lookup=lookup, _found=found):
            hit = _found.get(key)
            if hit is None:
                if len(_found) >= TERM_CACHE:
                    _found.clear()
                hit = _found[key] = tuple(_lookup(key))
            return iter(hit)

        table.ranges_for_key = ranges_for_key


def _folder_state(directory: Path, files: Sequence[str] = ()) -> tuple:
    """The index folder's inode and modification time, and its files' sizes.

    Whoosh's ``up_to_date`` lists the folder on every call (a fifth of a
    search on a small help center); one ``stat`` of the folder tells whether
    to ask it (a new generation or a swapped-in rebuild always changes it).
    Whoosh never rewrites a file in place, so a segment file whose size or
    time changed was damaged: searches that read it from memory would not
    notice, and the index on disk would stay broken for the next worker.
    """
    info = os.stat(directory)
    sizes: list[tuple[int, int] | None] = []
    for name in files:
        try:
            found = os.stat(os.path.join(directory, name))
        except OSError:
            sizes.append(None)
        else:
            sizes.append((found.st_size, found.st_mtime_ns))
    return info.st_ino, info.st_mtime_ns, tuple(sizes)


def _index_files(directory: Path) -> tuple[str, ...]:
    """The segment and table-of-contents files of the index (listed once, at open)."""
    return tuple(
        sorted(n for n in os.listdir(directory) if n.endswith((".seg", ".toc")))
    )


class Searcher:
    """A reusable searcher over one index folder, refreshed when it changes."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._index: index.Index | None = None
        self._searcher = None
        self._seen: tuple | None = None
        self._files: tuple[str, ...] = ()
        self._pinned = threading.local()  # one request's searcher, see pinned()

    @contextmanager
    def pinned(self) -> Iterator[None]:
        """Keep one index state for every search inside (one request's).

        A search, its other-language try and its correction each asked
        whether the index had changed; inside this block only the first does.
        """
        if getattr(self._pinned, "searcher", None) is not None:
            yield  # already pinned by an outer block
            return
        self._pinned.searcher = self._current()
        try:
            yield
        finally:
            self._pinned.searcher = None

    def _current(self):
        held = getattr(self._pinned, "searcher", None)
        if held is not None:
            return held
        with self._lock:
            try:
                return self._open_or_refresh()
            except IndexUnavailable:
                self._close_unlocked()
                raise
            except Exception as exc:  # noqa: BLE001 - damaged files fail many ways
                self._close_unlocked()
                raise IndexUnavailable(f"cannot open index: {exc!r}") from exc

    def _open_or_refresh(self):
        """The current searcher: opened, refreshed or kept (under the lock)."""
        if self._searcher is not None:
            seen = _folder_state(self.directory, self._files)
            if seen == self._seen:
                return self._searcher
            if (
                self._seen is not None
                and seen[0] == self._seen[0]
                and seen[2] == self._seen[2]  # no file damaged in place
                and self._searcher.up_to_date()
            ):
                self._seen = seen
                return self._searcher
            # A new generation, or a rebuild swapped in (a new folder): open
            # afresh. Whoosh's refresh() shares unchanged segment readers with
            # the old searcher, and closing that one closed them too.
            self._close_unlocked()
        if not exists(self.directory):
            raise IndexUnavailable(f"no index in {self.directory}")
        self._files = _index_files(self.directory)
        seen = _folder_state(self.directory, self._files)
        storage = _Storage(self.directory)
        try:
            self._index = storage.open_index()
            self._searcher = self._index.searcher(weighting=WEIGHTING)
            _read_into_memory(self._searcher.reader())
        except BaseException:
            self._searcher = self._index = None
            storage.close_opened()
            raise
        _cache_term_lookups(self._searcher.reader())
        for lang, stems in _read_stems(self.directory).items():
            stemming.remember_stems(lang, stems)
        self._seen = seen
        return self._searcher

    def _close_unlocked(self) -> None:
        if self._searcher is not None:
            try:
                self._searcher.close()
            except Exception:  # noqa: BLE001 - closing a damaged index may fail
                log.debug("closing a damaged searcher failed", exc_info=True)
        self._searcher = None
        self._index = None
        self._seen = None

    def close(self) -> None:
        """Close the searcher; the next search reopens the index."""
        self._pinned.searcher = None  # a damaged searcher is never reused
        with self._lock:
            self._close_unlocked()

    @contextmanager
    def _guard(self, what: str) -> Iterator[None]:
        """Turn any failure of a damaged index into :class:`IndexUnavailable`."""
        try:
            yield
        except IndexUnavailable:
            raise
        except Exception as exc:  # noqa: BLE001 - a damaged segment fails many ways
            self.close()
            raise IndexUnavailable(f"{what} failed: {exc!r}") from exc

    @staticmethod
    def plan(
        searcher, text: str, langs: Iterable[str], also: Iterable[str] = ()
    ) -> _Plan:
        """Plain text to Term objects; no query syntax is ever honoured.

        Selective stems (and synonym phrases, weighted down) decide which
        articles match; title and lead matches (stopwords included) and
        unstemmed exact words only add score.
        """
        reader = searcher.reader()
        words = _words(text)
        sources = dict(also) if isinstance(also, Mapping) else dict.fromkeys(also, ())
        for word, phrase in _compound_splits(reader, words):
            sources.setdefault(phrase, (word,))
        also = list(sources)
        plan = _Plan([], [], {})
        stopwords: set[str] = set()
        for lang in langs:
            stem, common = STEMMERS[lang], _stopwords(lang)
            stopwords |= common
            stems = _rarest(reader, lang, list(dict.fromkeys(map(stem, words))))
            rare = [s for s in stems if s not in common]
            plan.required += _terms(reader, f"content_{lang}", rare)
            # Stopwords count only where they are telling: in titles and leads
            # ("how do I …" questions). Scoring them in bodies cost 2x the time
            # and no quality on either dev set.
            for name, weight in SCORING_FIELDS.items():
                plan.optional += _terms(reader, f"{name}_{lang}", stems, weight)
            synonyms: list[str] = []
            for phrase, keys in sources.items():
                parts = [
                    s
                    for s in dict.fromkeys(map(stem, _words(phrase)))
                    if s not in common
                ]
                if not parts:
                    continue
                synonyms += parts
                # A phrase stands for the typed word: its words share one
                # word's weight (less when the typed word matches too, full
                # when only the phrase can), so "ongkos kirim" for "ongkir"
                # does not count three times against "telat".
                typed = any((f"content_{lang}", stem(k)) in reader for k in keys)
                weight = (SYNONYM_WEIGHT if typed else 1.0) / len(parts)
                plan.required += _terms(reader, f"content_{lang}", parts, weight)
                # How articles say it counts in titles and leads too, as typed
                # words do: "telat" should lift the article titled "terlambat".
                for name, boost in SCORING_FIELDS.items():
                    plan.optional += _terms(
                        reader, f"{name}_{lang}", parts, boost * weight
                    )
            # Stopwords are marked only when nothing else was typed.
            plan.highlight[lang] = (set(rare) or set(stems)) | set(synonyms)
        plan.optional += _terms(
            reader, "exact", [w for w in words if w not in stopwords], EXACT_WEIGHT
        )
        if not plan.required:  # only stopwords typed: let them match after all
            for lang in langs:
                all_stems = list(dict.fromkeys(map(STEMMERS[lang], words)))
                plan.required += _terms(reader, f"content_{lang}", all_stems)
        return plan

    def _rank(
        self, searcher, plan: _Plan, category: str | None, depth: int
    ) -> tuple[int, list[tuple[int, float]]]:
        """Total matches and the top ``depth`` (docnum, score), best first.

        Two phases: every match of the required terms is scored from their
        cached score arrays (what Whoosh's union matcher and top-N collector
        computed, without a matcher tree per query) and the top ``depth`` kept;
        then the score-only terms are added for those candidates alone
        (scoring them for every match cost 20x more).
        """
        matches = _matches(searcher, plan.required, category)
        # Whoosh's top-N collector: highest scores, lower docnum on a tie.
        scores = dict(
            heapq.nsmallest(
                depth, matches.items(), key=lambda item: (-item[1], item[0])
            )
        )
        if plan.optional and scores:
            _add_scores(searcher, plan.optional, scores)
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        return len(matches), ranked

    def search(
        self,
        text: str,
        *,
        langs: Iterable[str] = LANGS,
        category: str | None = None,
        page: int = 1,
        limit: int = 10,
        also: Iterable[str] = (),
        rerank: Reranker | None = None,
        rerank_depth: int = 50,
    ) -> Hits:
        """Rank published articles for ``text``; page is 1-based.

        ``rerank`` may re-order the top ``rerank_depth`` (slug, score) pairs
        (semantic re-ranking); the rest keep their lexical order after them.
        """
        try:
            return self._search(
                text,
                tuple(langs),
                category,
                page,
                limit,
                tuple(also),
                rerank,
                rerank_depth,
            )
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
        rerank: Reranker | None = None,
        rerank_depth: int = 50,
    ) -> Hits:
        searcher = self._current()
        plan = self.plan(searcher, text, langs, also)
        ranked: list[tuple[int, float]] = []
        if not plan.required:
            total = 0
        else:
            depth = max(RERANK_DEPTH, page * limit)
            total, ranked = self._rank(searcher, plan, category, depth)
        if rerank is not None and len(ranked) > 1:
            ranked = _reranked(searcher, ranked, rerank, rerank_depth)
        hits = []
        for docnum, score in ranked[(page - 1) * limit : page * limit]:
            stored, sections = _stored_document(searcher, docnum)
            lang = stored["lang"]
            snippet = best_snippet(sections, plan.highlight.get(lang, ()))
            hits.append(
                Hit(
                    stored["slug"],
                    lang,
                    stored["category"],
                    stored["title"],
                    stored["summary"],
                    round(score, 4),
                    snippet.html,
                    snippet.anchor,
                    snippet.heading,
                )
            )
        return Hits(total, tuple(hits), None)

    def correction(
        self, text: str, langs: Iterable[str] = LANGS, known: Iterable[str] = ()
    ) -> str | None:
        """``text`` with unknown words replaced by close article words, or None.

        A word is corrected only to a word within one edit (two for long
        words) that at least :data:`MIN_CORRECTION_DF` articles of a searched
        language use and that is not a stopword. Whether the correction is
        worth showing (it finds something new) is the caller's decision.
        ``known`` words (synonym keys) are never corrected.
        """
        known = set(known)
        with self._guard("correction"):
            reader = self._current().reader()
            changed, words = False, []
            for word in _words(text):
                fixed = None
                if len(word) >= MIN_CORRECTED and word.isalpha() and word not in known:
                    if not _doc_frequency(reader, "exact", word):
                        fixed = _correct_word(reader, word, tuple(langs))
                changed = changed or fixed is not None
                words.append(fixed or word)
            return " ".join(words) if changed else None

    def covers(self, text: str, langs: Iterable[str] = LANGS) -> bool:
        """True when one article holds every content word of ``text``.

        A correction that no single article fits ("keep sedang") is a guess,
        not the words the customer meant.
        """
        with self._guard("covers"):
            searcher = self._current()
            reader = searcher.reader()
            parts: list[query.Query] = []
            for word in _words(text):
                options = [
                    query.Term(f"content_{lang}", STEMMERS[lang](word))
                    for lang in langs
                    if word not in _stopwords(lang)
                ]
                if not options:
                    continue
                present = [q for q in options if (q.fieldname, q.text) in reader]
                if not present:
                    return False
                parts.append(query.Or(present))
            if not parts:
                return False
            return searcher.search(query.And(parts), limit=1).scored_length() > 0

    def suggest(
        self,
        text: str,
        *,
        langs: Iterable[str] = LANGS,
        limit: int = 8,
        also: Mapping[str, tuple[str, ...]] | None = None,
    ) -> list[Hit]:
        """Titles matching what has been typed so far (last word as a prefix)."""
        with self._guard("suggest"):
            return self._suggest(text, tuple(langs), limit, also or {})

    def _suggest(
        self, text: str, langs: tuple[str, ...], limit: int, also: Mapping
    ) -> list[Hit]:
        searcher = self._current()
        words = _words(text)
        if not words:
            return []
        parts: list[query.Query] = []
        plan = self.plan(searcher, text, langs, also)
        if plan.required:
            parts.append(_UnionOr(plan.required))
        partial = words[-1]
        if len(partial) >= MIN_PREFIX and not text[-1:].isspace():
            # The word being typed: complete it against titles, weighted up.
            parts.append(query.Prefix("title_exact", partial, boost=3.0))
        if not parts:
            return []
        lang_filter = query.Or([query.Term("lang", lang) for lang in langs])
        results = searcher.search(
            query.Or(parts), limit=max(limit, SUGGEST_DEPTH), filter=lang_filter
        )
        # The same second phase as a search, so typeahead agrees with results.
        scores = {r.docnum: r.score or 0.0 for r in results}
        if plan.optional and scores:
            _add_scores(searcher, plan.optional, scores)
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        hits = []
        for docnum, score in ranked[:limit]:
            stored, _sections = _stored_document(searcher, docnum)
            hits.append(
                Hit(
                    stored["slug"],
                    stored["lang"],
                    stored["category"],
                    stored["title"],
                    stored["summary"],
                    round(score, 4),
                    "",
                )
            )
        return hits

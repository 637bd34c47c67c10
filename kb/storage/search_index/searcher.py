"""The searcher: plain text to a plan, ranked, with snippets and suggestions.

One :class:`Searcher` per process, reused and refreshed when the index
changes; one request pins one index state (:meth:`Searcher.pinned`).
"""

from __future__ import annotations

import dataclasses
import heapq
import logging
import math
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from whoosh import index, query
from whoosh.reading import IndexReader
from whoosh.searching import Searcher as WhooshSearcher

from kb.storage import stemming
from kb.storage.search_index.building import _read_stems
from kb.storage.search_index.reading import (
    IndexUnavailable,
    _cache_term_lookups,
    _doc_frequency,
    _folder_state,
    _index_files,
    _read_into_memory,
    _Storage,
    _term_info,
    exists,
)
from kb.storage.search_index.schema import (
    LANGS,
    SCORING_FIELDS,
    _stopwords,
    _words,
)
from kb.storage.search_index.scoring import (
    WEIGHTING,
    _add_scores,
    _coverage,
    _matches,
    _UnionOr,
)
from kb.storage.search_index.spelling import _compound_splits, _corrected
from kb.storage.snippets import StoredSection, best_snippet
from kb.storage.stemming import STEMMERS

EXACT_WEIGHT = 0.3  # an unstemmed match adds a little on top of its stem's match
SYNONYM_WEIGHT = 0.6  # a synonym match counts, but less than the customer's words
RERANK_DEPTH = 100  # candidates the score-only terms may reorder
DOCUMENT_CACHE = 500  # decoded hits (stored fields and sections) per searcher
SUGGEST_DEPTH = 30  # typeahead candidates re-ranked like a search
MAX_TERMS = 16  # a pasted paragraph keeps its 16 rarest stems: fast, and no worse
MIN_PREFIX = 2  # shorter prefixes expand to too many terms to be useful or fast
# How much an article's share of the query's concepts counts: its score is
# multiplied by COVERAGE_FLOOR + (1 - COVERAGE_FLOOR) * coverage, so one that
# holds every concept keeps its BM25F score and one that holds only the
# commonest word ("akun" of "akun diblokir") drops behind those that hold both.
COVERAGE_FLOOR = 0.75
# A result "covers the main concepts" from this share of their weight; when no
# result does, the results are weak matches and said to be so.
COVERED = 0.7


log = logging.getLogger(__name__)


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
    coverage: float = 1.0  # IDF-weighted share of the query's concepts it holds
    # Cosine of the query with the article's best section, when semantic
    # re-ranking ran (None: lexical only).
    similarity: float | None = None
    # The article's sections as the index stored them: the same plain text
    # rendering gives (:func:`kb.services.articles.index_documents`), as
    # current as the index, which is updated whenever the articles change. A
    # quick answer reads its sentences here instead of rendering the article.
    sections: tuple[StoredSection, ...] = dataclasses.field(
        default=(), repr=False, compare=False
    )


@dataclass(frozen=True)
class Hits:
    """A page of results with the total and an optional spelling suggestion."""

    total: int
    hits: tuple[Hit, ...]
    did_you_mean: str | None
    corrected: bool = False  # the hits are for ``did_you_mean``: nothing matched
    fallback_lang: str | None = None  # the hits are in this other language
    synonym: bool = False  # the query as typed has a synonyms entry
    weak_match: bool = False  # no result holds the query's main concepts


Reranker = Callable[[Sequence[tuple[str, float]]], list[tuple[str, float]]]
_Concept = tuple[float, tuple[tuple[tuple[str, str], ...], ...]]


@dataclass
class _Plan:
    """A query split into the terms that decide matches and those that only score."""

    required: list[query.Query]
    optional: list[query.Query]
    highlight: dict[str, set[str]]  # language → stems to mark in snippets
    # The query's informative words, each (IDF weight, options): an option is
    # the terms that together say the word (its stem in a language, or every
    # word of a phrase standing for it: a synonym, a split or joined compound).
    concepts: list[_Concept] = dataclasses.field(default_factory=list)


def _rarest(reader: IndexReader, lang: str, stems: list[str]) -> list[str]:
    """At most MAX_TERMS stems, keeping the most selective, in query order."""
    if len(stems) <= MAX_TERMS:
        return stems
    field = f"content_{lang}"
    keep = set(
        sorted(stems, key=lambda s: _doc_frequency(reader, field, s))[:MAX_TERMS]
    )
    return [s for s in stems if s in keep]


def _terms(
    reader: IndexReader, field: str, stems: Iterable[str], weight: float = 1.0
) -> list[query.Query]:
    # Only terms the index holds: Whoosh keeps absent terms in its matcher
    # tree as null matchers, and walking that tree is most of a query's cost.
    return [
        query.Term(field, stem, boost=weight)
        for stem in stems
        if _term_info(reader, field, stem) is not None
    ]


def _slugs(searcher: WhooshSearcher) -> dict[int, str]:
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
    searcher: WhooshSearcher,
    ranked: list[tuple[int, float]],
    rerank: Reranker,
    depth: int,
) -> list[tuple[int, float]]:
    """The top ``depth`` re-ordered by ``rerank``, the rest after them as they were."""
    slugs = _slugs(searcher)
    head = ranked[:depth]
    if any(docnum not in slugs for docnum, _score in head):
        return ranked  # cannot happen with a sound index; never lose a result
    docnums = {slugs[docnum]: docnum for docnum, _score in head}
    order = rerank([(slugs[docnum], score) for docnum, score in head])
    return [(docnums[slug], score) for slug, score in order] + ranked[depth:]


def _stored_document(
    searcher: WhooshSearcher, docnum: int
) -> tuple[dict, tuple[StoredSection, ...]]:
    """A document's stored fields and sections, decoded once per searcher (bounded).

    Unpickling every hit's sections (zlib, pickle, then the section objects)
    was a sixth of a search; a searcher's documents never change.
    """
    cache = searcher.__dict__.setdefault("_jawab_documents", {})
    found = cache.get(docnum)
    if found is None:
        stored = searcher.stored_fields(docnum)
        sections = tuple(StoredSection.from_stored(s) for s in stored["sections"])
        if len(cache) >= DOCUMENT_CACHE:
            cache.clear()
        found = cache[docnum] = (stored, sections)
    return found


def _joined(reader: IndexReader, words: list[str]) -> list[tuple[str, tuple[str, str]]]:
    """Adjacent typed words that articles write as one ("pay later" → "paylater").

    Yields (joined word, the two typed words) for every pair whose joined form
    is a word of an article.
    """
    found = []
    for left, right in zip(words, words[1:], strict=False):
        if not (left.isalpha() and right.isalpha()):
            continue
        if _doc_frequency(reader, "exact", left + right):
            found.append((left + right, (left, right)))
    return found


def _concepts(
    reader: IndexReader,
    words: list[str],
    sources: Mapping[str, tuple[str, ...]],
    langs: tuple[str, ...],
) -> list[_Concept]:
    """The query's informative words with their IDF weight and ways of matching.

    A word is informative when it is not a stopword of a searched language
    and not a number. It is matched by its stem in any searched language, or
    by every word of a phrase standing for it (a synonym, a split or joined
    compound, the standard form of a chat word). Its weight is the classic
    IDF of its commonest option; a word no article holds weighs most, so a
    query with words the help center does not know is never covered.
    """
    total = max(1, reader.doc_count_all())
    phrases: dict[str, list[str]] = {}
    for phrase, keys in sources.items():
        for key in keys:
            for word in _words(key):
                phrases.setdefault(word, []).append(phrase)
    concepts: list[_Concept] = []
    for word in words:
        if any(c.isdigit() for c in word):
            continue
        options: list[tuple[tuple[str, str], ...]] = []
        for lang in langs:
            stem, common = STEMMERS[lang], _stopwords(lang)
            if word in common or stem(word) in common:
                continue
            found: list[tuple[tuple[str, str], ...]] = [
                ((f"content_{lang}", stem(word)),)
            ]
            for phrase in phrases.get(word, ()):
                parts = tuple(
                    (f"content_{lang}", s)
                    for s in dict.fromkeys(map(stem, _words(phrase)))
                    if s not in common
                )
                if not parts:  # a chat word for a stopword: "gue", "blm"
                    break
                found.append(parts)
            else:
                options += found
        if not options:
            continue
        df = max(
            min(_doc_frequency(reader, field, text) for field, text in option)
            for option in options
        )
        weight = math.log(1 + (total - df + 0.5) / (df + 0.5))
        concepts.append((weight, tuple(dict.fromkeys(options))))
    return concepts


def _covered(
    searcher: WhooshSearcher, plan: _Plan, ranked: list[tuple[int, float]]
) -> tuple[list[tuple[int, float]], dict[int, float]]:
    """The candidates re-ordered by BM25F scaled by concept coverage, and each one's.

    An article holding every concept of the query keeps its score; one holding
    only its commonest word keeps :data:`COVERAGE_FLOOR` of it.
    """
    coverage = _coverage(searcher, plan.concepts, [doc for doc, _score in ranked])
    scaled = [
        (doc, score * (COVERAGE_FLOOR + (1 - COVERAGE_FLOOR) * coverage[doc]))
        for doc, score in ranked
    ]
    return sorted(scaled, key=lambda item: (-item[1], item[0])), coverage


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

    def _current(self) -> WhooshSearcher:
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

    def _open_or_refresh(self) -> WhooshSearcher:
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
            searcher = self._searcher = self._index.searcher(weighting=WEIGHTING)
            _read_into_memory(searcher.reader())
        except BaseException:
            self._searcher = self._index = None
            storage.close_opened()
            raise
        _cache_term_lookups(searcher.reader())
        for lang, stems in _read_stems(self.directory).items():
            stemming.remember_stems(lang, stems)
        self._seen = seen
        return searcher

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
        searcher: WhooshSearcher,
        text: str,
        langs: Iterable[str],
        also: Iterable[str] = (),
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
        for phrase, pair in _joined(reader, words):
            sources.setdefault(phrase, pair)
        also = list(sources)
        plan = _Plan([], [], {})
        plan.concepts = _concepts(reader, words, sources, tuple(langs))
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
        self, searcher: WhooshSearcher, plan: _Plan, category: str | None, depth: int
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
                dict(also) if isinstance(also, Mapping) else dict.fromkeys(also, ()),
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
        also: Mapping[str, tuple[str, ...]],
        rerank: Reranker | None = None,
        rerank_depth: int = 50,
    ) -> Hits:
        searcher = self._current()
        plan = self.plan(searcher, text, langs, also)
        ranked: list[tuple[int, float]] = []
        coverage: dict[int, float] = {}
        if not plan.required:
            total = 0
        else:
            depth = max(RERANK_DEPTH, page * limit)
            total, ranked = self._rank(searcher, plan, category, depth)
            ranked, coverage = _covered(searcher, plan, ranked)
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
                    round(coverage.get(docnum, 1.0), 3),
                    sections=sections,
                )
            )
        weak = bool(coverage) and max(coverage.values()) < COVERED
        return Hits(total, tuple(hits), None, weak_match=weak)

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
            return _corrected(self._current().reader(), text, langs, known)

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

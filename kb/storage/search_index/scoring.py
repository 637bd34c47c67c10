"""BM25F scoring from cached per-term score arrays.

:class:`BM25` is Whoosh's BM25F with the classic IDF and its statistics
looked up once. :func:`_matches` and :func:`_add_scores` compute the same sums
Whoosh's union matcher would, from each term's document numbers and scores
(:func:`_term_scores`, kept per searcher), without a matcher tree per query.
"""

from __future__ import annotations

import bisect
import math
from array import array
from collections.abc import Callable, Iterator

from whoosh import query, scoring
from whoosh.searching import Searcher as WhooshSearcher

from kb.storage.search_index.reading import (
    _LENGTH_OF_BYTE,
    POSTING_CACHE,
    TERM_CACHE,
    _doc_frequency,
    _field_lengths,
    _postings,
    _read_postings,
    _term_info,
)


class BM25(scoring.BM25F):
    """BM25F with the classic Robertson/Lucene IDF, which never goes negative.

    Whoosh's own IDF, ``log(N/(n+1)) + 1``, scored 2-3% lower on both dev sets.
    """

    def idf(self, searcher: WhooshSearcher, fieldname: str, text: str) -> float:
        parent = searcher.get_parent()
        n = _doc_frequency(parent.reader(), fieldname, text)
        total = parent.doc_count_all()
        return math.log(1 + (total - n + 0.5) / (n + 0.5))

    def scorer(
        self, searcher: WhooshSearcher, fieldname: str, text: str, qf: int = 1
    ) -> scoring.BaseScorer:
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

    def __init__(
        self,
        idf: float,
        avgfl: float,
        B: float,
        K1: float,
        dfl: Callable[[int], int],
        max_weight: float,
        min_length: int,
    ) -> None:
        self.idf, self.avgfl, self.B, self.K1 = idf, avgfl, B, K1
        self.dfl = dfl
        self._maxquality = self._score(max_weight, min_length)

    def _score(self, weight: float, length: int) -> float:
        return scoring.bm25(self.idf, weight, length, self.avgfl, self.B, self.K1)


def _idf_and_average_length(
    searcher: WhooshSearcher, fieldname: str, text: str
) -> tuple:
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


def _remember(
    owner: object, key: tuple[str, str], compute: Callable[[], tuple]
) -> tuple:
    """A per-searcher (or per-segment) memo, bounded by :data:`TERM_CACHE`."""
    memo = owner.__dict__.setdefault("_jawab_stats", {})
    found = memo.get(key)
    if found is None:
        if len(memo) >= TERM_CACHE:
            memo.clear()
        found = memo[key] = compute()
    return found


WEIGHTING = BM25(B=0.75, K1=1.2)


class _UnionOr(query.Or):
    """An Or that always sums its parts' best scores.

    On small indexes Whoosh picks ArrayUnionMatcher, whose max_quality is the
    maximum of its parts, which breaks block-max pruning when nested.
    """

    matcher_type = query.Or.DEFAULT_MATCHER


def _term_arrays(
    leaf: WhooshSearcher, terms: list[query.Query]
) -> Iterator[tuple[array, array, float]]:
    """Each term's document numbers, scores and boost in one segment (if present)."""
    reader = leaf.reader()
    for term in terms:
        if _term_info(reader, term.fieldname, term.text) is not None:
            ids, scores = _term_scores(leaf, term.fieldname, term.text)
            yield ids, scores, term.boost


def _matches(
    searcher: WhooshSearcher, terms: list[query.Query], category: str | None
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


def _add_scores(
    searcher: WhooshSearcher, terms: list[query.Query], scores: dict[int, float]
) -> None:
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


def _term_scores(
    leaf: WhooshSearcher, fieldname: str, text: str
) -> tuple[array, array]:
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


def _holders(
    searcher: WhooshSearcher, terms: set[tuple[str, str]], docs: list[int]
) -> dict:
    """For each term, which of ``docs`` (sorted document numbers) hold it.

    From the term's cached score arrays (:func:`_term_scores`), which a
    search has just read for its own scoring.
    """
    found: dict[tuple[str, str], set[int]] = {term: set() for term in terms}
    for leaf, offset in searcher.leaf_searchers():
        end = offset + leaf.doc_count_all()
        local = [d - offset for d in docs if offset <= d < end]
        if not local:
            continue
        wanted = set(local)
        reader = leaf.reader()
        for term in terms:
            if _term_info(reader, term[0], term[1]) is None:
                continue
            ids, _scores = _term_scores(leaf, term[0], term[1])
            held = found[term]
            if len(ids) <= len(local):
                held.update(d + offset for d in ids if d in wanted)
                continue
            size = len(ids)
            for doc in local:
                at = bisect.bisect_left(ids, doc)
                if at == size:
                    break
                if ids[at] == doc:
                    held.add(doc + offset)
    return found


def _coverage(
    searcher: WhooshSearcher,
    concepts: list[tuple[float, tuple[tuple[tuple[str, str], ...], ...]]],
    docs: list[int],
) -> dict[int, float]:
    """Each document's share (0..1) of the query's concepts it holds, by weight.

    A concept is ``(weight, options)``: it is held when every term of one of
    its options is (a typed word's stem in either language, or all the words
    of a phrase that stands for it).
    """
    total = sum(weight for weight, _options in concepts)
    if not total:
        return dict.fromkeys(docs, 1.0)
    terms = {term for _weight, options in concepts for o in options for term in o}
    holders = _holders(searcher, terms, sorted(docs))
    held = dict.fromkeys(docs, 0.0)
    for weight, options in concepts:
        holding: set[int] = set()
        for option in options:
            holding |= set.intersection(*(holders[term] for term in option))
        for doc in holding:
            held[doc] += weight
    return {doc: value / total for doc, value in held.items()}

"""Search requests: validate what a customer typed, rank, and heal the index."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from kb.reading import informal
from kb.services import semantic
from kb.services.articles import ContentStore, Library, index_documents
from kb.services.semantic import CANDIDATES, Rerank, SemanticRanker, article_texts
from kb.storage import embeddings, search_index
from kb.storage.search_index import (
    Hit,
    Hits,
    IndexBusy,
    IndexUnavailable,
    Searcher,
    UpdateReport,
)

log = logging.getLogger(__name__)
# A word as the reading normaliser sees one: letters, an apostrophe inside
# ("don't"), and a reduplication "2" at the end ("masuk2").
_CHAT_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*2?(?!\w)")
LANGS = search_index.LANGS
MAX_LIMIT = 50
MAX_PAGE = 100


@dataclass(frozen=True)
class SearchRequest:
    """A validated search: plain query text plus filters and paging."""

    q: str
    lang: str | None = None
    category: str | None = None
    page: int = 1
    limit: int = 10


class SearchService:
    """Runs searches for one worker and keeps its index healthy and current.

    The index is checked against the articles whenever a new content version
    appears (at start, and after editors change files); a missing, damaged or
    stale index is rebuilt or updated under a cross-process lock, and a search
    that hits a damaged index is retried once after the rebuild.
    """

    def __init__(
        self,
        content: ContentStore,
        index_dir: Path,
        semantic: SemanticRanker | None = None,
    ) -> None:
        self.content = content
        self.index_dir = index_dir
        self.semantic = semantic
        self.searcher = Searcher(index_dir)
        self._sync_lock = threading.Lock()
        self._synced: Library | None = None

    def search(self, request: SearchRequest, library: Library | None = None) -> Hits:
        """Rank published articles for a validated request.

        ``library`` is the content version the caller's page shows (one per
        request); without it the current one is read once.
        """
        if not request.q:
            return Hits(0, (), None)
        library = library or self.content.library()
        self.ensure_current(library)
        langs = (request.lang,) if request.lang else LANGS
        try:
            with self.searcher.pinned():
                return self._search(request, langs, library)
        except IndexUnavailable as exc:
            log.warning("search index unavailable (%s); rebuilding", exc)
            self.ensure_current(library, force=True)
            with self.searcher.pinned():
                return self._search(request, langs, library)

    @staticmethod
    def confidences(hits: Hits) -> list[float]:
        """How sure Jawab is (0..1) that each hit answers the query, in hit order.

        A hit must stand out: its lead over the best other hit (1 minus their
        score ratio; a hit far ahead is an answer, two about as good are a
        list to choose from, and a hit behind another has no lead). And it
        must be about the query: the lead is multiplied by its IDF-weighted
        concept coverage (1 when it holds every informative word), and weak
        matches are worth nothing. Re-ranked by meaning, a hit close to the
        query counts as covering it (a paraphrase shares few words) and the
        fused scores' lead is put on the lexical scale
        (:func:`semantic.confidence`). A correction's hits are a guess: worth
        nothing. Of the measures tried on the development sets (share of the
        first three scores, lead, title agreement both ways, score over the
        query's IDF sum, cosine margins) these were the most precise at every
        coverage (bench/README.md).
        """
        if hits.corrected:
            return [0.0] * len(hits.hits)
        scores = [max(0.0, h.score) for h in hits.hits]
        found = []
        for i, hit in enumerate(hits.hits):
            rival = max(scores[:i] + scores[i + 1 :], default=0.0)
            lead = max(0.0, 1 - rival / scores[i] if scores[i] else 0.0)
            coverage = 0.0 if hits.weak_match else hit.coverage
            if hits.hits[0].similarity is None:
                found.append(round(coverage * lead, 3))
            else:
                sure = semantic.confidence(lead, coverage, hit.similarity)
                found.append(round(sure, 3))
        return found

    def suggest(
        self, q: str, lang: str | None, limit: int = 8, library: Library | None = None
    ) -> list[Hit]:
        """Article titles for a partly typed query (search as you type)."""
        if not q.strip():
            return []
        library = library or self.content.library()
        self.ensure_current(library)
        langs = (lang,) if lang else LANGS
        also = library.synonyms.sources(q, langs)
        try:
            return self.searcher.suggest(q, langs=langs, limit=limit, also=also)
        except IndexUnavailable:
            self.ensure_current(library, force=True)
            return self.searcher.suggest(q, langs=langs, limit=limit, also=also)

    def _search(
        self, request: SearchRequest, langs: tuple[str, ...], library: Library
    ) -> Hits:
        """The query as typed; then the other language; then a correction."""
        # What the customer typed is embedded once, whichever run uses it.
        rerank = self.semantic.reranker(request.q) if self.semantic else None
        hits = self._run(request.q, langs, request, library, rerank)
        typed = hits.synonym  # what the event records is about the typed query
        if hits.total == 0 and request.lang:
            # A customer in the English UI may type Indonesian ("tf"), and the
            # other way round: words that match as typed beat a guessed edit.
            other = next(lang for lang in LANGS if lang != request.lang)
            found = self._run(request.q, (other,), request, library, rerank)
            if found.total:
                return replace(found, fallback_lang=other, synonym=typed)
        known = library.synonyms.key_words(langs)
        suggestion = self.searcher.correction(request.q, langs, known)
        if suggestion is None or not self.searcher.covers(suggestion, langs):
            return hits
        fixed = self._run(suggestion, langs, request, library, rerank)
        # A correction must find something the query as typed did not.
        seen = {hit.slug for hit in hits.hits}
        new = fixed.total > hits.total or any(h.slug not in seen for h in fixed.hits)
        if not new:
            return hits
        if hits.total == 0:
            return replace(
                fixed, did_you_mean=suggestion, corrected=True, synonym=typed
            )
        return replace(hits, did_you_mean=suggestion)

    def _run(
        self,
        text: str,
        langs: tuple[str, ...],
        request: SearchRequest,
        library: Library,
        rerank: Rerank | None = None,
    ) -> Hits:
        also = library.synonyms.sources(text, langs)
        for phrase, keys in chat_words(text, langs).items():
            also.setdefault(phrase, keys)
        hits = self.searcher.search(
            text,
            also=also,
            langs=langs,
            category=request.category,
            page=request.page,
            limit=request.limit,
            rerank=rerank,
            rerank_depth=CANDIDATES,
        )
        if rerank is not None and rerank.similarity:
            near = rerank.similarity
            found = tuple(replace(h, similarity=near.get(h.slug)) for h in hits.hits)
            # A first hit close in meaning is no weak match, whatever words
            # it shares: "I forgot my password" is "Reset your password".
            weak = hits.weak_match and not rerank.first_is_close()
            hits = replace(hits, hits=found, weak_match=weak)
        return replace(hits, synonym=True) if also else hits

    def ensure_current(
        self, library: Library | None = None, *, force: bool = False
    ) -> None:
        """Update the index when the articles changed, or repair it when damaged."""
        library = library or self.content.library()
        if library is self._synced and not force:
            return
        with self._sync_lock:
            if library is self._synced and not force:
                return
            try:
                report = update_index(
                    self.content, self.index_dir, semantic=self.semantic
                )
            except IndexBusy:
                if not search_index.exists(self.index_dir):
                    raise
                log.warning("index busy; serving the current one until next check")
                return
            if report.rebuilt or report.added or report.updated or report.deleted:
                log.info("search index synced: %s", report)
            self.searcher.close()
            self._synced = library


def chat_words(text: str, langs: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Chat words of ``text`` in standard form → the typed word ("blm" → "belum").

    Searched for as well, like synonyms: the reading normaliser's
    dictionaries (:mod:`kb.reading.informal`) for the languages searched.
    A query is words, so they are taken by a pattern rather than the
    normaliser's full tokenizer (which also looks for URLs, amounts and
    personal data, a third of a short search's time).
    """
    found: dict[str, tuple[str, ...]] = {}
    for typed in dict.fromkeys(_CHAT_WORD.findall(text.lower())):
        standard = informal.expand(
            informal.fold(typed),
            indonesian="id" in langs,
            english="en" in langs,
        )
        if standard and standard != typed:
            found.setdefault(standard, (typed,))
    return found


def update_index(
    content: ContentStore,
    index_dir: Path,
    *,
    rebuild: bool = False,
    progress: Callable[[int, int], None] | None = None,
    semantic: SemanticRanker | None = None,
    embed_progress: Callable[[int, int], None] | None = None,
) -> UpdateReport:
    """Bring the index up to date with the published articles.

    With ``semantic``, the sections of new and changed articles are embedded
    too (after the index, so lexical search is current first).
    """
    library = content.library()
    hashes = {slug: a.content_hash for slug, a in library.published.items()}
    report = search_index.update(
        index_dir,
        lambda slugs: index_documents(library, slugs),
        hashes,
        rebuild=rebuild,
        progress=progress,
        # An automatic rebuild (new schema, damaged index) keeps the vectors:
        # they are matched to articles by content hash, not by index position.
        keep=(embeddings.VECTORS_FILE,),
    )
    if semantic is not None:
        embedded = semantic.sync(
            hashes,
            lambda slugs: article_texts(index_documents(library, slugs)),
            rebuild=rebuild,
            progress=embed_progress,
        )
        if embedded is not None and (embedded.embedded or embedded.removed):
            log.info("section vectors synced: %s", embedded)
    return report

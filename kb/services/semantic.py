"""Optional semantic re-ranking (``KB_SEMANTIC=on``) of lexical search results.

The lexical ranking decides what matches and its top :data:`CANDIDATES`; this
re-orders them by a fusion of the lexical score and the cosine between the
query and each article's best section (:func:`kb.storage.embeddings.fuse`).
Anything that goes wrong (extra not installed, model fails, no vectors yet)
leaves the lexical order and logs why, once per cause.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from kb.storage import embeddings
from kb.storage.embeddings import ArticleText, Embedder, SemanticUnavailable

log = logging.getLogger(__name__)

CANDIDATES = 50  # lexical top results re-ranked
# Weight of the min-max cosine against lexical/max, chosen on the development
# sets only (README, Benchmarks): of 0.1-3, 2.0 was best on quora-id-dev and
# within 0.0004 of the best (3.0) on covidqa-en.
WEIGHT = 2.0
QUERY_CACHE = 512  # query vectors kept per worker (popular queries repeat)


class SemanticRanker:
    """Embeds articles at index time and re-ranks candidates at query time."""

    def __init__(
        self,
        index_dir: Path,
        *,
        weight: float = WEIGHT,
        loader: Callable[[], Embedder] | None = None,
    ) -> None:
        self.index_dir = index_dir
        self.weight = weight
        self._loader = loader
        self._lock = threading.Lock()
        self._embedder: Embedder | None = None
        self._failed: str | None = None
        self._vectors: embeddings.Vectors | None = None
        self._queries: OrderedDict[str, Any] = OrderedDict()
        self.last_sync: embeddings.SyncReport | None = None

    def embedder(self) -> Embedder | None:
        """The model, loaded on first use; ``None`` (logged once) when unavailable."""
        if self._embedder is None and self._failed is None:
            with self._lock:
                if self._embedder is None and self._failed is None:
                    try:
                        load = self._loader or embeddings.load_embedder
                        self._embedder = load()
                    except SemanticUnavailable as exc:
                        self._failed = str(exc)
                        log.warning(
                            "semantic re-ranking is off, search stays lexical: %s",
                            exc,
                        )
        return self._embedder

    def sync(
        self,
        hashes: dict[str, str],
        articles: Callable[[set[str] | None], Iterable[ArticleText]],
        *,
        rebuild: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> embeddings.SyncReport | None:
        """Embed the sections of new and changed articles (``None``: no model)."""
        embedder = self.embedder()
        if embedder is None:
            return None
        try:
            report = embeddings.sync(
                self.index_dir,
                embedder,
                hashes,
                articles,
                rebuild=rebuild,
                progress=progress,
            )
        except Exception:  # noqa: BLE001 - search must keep answering lexically
            log.warning(
                "embedding the articles failed; search stays lexical", exc_info=True
            )
            return None
        self._vectors = None  # reloaded on next use
        self.last_sync = report
        return report

    def _current_vectors(self) -> embeddings.Vectors | None:
        vectors = self._vectors
        path = embeddings.path_in(self.index_dir)
        try:
            mtime = path.stat().st_mtime
        except OSError:
            mtime = None
        if vectors is None or mtime != vectors.mtime:
            vectors = self._vectors = embeddings.load(self.index_dir)
        return vectors

    def query_vector(self, text: str) -> Any | None:
        """The query's vector (cached), or ``None`` when it cannot be had."""
        cached = self._queries.get(text)
        if cached is not None:
            self._queries.move_to_end(text)
            return cached
        embedder = self.embedder()
        if embedder is None:
            return None
        try:
            vector = embedder.query(text)
        except Exception:  # noqa: BLE001 - a failing model must not fail the search
            log.warning("embedding a query failed; lexical order kept", exc_info=True)
            return None
        self._queries[text] = vector
        if len(self._queries) > QUERY_CACHE:
            self._queries.popitem(last=False)
        return vector

    def reranker(
        self, text: str
    ) -> Callable[[Sequence[tuple[str, float]]], list[tuple[str, float]]]:
        """A function re-ordering (slug, lexical score) candidates for ``text``.

        The query is embedded at most once, on the first call, so a search that
        also tries the other language or a correction reuses it.
        """
        state: dict[str, Any] = {}

        def rerank(candidates: Sequence[tuple[str, float]]) -> list[tuple[str, float]]:
            if len(candidates) < 2:
                return list(candidates)
            if "vector" not in state:
                state["vector"] = self.query_vector(text)
            vector = state["vector"]
            vectors = self._current_vectors()
            if vector is None or vectors is None:
                return list(candidates)
            try:
                cosine = vectors.similarity(vector, (slug for slug, _ in candidates))
            except Exception:  # noqa: BLE001 - e.g. vectors of another dimension
                log.warning(
                    "semantic re-ranking failed; lexical order kept", exc_info=True
                )
                return list(candidates)
            return embeddings.fuse(candidates, cosine, self.weight)

        return rerank


def article_texts(documents: Iterable[Any]) -> Iterator[ArticleText]:
    """The passages of each index document: one per section."""
    for doc in documents:
        sections = doc.sections or ((None, "", doc.body),)
        yield ArticleText(
            doc.slug,
            doc.content_hash,
            tuple(
                embeddings.passage(doc.title, heading, text)
                for _anchor, heading, text in sections
            ),
        )

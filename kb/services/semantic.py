"""Optional semantic re-ranking (``KB_SEMANTIC=on``) of lexical search results.

The lexical ranking decides what matches and its top :data:`CANDIDATES`; this
re-orders them by a fusion of the lexical score and the cosine between the
query and each article's best section (:func:`kb.storage.embeddings.fuse`).
Anything that goes wrong (extra not installed, model fails, no vectors yet)
leaves the lexical order and logs why, once per cause.

The query is embedded in a worker thread while the lexical search runs (the C
engine releases the GIL), so with a core free a search costs about the longer
of the two plus the re-ranking, not their sum. A search that finds fewer than
two candidates does not wait for it (the vector is then not remembered).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from kb.cache import Cache
from kb.storage import embeddings
from kb.storage.embeddings import ArticleText, Embedder, SemanticUnavailable

log = logging.getLogger(__name__)

CANDIDATES = 50  # lexical top results re-ranked
# Weight of the min-max cosine against lexical/max, chosen on the development
# sets only (README, Benchmarks): of 0.1-3, 2.0 was best on quora-id-dev and
# within 0.0004 of the best (3.0) on covidqa-en.
WEIGHT = 2.0
# How sure a re-ranked hit is (:func:`confidence`). e5's cosines crowd into
# 0.7-0.95: a best section from ON_TOPIC on is about the query even when it
# shares few of its words (the dev sets' queries on the sample help center
# scored under it: 95% of them under 0.843, most of their own collections'
# first hits above it). The fused scores' leads are smaller than lexical ones
# (both parts are scaled to the best candidate, so the runner-up keeps most of
# the sum): LEAD_SCALE puts them on the lexical scale, so that
# quick_answers.SURE means at least 90% precision on both dev sets (2.5 from
# covidqa-en alone gave quora-id-dev 84.5%; bench/README.md, bench_answers).
ON_TOPIC = 0.85
LEAD_SCALE = 1.6
QUERY_CACHE = 512  # query vectors kept per worker (popular queries repeat)
EMBED_THREADS = 2  # queries embedded at once per worker, beside lexical searches
START_WAIT = 0.01  # s a search waits at most for the embedding worker to begin
WARM_UP_QUERY = "cara reset password"  # any short text: faults the weights in


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
        # Threaded servers share it: kb.cache.Cache is safe across threads.
        self._queries: Cache[Any] = Cache(QUERY_CACHE)
        self._pool: ThreadPoolExecutor | None = None
        self._pool_pid = 0
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

    def current_vectors(self) -> embeddings.Vectors | None:
        """The stored section vectors, reloaded when the file changed."""
        vectors = self._vectors
        path = embeddings.path_in(self.index_dir)
        try:
            mtime = path.stat().st_mtime
        except OSError:
            mtime = None
        if vectors is None or mtime != vectors.mtime:
            vectors = self._vectors = embeddings.load(self.index_dir)
        return vectors

    def warm_up(self) -> None:
        """Load the model and embed once (at start), so the first search isn't slow.

        The embedding runs in the worker thread queries use, which keeps the C
        engine's OpenMP threads; nothing is cached.
        """
        embedder = self.embedder()
        if embedder is None:
            return
        try:
            self._submit(embedder, WARM_UP_QUERY).result()
        except Exception:  # noqa: BLE001 - queries will retry and log their failures
            log.warning("the embedding model failed to warm up", exc_info=True)

    def _submit(self, embedder: Embedder, text: str) -> Future[Any]:
        """Embed ``text`` in a worker thread (one pool per process: forks get theirs).

        Returns once the worker has begun (or after :data:`START_WAIT`): a
        worker woken while this thread runs the lexical search would wait for
        the GIL, often until the search is done (~25 ms p50 measured under load),
        and the C engine only runs once the worker has called it.
        """
        if self._pool is None or self._pool_pid != os.getpid():
            with self._lock:
                if self._pool is None or self._pool_pid != os.getpid():
                    self._pool = ThreadPoolExecutor(
                        EMBED_THREADS, thread_name_prefix="jawab-embed"
                    )
                    self._pool_pid = os.getpid()
        started = threading.Event()
        query = embeddings.query_text(text)

        def embed() -> Any:
            started.set()
            return embedder.query(query)

        future = self._pool.submit(embed)
        started.wait(START_WAIT)
        return future

    def start_query(self, text: str) -> Callable[[], Any | None]:
        """Begin embedding ``text``; the returned function waits for its vector.

        The vector is ``None`` when it cannot be had (logged); a remembered
        query costs nothing, and a new one is remembered once it is used.
        """
        cached = self._queries.get(text)
        if cached is not None:
            return lambda: cached
        embedder = self.embedder()
        if embedder is None:
            return lambda: None
        try:
            pending = self._submit(embedder, text)
        except RuntimeError:  # no thread to be had (interpreter exiting): inline
            pending = Future()
            try:
                pending.set_result(embedder.query(embeddings.query_text(text)))
            except Exception as exc:  # noqa: BLE001 - reported below, like a thread's
                pending.set_exception(exc)

        def wait() -> Any | None:
            try:
                vector = pending.result()
            except Exception:  # noqa: BLE001 - a failing model must not fail the search
                log.warning(
                    "embedding a query failed; lexical order kept", exc_info=True
                )
                return None
            self._queries.put(text, vector)
            return vector

        return wait

    def query_vector(self, text: str) -> Any | None:
        """The query's vector (cached), or ``None`` when it cannot be had."""
        return self.start_query(text)()

    def reranker(self, text: str) -> Rerank:
        """A function re-ordering (slug, lexical score) candidates for ``text``.

        The query's embedding starts now, in a worker thread, so it overlaps
        the lexical search; it is embedded at most once, so a search that also
        tries the other language or a correction reuses it.
        """
        return Rerank(self, self.start_query(text))


class Rerank:
    """Re-orders one query's candidates, remembering the cosines it used.

    :attr:`similarity` holds each candidate's cosine with the query from the
    last call (empty when it did not re-rank): how close in meaning the
    results are is part of how sure search is (``SearchService.confidences``).
    """

    def __init__(
        self, ranker: SemanticRanker, vector_of: Callable[[], Any | None]
    ) -> None:
        self._ranker = ranker
        self._vector_of = vector_of
        self._vector: Any | None = None
        self._waited = False
        self.similarity: dict[str, float] = {}
        self._first: str | None = None

    def first_is_close(self) -> bool:
        """True when the last call's first candidate is close in meaning."""
        near = self.similarity.get(self._first or "")
        return near is not None and near >= ON_TOPIC

    def __call__(
        self, candidates: Sequence[tuple[str, float]]
    ) -> list[tuple[str, float]]:
        """``candidates`` by the fusion of their lexical score and cosine."""
        self.similarity, self._first = {}, None
        if len(candidates) < 2:
            return list(candidates)
        if not self._waited:
            self._vector, self._waited = self._vector_of(), True
        vector = self._vector
        vectors = self._ranker.current_vectors()
        if vector is None or vectors is None:
            return list(candidates)
        try:
            cosine = vectors.similarity(vector, (slug for slug, _ in candidates))
        except Exception:  # noqa: BLE001 - e.g. vectors of another dimension
            log.warning("semantic re-ranking failed; lexical order kept", exc_info=True)
            return list(candidates)
        self.similarity = cosine
        fused = embeddings.fuse(candidates, cosine, self._ranker.weight)
        self._first = fused[0][0] if fused else None
        return fused


def confidence(lead: float, coverage: float, similarity: float | None) -> float:
    """How sure (0..1) a re-ranked hit answers the query.

    ``lead`` is 1 minus the best other hit's fused score over this one's. The
    hit must be about the query: it holds its concepts (``coverage``, 0 for a
    weak match) or is close in meaning (``similarity`` from :data:`ON_TOPIC`),
    whichever says more.
    """
    near = similarity is not None and similarity >= ON_TOPIC
    about = max(coverage, 1.0 if near else 0.0)
    return min(1.0, max(0.0, lead) * LEAD_SCALE * about)


def article_texts(documents: Iterable[Any]) -> Iterator[ArticleText]:
    """The passages of each index document: one per section."""
    for doc in documents:
        sections = doc.sections or ((None, "", doc.body),)
        yield ArticleText(
            doc.slug,
            doc.content_hash,
            tuple(
                embeddings.passage(doc.title, heading, text)
                for _anchor, heading, text, *_rows in sections
            ),
        )

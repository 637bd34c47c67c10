"""Building and updating the index: documents to fields, the lock, the swap.

Updates are incremental by content hash; a missing, unreadable or
outdated-schema index is built anew beside the old one and swapped in when
complete. One writer at a time across processes, waiting up to
:data:`WRITE_TIMEOUT` seconds for the lock, cancelled on any error.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from whoosh import index
from whoosh.writing import IndexWriter

from kb.storage import file_lock, stemming
from kb.storage.search_index.reading import _open, exists
from kb.storage.search_index.schema import (
    LANGS,
    SCHEMA_VERSION,
    IndexDocument,
    _stems_at,
    _stopwords,
    make_schema,
)
from kb.storage.snippets import StoredSection

WRITE_TIMEOUT = 60.0
# The stems of the articles' words, for a worker's first searches (see
# kb.storage.stemming); only article words, never what customers typed.
STEMS_FILE = "stems.json"


log = logging.getLogger(__name__)


class IndexBusy(RuntimeError):
    """Another process held the build lock for longer than the timeout."""


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
    for anchor, heading, text, *rows in doc.sections or ((None, "", doc.body),):
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
            rows[0] if rows else (),
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
    writer: IndexWriter,
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

"""Opening an index folder and reading its segments fast.

No mmap (a truncated file raises instead of killing the worker); each
segment's term table (and a small postings file) is copied into memory;
term lookups, term statistics, postings and field lengths are read once and
remembered (bounded) on the segment's reader. Segments never change once
written, so nothing remembered is ever stale; :func:`_folder_state` tells a
searcher when the folder holds something new (or damaged) to reopen. Much of
this reaches into Whoosh 2.7.4's internals, each time falling back to
Whoosh's own lookups when they are not what is expected.
"""

from __future__ import annotations

import logging
import os
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from whoosh import index
from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    W3LeafMatcher,
    W3TermInfo,
    W3TermsReader,
    _lenfield,
)
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import BufferFile, StructFile
from whoosh.reading import IndexReader, TermNotFound
from whoosh.util.numeric import byte_to_length

from kb.storage.search_index.schema import SCHEMA_VERSION

TERM_CACHE = 200_000  # term positions kept per segment (~100 bytes each)
POSTING_CACHE = 1_000_000  # postings kept per segment for re-scoring (16 bytes each)
# A segment's postings file up to this size is copied into memory when opened
# (the term table always is): a term's first lookup was ~30 small reads.
IN_MEMORY_POSTINGS = 16 * 1024 * 1024
TERM_TABLE_AS_DICT = 2 * 1024 * 1024  # a term table up to this size becomes a dict


log = logging.getLogger(__name__)


class IndexUnavailable(RuntimeError):
    """The index is missing or unreadable and must be (re)built."""


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

    def open_file(self, name: str, **kwargs: Any) -> StructFile:
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
    storage = _Storage(directory)
    try:
        marker = directory / "SCHEMA"
        return marker.read_text().strip() == SCHEMA_VERSION and storage.index_exists()
    except Exception:  # noqa: BLE001 - a damaged TOC raises many kinds of errors
        # Whoosh leaves the table of contents open when it cannot read it (a
        # truncated file, or a pickled schema naming a function that moved).
        storage.close_opened()
        return False


def _read_into_memory(reader: IndexReader) -> None:
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


def _look_up_in_a_dict(terms: W3TermsReader, entries: dict[bytes, bytes]) -> None:
    """Answer a segment's term lookups from a dict of its whole term table.

    Whoosh walks an on-disk hash table in Python for each lookup (~20 us);
    a small table (a few thousand terms) is read whole in ~15 ms instead.
    """
    keycoder, decode = terms._keycoder, W3TermInfo.from_bytes

    def term_info(fieldname: str, tbytes: bytes) -> W3TermInfo:
        try:
            return decode(entries[keycoder(fieldname, tbytes)])
        except KeyError:
            raise TermNotFound(f"{fieldname}:{tbytes!r}") from None

    terms.term_info = term_info


def _length(dbfile: StructFile) -> int:
    dbfile.seek(0, os.SEEK_END)
    return dbfile.tell()


def _copy(dbfile: StructFile) -> BufferFile:
    """An in-memory copy of a (sub-)file of a segment."""
    size = _length(dbfile)
    dbfile.seek(0)
    data = dbfile.read(size)
    if len(data) != size:  # the segment file is shorter than its own table says
        raise IndexUnavailable(f"segment file truncated ({len(data)} of {size} bytes)")
    return BufferFile(data, name=getattr(dbfile, "_name", None))


def _cache_term_lookups(reader: IndexReader) -> None:
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

        def ranges_for_key(
            key: bytes,
            _lookup: Callable[[bytes], Iterable[Any]] = lookup,
            _found: dict[bytes, tuple] = found,
        ) -> Iterator[Any]:
            hit = _found.get(key)
            if hit is None:
                if len(_found) >= TERM_CACHE:
                    _found.clear()
                hit = _found[key] = tuple(_lookup(key))
            return iter(hit)

        table.ranges_for_key = ranges_for_key


def _term_info(reader: IndexReader, fieldname: str, text: str) -> W3TermInfo | None:
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


def _doc_frequency(reader: IndexReader, fieldname: str, text: str) -> int:
    """How many documents hold the term (from the remembered statistics)."""
    info = _term_info(reader, fieldname, text)
    return 0 if info is None else info.doc_frequency()


def _postings(reader: IndexReader, fieldname: str, text: str) -> tuple[array, array]:
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


def _read_postings(
    reader: IndexReader, fieldname: str, text: str
) -> tuple[array, array]:
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


# Whoosh keeps each document's field length as one byte in a column it reads
# from the file for every scored match (no mmap here, see _open): 40% of a
# broad search. A segment's column is a few kilobytes, so it is read once.
_LENGTH_OF_BYTE = [byte_to_length(b) or 1 for b in range(256)]


def _field_lengths(reader: IndexReader, fieldname: str) -> bytes | None:
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

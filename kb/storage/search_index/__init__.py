"""The Whoosh index: the only package in Jawab that imports Whoosh.

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
  candidates alone. Pasted paragraphs keep their ``MAX_TERMS`` rarest
  stems. Synonym phrases share one word's weight and score in titles and
  leads too; unknown run-together words are split ("paylater") and adjacent
  words an article writes as one are joined ("pay later"). These choices
  were measured on the dev sets for quality and time (see the docs).
* Each of the top candidates' score is scaled by its *coverage*: the
  IDF-weighted share of the query's informative words (concepts) it holds
  (:func:`searcher._concepts`); when no candidate holds the main concepts the
  hits are ``weak_match``.
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

Where things are
----------------
``schema.py``
    The fields, the analysers (words, stems, accent folding), stopwords,
    :data:`SCHEMA_VERSION` and :class:`IndexDocument` (what an article gives).
``building.py``
    :func:`update` (incremental by content hash, or a fresh build swapped in),
    the build lock, an article's stored sections and ``stems.json``.
``reading.py``
    Opening a folder (no mmap), :func:`exists`, and reading segments fast:
    term tables in memory, term statistics, postings and field lengths read
    once, the folder's state that tells a searcher to reopen.
``scoring.py``
    BM25F with its statistics looked up once, per-term score arrays, and the
    sums that find and re-score candidates.
``spelling.py``
    The vocabulary, edits and corrections, and run-together words split.
``searcher.py``
    :class:`Searcher`: plan a query, rank, search with snippets, suggest
    titles, correct and check that a correction covers one article.

A new ranking signal goes into the plan (``searcher.py``) if it is a term,
or into ``scoring.py`` if it changes how a term scores; a new field goes into
``schema.py`` and ``building.py`` together, with :data:`SCHEMA_VERSION` bumped.
Callers outside this package use only the names below, never a submodule's
underscored ones (``tests/project/test_layout.py``). Keeping Whoosh behind
this package means a switch to a fork (e.g. whoosh-reloaded) touches it alone.
"""

from __future__ import annotations

from kb.storage.search_index.building import (
    STEMS_FILE,
    WRITE_TIMEOUT,
    IndexBusy,
    UpdateReport,
    build_lock,
    stored_hashes,
    update,
)
from kb.storage.search_index.reading import IndexUnavailable, exists
from kb.storage.search_index.schema import (
    LANGS,
    SCHEMA_VERSION,
    IndexDocument,
    make_schema,
    stopwords,
)
from kb.storage.search_index.searcher import Hit, Hits, Reranker, Searcher

__all__ = [
    "LANGS",
    "SCHEMA_VERSION",
    "STEMS_FILE",
    "WRITE_TIMEOUT",
    "Hit",
    "Hits",
    "IndexBusy",
    "IndexDocument",
    "IndexUnavailable",
    "Reranker",
    "Searcher",
    "UpdateReport",
    "build_lock",
    "exists",
    "make_schema",
    "stopwords",
    "stored_hashes",
    "update",
]

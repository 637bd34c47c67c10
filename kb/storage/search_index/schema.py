"""The index schema and how text becomes terms: fields, analysers, stopwords.

Each language has its own fields, analysed its own way (Sastrawi stems for
Indonesian, Snowball for English, from :mod:`kb.storage.stemming`). Whoosh
pickles the schema into the index with its analysers, so a stem function is
pickled by reference (``kb.storage.stemming.stem_id``): renaming or moving one
makes every built index unreadable. Bump :data:`SCHEMA_VERSION` whenever the
fields or their analysis change; an index of another version is rebuilt.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from whoosh import analysis, fields
from whoosh.support.charset import accent_map

from kb.storage.stemming import STEMMERS, indonesian_stopwords

if TYPE_CHECKING:  # a type only: storage does not render Markdown
    from kb.markdown import Row

LANGS = ("id", "en")
# 5-6: sections with stem offsets replace the stored body; 7: and their tables' rows
SCHEMA_VERSION = "7"
# Every article's text (title, summary, headings, tags, body) is one field per
# language that decides what matches; the title and the "lead" (summary,
# headings, tags) are also indexed apart and add weighted score on top.
# One matcher per query stem instead of five keeps Whoosh fast.
TITLE_WEIGHT = 1.0  # a title match counts 1 + 1.0 times (measured: 2:1 beat 1:1, 5:1)
LEAD_WEIGHT = 0.5  # a summary/heading/tag match counts 1 + 0.5 times
SCORING_FIELDS = {"title": TITLE_WEIGHT, "lead": LEAD_WEIGHT}
_WORD = r"\w+"


def _exact_analyzer() -> analysis.Analyzer:
    return (
        analysis.RegexTokenizer(_WORD)
        | analysis.LowercaseFilter()
        | analysis.CharsetFilter(accent_map)
    )


def _analyzer(lang: str) -> analysis.Analyzer:
    # No Whoosh stem cache: STEMMERS keep their results in a dict already (and
    # the index keeps them, see building.STEMS_FILE); Whoosh's own (a pure-Python LFU)
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
    return list(_unique_words(text))


# A query's text is cut into words by its plan, its concepts, the correction
# and the check of a correction, and synonym phrases by every query that has
# them: Whoosh's tokenizer makes an object per word, so each text is cut once.
@functools.lru_cache(maxsize=1024)
def _unique_words(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t.text for t in _TOKENS(text)))


@functools.cache
def _stopwords(lang: str) -> frozenset[str]:
    words = indonesian_stopwords() if lang == "id" else frozenset(analysis.STOP_WORDS)
    return words | {STEMMERS[lang](w) for w in words}


def stopwords(lang: str) -> frozenset[str]:
    """The words (and their stems) that never decide a match in ``lang``."""
    return _stopwords(lang)


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
    # (anchor, heading, text, rows) per section (kb.markdown.Section; rows may
    # be left out); empty means one section of ``body``.
    sections: tuple[
        tuple[str | None, str, str] | tuple[str | None, str, str, tuple[Row, ...]],
        ...,
    ] = ()

"""Spelling: "did you mean" corrections and run-together words split in two.

Both come from the words the articles use (the unstemmed ``exact`` field):
a vocabulary of the words two or more articles use, kept per reader, and
candidate edits looked up in it. Stopwords are never offered.
"""

from __future__ import annotations

from collections.abc import Iterable

from whoosh.reading import IndexReader

from kb.storage.search_index.reading import _doc_frequency
from kb.storage.search_index.schema import LANGS, _stopwords, _words
from kb.storage.stemming import STEMMERS

MIN_SPLIT_PART = 3  # "pay later", never "p aylater"
MIN_CORRECTED = 4  # shorter words are abbreviations more often than typos
MIN_CORRECTION_DF = 2  # a correction is a word at least two articles use
MAX_CORRECTION_SHARE = 0.5  # ... and not one half of all articles use (stopword-like)


def _compound_splits(
    reader: IndexReader, words: Iterable[str]
) -> list[tuple[str, str]]:
    """Unknown run-together words split in two article words ("paylater").

    Customers glue words that articles keep apart (paylater, topup); each
    part must be a word at least two articles use. Yields (word, "two words").
    """
    found = []
    for word in words:
        if len(word) < 2 * MIN_SPLIT_PART or not word.isalpha():
            continue
        if _doc_frequency(reader, "exact", word):
            continue
        best = None
        for cut in range(MIN_SPLIT_PART, len(word) - MIN_SPLIT_PART + 1):
            left, right = word[:cut], word[cut:]
            df = min(
                _doc_frequency(reader, "exact", left),
                _doc_frequency(reader, "exact", right),
            )
            if df >= MIN_CORRECTION_DF and (best is None or df > best[0]):
                best = (df, f"{left} {right}")
        if best:
            found.append((word, best[1]))
    return found


def _max_edits(word: str) -> int:
    """Edits allowed when correcting ``word``: short words change meaning fast."""
    return 1 if len(word) <= 7 else 2


def _vocabulary(reader: IndexReader) -> dict[str, int]:
    """Word → document frequency of every word at least two articles use.

    Built once per reader: Whoosh's automaton search (``terms_within``) took
    ~130 ms per unknown word, a dictionary lookup per candidate edit takes µs.
    """
    cached = reader.__dict__.get("_jawab_vocabulary")
    if cached is None:
        cached = {}
        for raw, info in reader.iter_field("exact"):
            word = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            df = info.doc_frequency()
            if df >= MIN_CORRECTION_DF and word.isalpha():
                cached[word] = df
        reader.__dict__["_jawab_vocabulary"] = cached
    return cached


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _edits1(word: str) -> set[str]:
    """Every string one deletion, transposition, substitution or insertion away."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return {
        *(a + b[1:] for a, b in splits if b),
        *(a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1),
        *(a + c + b[1:] for a, b in splits if b for c in _LETTERS),
        *(a + c + b for a, b in splits for c in _LETTERS),
    }


def _distance(a: str, b: str) -> int:
    """Optimal-string-alignment (Damerau-Levenshtein) distance."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], prev2[j - 2] + 1)
        prev2, prev = prev, row
    return prev[-1]


def _within(vocabulary: dict[str, int], word: str, distance: int) -> list[str]:
    if distance == 1:
        return [w for w in _edits1(word) if w in vocabulary]
    # Two edits: compare with the words of a similar length and first letter
    # (misspellings rarely change the first letter).
    return [
        w
        for w in vocabulary
        if w[0] == word[0]
        and abs(len(w) - len(word)) <= distance
        and _distance(w, word) == distance
    ]


def _correct_word(reader: IndexReader, word: str, langs: Iterable[str]) -> str | None:
    """The most frequent close, content-bearing article word for ``word``."""
    stop = frozenset().union(*(_stopwords(lang) for lang in LANGS))
    total = max(1, reader.doc_count())
    vocabulary = _vocabulary(reader)
    for distance in range(1, _max_edits(word) + 1):
        options = []
        for option in _within(vocabulary, word, distance):
            if option == word or option in stop:
                continue
            df = vocabulary[option]
            # Frequent enough to be the articles' own word, not so frequent
            # that it says nothing (stopword-like), and in a searched language.
            if df > MAX_CORRECTION_SHARE * total:
                continue
            if not any(
                (f"content_{lang}", STEMMERS[lang](option)) in reader for lang in langs
            ):
                continue
            options.append((-df, option))
        if options:
            return min(options)[1]
    return None


def _corrected(
    reader: IndexReader, text: str, langs: Iterable[str], known: set[str]
) -> str | None:
    """``text`` with its unknown words corrected (see :meth:`Searcher.correction`)."""
    changed, words = False, []
    for word in _words(text):
        fixed = None
        if len(word) >= MIN_CORRECTED and word.isalpha() and word not in known:
            if not _doc_frequency(reader, "exact", word):
                fixed = _correct_word(reader, word, tuple(langs))
        changed = changed or fixed is not None
        words.append(fixed or word)
    return " ".join(words) if changed else None

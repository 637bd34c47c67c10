"""Stemming for the search index: Sastrawi for Indonesian, Snowball for English.

Whoosh pickles the schema, analyzers included, into the index. A stem function
must therefore be a plain module-level function (pickled as a reference): a
lambda cannot be pickled, and a bound Sastrawi method would pickle its whole
dictionary. The stemmers themselves are created lazily and results kept.

Why Sastrawi: on the Indonesian dev set it scored best (nDCG@10 0.7295 vs 0.7254
for Snowball's Indonesian and 0.7136 unstemmed), because Snowball does not restore
the letter a meN-/peN- prefix swallows (``pengiriman`` → ``irim`` but ``kirimkan``
→ ``kirim``) and conflates unrelated words (``bertanya`` → ``berta``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

# Sastrawi 1.2.1 over-stems some everyday customer-service words; these win.
SASTRAWI_EXCEPTIONS = {
    "penarikan": "tarik",  # Sastrawi: tari (dance)
    "penarikannya": "tarik",
    "tarikan": "tarik",
    "pemesanan": "pesan",  # Sastrawi: mesan
    "pemesanannya": "pesan",
    "pengecekan": "cek",  # Sastrawi: kece
    "penanya": "tanya",  # Sastrawi: pena (pen)
    # Sastrawi: baik (good) — but "repair" is not "good"
    "perbaikan": "perbaiki",
    "memperbaiki": "perbaiki",
    "diperbaiki": "perbaiki",
}


@cache
def _sastrawi() -> Any:
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    # The delegated stemmer has no cache of its own; lru_cache below is ours.
    return StemmerFactory().create_stemmer().delegatedStemmer


@cache
def _snowball_en() -> Any:
    import snowballstemmer

    return snowballstemmer.stemmer("english")


MEMO_LIMIT = 200_000  # stems kept per language and process
# Sastrawi takes ~0.1 ms a word and Snowball ~0.05 ms, so a worker's first
# searches spent more time stemming than searching; the index keeps the stems
# of its articles' words (search_index.STEMS_FILE) and a worker starts with
# them (remember_stems).
_STEMS: dict[str, dict[str, str]] = {"id": {}, "en": {}}


def _memo(lang: str, word: str, compute: Callable[[str], str]) -> str:
    memo = _STEMS[lang]
    found = memo.get(word)
    if found is None:
        found = compute(word)
        if len(memo) >= MEMO_LIMIT:
            memo.clear()
        memo[word] = found
    return found


def stem_id(word: str) -> str:
    """The Indonesian root of a lower-case word (exceptions first)."""
    return _memo("id", word, _stem_id)


def _stem_id(word: str) -> str:
    fixed = SASTRAWI_EXCEPTIONS.get(word)
    if fixed is not None:
        return fixed
    if not word.isalpha():  # numbers, order codes, mixed tokens stay as typed
        return word
    return _sastrawi().stem(word) or word


def stem_en(word: str) -> str:
    """The English (Snowball) stem of a lower-case word."""
    return _memo("en", word, _stem_en)


def _stem_en(word: str) -> str:
    return _snowball_en().stemWord(word)


def remembered_stems(lang: str) -> Mapping[str, str]:
    """Every stem of ``lang`` this process has computed or been given."""
    return _STEMS[lang]


def remember_stems(lang: str, stems: Mapping[str, str]) -> None:
    """Take stems computed elsewhere (by the process that built the index)."""
    memo = _STEMS[lang]
    room = MEMO_LIMIT - len(memo)
    for word, stem in stems.items():
        if room <= 0:
            return
        if word not in memo:
            memo[word] = stem
            room -= 1


STEMMERS: dict[str, Callable[[str], str]] = {"id": stem_id, "en": stem_en}


@cache
def indonesian_stopwords() -> frozenset[str]:
    """Sastrawi's general Indonesian stopword list."""
    from Sastrawi.StopWordRemover.StopWordRemoverFactory import StopWordRemoverFactory

    return frozenset(StopWordRemoverFactory().get_stop_words())

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
from functools import cache, lru_cache

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
def _sastrawi():
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    # The delegated stemmer has no cache of its own; lru_cache below is ours.
    return StemmerFactory().create_stemmer().delegatedStemmer


@cache
def _snowball_en():
    import snowballstemmer

    return snowballstemmer.stemmer("english")


MEMO_LIMIT = 200_000  # Indonesian stems kept per process
# Sastrawi takes ~0.1 ms a word, so a worker's first searches spent more time
# stemming than searching; the index keeps the stems of its articles' words
# (search_index.STEMS_FILE) and a worker starts with them (remember_id_stems).
_ID_STEMS: dict[str, str] = {}


def stem_id(word: str) -> str:
    """The Indonesian root of a lower-case word (exceptions first)."""
    found = _ID_STEMS.get(word)
    if found is None:
        found = _stem_id(word)
        if len(_ID_STEMS) >= MEMO_LIMIT:
            _ID_STEMS.clear()
        _ID_STEMS[word] = found
    return found


def _stem_id(word: str) -> str:
    fixed = SASTRAWI_EXCEPTIONS.get(word)
    if fixed is not None:
        return fixed
    if not word.isalpha():  # numbers, order codes, mixed tokens stay as typed
        return word
    return _sastrawi().stem(word) or word


def remembered_id_stems() -> Mapping[str, str]:
    """Every Indonesian stem this process has computed or been given."""
    return _ID_STEMS


def remember_id_stems(stems: Mapping[str, str]) -> None:
    """Take stems computed elsewhere (by the process that built the index)."""
    room = MEMO_LIMIT - len(_ID_STEMS)
    if room <= 0:
        return
    for word, stem in stems.items():
        if word not in _ID_STEMS:
            _ID_STEMS[word] = stem
            room -= 1
            if not room:
                return


@lru_cache(maxsize=200_000)
def stem_en(word: str) -> str:
    """The English (Snowball) stem of a lower-case word."""
    return _snowball_en().stemWord(word)


STEMMERS: dict[str, Callable[[str], str]] = {"id": stem_id, "en": stem_en}


@cache
def indonesian_stopwords() -> frozenset[str]:
    """Sastrawi's general Indonesian stopword list."""
    from Sastrawi.StopWordRemover.StopWordRemoverFactory import StopWordRemoverFactory

    return frozenset(StopWordRemoverFactory().get_stop_words())

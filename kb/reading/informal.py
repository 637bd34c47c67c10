"""Informal text as people write it, read into standard words.

A post is cut into :class:`Token`\\ s (words, numbers, codes, URLs, handles,
hashtags, emoji, punctuation). Each word is *folded* (lower case, elongations
collapsed: "bangettt" → "banget", "pleaseee" → "please", the reduplication digit
dropped: "masuk2" → "masuk") and then *expanded* to its standard form: Indonesian
chat words through the IndoCollex informal→formal dictionary and Jawab's
supplement ("udh" → "sudah", "nyampe" → "sampai"), English contractions and chat
abbreviations ("don't" → "do not", "pls" → "please"). The Indonesian dictionary
is applied only to a post read as Indonesian or code-mixed, the English one only
to a post read as English or code-mixed, so "in", "it" or "bang" in an English
sentence stay English (the dictionary's English entries are also left out; see
kb/data/README.md).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import NamedTuple

from kb.reading import data, personal_data

# Emoji: pictographs, dingbats and symbols, with their joiners and modifiers.
_EMOJI = (
    "[\U0001f000-\U0001faff\u2600-\u27bf\u2300-\u23ff\u2b00-\u2bff\u3030\u303d"
    "\u3297\u3299][\ufe0f\u200d\U0001f3fb-\U0001f3ff\u20e3"
    "\U0001f000-\U0001faff\u2600-\u27bf]*"
)
# Alternatives in order of how often they occur (the first that matches wins).
_TOKEN = re.compile(
    r"(?P<word>[^\W\d_]{1,2}\*+[^\W\d_]*(?![\w*])"  # a swear word starred out
    r"|[^\W\d_]+(?:['’][^\W\d_]+)*(?:-[^\W\d_]+)*2?(?!\w))"
    r"|(?P<punct>[!?]+|[.,;:]+)"
    r"|(?P<number>\d+(?:[.,:/-]\d+)*(?:[^\W\d_]{1,3}\b)?)"
    r"|(?P<code>\w*\d\w*)"
    r"|(?P<handle>@[\w.]*\w)"
    r"|(?P<hashtag>#[^\W\d_]\w*)"
    r"|(?P<data>\[[a-z_]+\])"
    rf"|(?P<emoji>{_EMOJI})"
    r"|(?P<other>[^\w\s])"
)
# The regex group that matched -> the token's kind ("other" is punctuation too).
_KIND = {k: k for k in ("word", "number", "code", "handle", "hashtag", "data", "emoji")}
_ELONGATED = re.compile(r"([^\W\d_])\1{2,}")
_CONTRACTION = re.compile(r"^([a-z]+)'([a-z]+)$")
_SUFFIXES = {"re": "are", "ve": "have", "m": "am", "ll": "will", "d": "would"}
_IS = {"it", "that", "what", "where", "how", "there", "here", "who", "he", "she"}
_NOT = {
    "can't": "cannot",
    "won't": "will not",
    "ain't": "is not",
    "shan't": "shall not",
}


class Token(NamedTuple):
    """One piece of a post: ``kind`` is word, number, code, url, handle, hashtag,
    data (a ``[kind]`` placeholder), emoji or punct."""

    text: str
    kind: str
    start: int
    end: int


def tokens(
    text: str, whole: Iterable[tuple[int, int, str]] | None = None
) -> tuple[Token, ...]:
    """``text`` cut into tokens (spaces dropped).

    ``whole``: spans that are one token each, as ``(start, end, kind)``. By
    default, the text is NFKC-normalised and its URLs, amounts, dates and times
    are found (:func:`kb.reading.personal_data.scan`): a URL is one token, an
    amount, date or time ("Rp 1.500.000", "08.00-17.00") one number.
    """
    if whole is None:
        text = unicodedata.normalize("NFKC", text)
        whole = personal_data.scan(text).kept
    out: list[Token] = []
    position = 0
    for start, end, kind in sorted(whole):
        if start < position:
            continue
        out.extend(_scan(text, position, start))
        out.append(Token(text[start:end], kind, start, end))
        position = end
    out.extend(_scan(text, position, len(text)))
    return tuple(out)


def _scan(text: str, start: int, end: int) -> list[Token]:
    return [
        Token(m.group(), _KIND.get(m.lastgroup or "", "punct"), m.start(), m.end())
        for m in _TOKEN.finditer(text, start, end)
    ]


def known(word: str) -> bool:
    """True for a word of either language's frequency list or dictionaries."""
    return (
        word in data.frequencies()
        or word in data.informal_id()
        or word in data.informal_en()
    )


@lru_cache(maxsize=8192)
def fold(word: str) -> str:
    """A word lower-cased, elongations collapsed, a reduplication "2" dropped."""
    word = word.casefold().replace("’", "'")
    if word.endswith("2") and len(word) > 3:
        word = word[:-1]
    if _ELONGATED.search(word):
        candidates = [_ELONGATED.sub(r"\1\1", word), _ELONGATED.sub(r"\1", word)]
        found = [c for c in candidates if known(c)]
        word = max(found, key=_frequency) if found else candidates[1]
    if not known(word) and len(word) > 3 and word[-1] == word[-2]:
        shorter = word[:-1]  # "ajaa", "pagii", "pliss"
        if known(shorter):
            word = shorter
    return word


@lru_cache(maxsize=8192)
def expand(word: str, *, indonesian: bool = True, english: bool = True) -> str:
    """The standard form of a folded word (maybe several words), or the word."""
    if "'" in word and english:
        return _uncontract(word)
    if english and word in data.informal_en():
        return data.informal_en()[word]
    if indonesian and word in data.informal_id():
        return data.informal_id()[word]
    return word


def normalise(text: str, lang: str | None = None, mixed: bool = False) -> str:
    """``text`` as standard words, lower case, one space apart (for search).

    ``lang`` chooses which dictionary applies ("id", "en"; both when None or
    ``mixed``). Only words and numbers are kept.
    """
    indonesian = lang in (None, "id") or mixed
    english = lang in (None, "en") or mixed
    words = []
    for token in tokens(text):
        if token.kind == "word":
            words.append(
                expand(fold(token.text), indonesian=indonesian, english=english)
            )
        elif token.kind in ("number", "code"):
            words.append(token.text.lower())
    # "it's been" is "it has been"; the contraction alone cannot tell.
    return " ".join(" ".join(words).split()).replace(" is been", " has been")


def _frequency(word: str) -> float:
    en, id_ = data.zipf(word)
    return max(en, id_) + (5.0 if word in data.informal_id() else 0.0)


def _uncontract(word: str) -> str:
    if word in _NOT:
        return _NOT[word]
    if word.endswith("n't"):
        return word[:-3] + " not"
    m = _CONTRACTION.match(word)
    if not m:
        return word
    base, suffix = m.groups()
    if suffix in _SUFFIXES:
        return f"{base} {_SUFFIXES[suffix]}"
    if suffix == "s":
        if base in _IS:
            return f"{base} is"
        return "let us" if base == "let" else base  # a possessive: the owner
    return word

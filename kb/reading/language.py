"""Which language a short informal post is in: Indonesian or English, or both.

Each word is evidence for one language by how much more often it is used in it:
the difference of its Zipf frequencies in English and Indonesian (wordfreq,
kb/data/wordfreq-en-id.tsv), capped at :data:`CAP` so one word cannot outvote a
sentence. A word neither list knows counts for Indonesian when it is an entry of
the Indonesian chat dictionary ("gue", "udh") and for English when it is an
English chat abbreviation ("pls"). Words are folded first ("bangettt" →
"banget"), and the chat words are read in their standard form too ("nyampe" →
"sampai"), whichever is the stronger evidence.

A word counts as *clearly* one language when its evidence is at least
:data:`CLEAR`; the language with more clear words is the dominant one (with as
many of each, the evidence summed decides). A post is ``mixed`` when
the other language has at least two clear words, or one that is a third of all
clear words ("paket gue belum dateng, so disappointed"). With less than
:data:`WEAK` evidence in all (a post of names, numbers and emoji), the hint (the
agent's UI language) decides.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from kb.reading import data
from kb.reading.informal import Token, expand, fold, tokens

CAP = 3.0  # Zipf points: a thousand times more frequent in one language
CLEAR = 1.5  # ~30 times more frequent in one language: a clear word of it
WEAK = 1.5  # below this much evidence in all, the post says too little


@dataclass(frozen=True)
class Language:
    """The dominant language ("id" or "en"), whether both are used, and how sure."""

    lang: str
    mixed: bool
    confidence: float


def detect(text: str, hint: str | None = None) -> Language:
    """The language of a short post; ``hint`` decides when the evidence is weak."""
    return detect_tokens(tokens(text), hint)


def detect_tokens(toks: Iterable[Token], hint: str | None = None) -> Language:
    """:func:`detect` over tokens already cut by :func:`kb.reading.informal.tokens`."""
    total = 0.0
    clear = {"id": 0, "en": 0}
    for token in toks:
        if token.kind != "word" or len(token.text) < 2:
            continue
        e = evidence(fold(token.text))
        total += e
        if abs(e) >= CLEAR:
            clear["id" if e > 0 else "en"] += 1
    if abs(total) < WEAK and clear["id"] == clear["en"] and hint in ("id", "en"):
        lang = hint
    elif clear["id"] != clear["en"]:
        lang = "id" if clear["id"] > clear["en"] else "en"
    else:
        lang = "id" if total > 0 or (total == 0 and hint != "en") else "en"
    other = clear["en" if lang == "id" else "id"]
    both = clear["id"] + clear["en"]
    mixed = other >= 2 or (other == 1 and both <= 3)
    confidence = 1 / (1 + math.exp(-abs(total) / 2))
    return Language(lang, mixed, round(confidence, 3))


@lru_cache(maxsize=8192)
def evidence(word: str) -> float:
    """How much a folded word says Indonesian (> 0) or English (< 0)."""
    best = _zipf_evidence(word)
    chat_id, chat_en = data.informal_id(), data.informal_en()
    if word in chat_id:
        standard = [_zipf_evidence(w) for w in expand(word, english=False).split()]
        best = max([best, CLEAR, *standard], key=abs) if best > -CLEAR else best
    if word in chat_en and best < CLEAR:
        best = min(best, -CLEAR)
    return best


def _zipf_evidence(word: str) -> float:
    en, id_ = data.zipf(word)
    return max(-CAP, min(CAP, id_ - en))

"""Reading a customer's public post: its language, whether it asks, complains or
only thanks, how heated it is, the personal data it exposes, and what to search for.

One call does it all, with no I/O but the lazily loaded data files (kb/data/,
described in kb/data/README.md)::

    from kb import reading
    r = reading.read("udah seminggu paket gue belum nyampe, CS lelet!!")
    r.lang, r.complaint, r.heated, r.private    # "id", True, True, True
    r.thanks                                    # False (it complains)
    r.query                                     # "sudah seminggu paket belum sampai"

The parts are usable alone: :mod:`kb.reading.personal_data` (the project's one
personal-data detector), :mod:`kb.reading.informal` (normalising chat language),
:mod:`kb.reading.language` and :mod:`kb.reading.situation`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from kb.reading import personal_data
from kb.reading.informal import Token, tokens
from kb.reading.language import detect_tokens
from kb.reading.situation import Matches, Word, assess, numbered, words

MAX_LENGTH = 5_000
# Categories of the lexicon (kb/data/reading-lexicon.yml) that never help a search.
# The name of a number, and the kinds of data whose noun names the topic too.
_NUMBER_WORDS = frozenset({"nomor", "no", "number"})
_TOPICAL = frozenset({"tracking"})
_NOT_SEARCHED = ("greeting", "vocative", "filler", "pronoun", "polite")
_HEAT = ("insult", "profanity", "strong", "threat")
_LAUGHTER = re.compile(r"^(?:[wk]{2,}|(?:h[aeiu]){2,}h?|(?:[aeiu]h){2,}|xixi\w*|lo+l)$")


@dataclass(frozen=True)
class Reading:
    """What a post says about itself, for the agent and for the composer.

    ``private``: the case should continue privately (the post is heated or
    exposes personal data). ``thanks``: the post thanks or praises and neither
    asks nor complains. ``query``: the text to search the knowledge base with.
    """

    lang: str
    mixed: bool
    confidence: float
    question: bool
    complaint: bool
    thanks: bool
    heated: bool
    heat: float
    signals: tuple[str, ...]
    personal_data: tuple[str, ...]
    private: bool
    query: str


def read(text: str, *, lang: str | None = None) -> Reading:
    """Read a post; ``lang`` (the agent's UI language) decides a post too short
    to tell. Raises ValueError for a post over :data:`MAX_LENGTH` characters."""
    if len(text) > MAX_LENGTH:
        raise ValueError(f"A post is at most {MAX_LENGTH:,} characters.")
    text = unicodedata.normalize("NFKC", text)
    seen = personal_data.scan(text)
    found = seen.found
    kinds = tuple(k for k in personal_data.KINDS if any(f.kind == k for f in found))
    toks = tokens(text, [*seen.kept, *((f.start, f.end, "data") for f in found)])
    language = detect_tokens(toks, lang)
    ws = words(toks, language.lang, language.mixed)
    matches = Matches(ws)
    s = assess(toks, ws, matches)
    return Reading(
        lang=language.lang,
        mixed=language.mixed,
        confidence=language.confidence,
        question=s.question,
        complaint=s.complaint,
        thanks=s.thanks,
        heated=s.heated,
        heat=s.heat,
        signals=s.signals,
        personal_data=kinds,
        private=s.heated or bool(kinds),
        query=_query(toks, ws, matches, {f.start: f.kind for f in found}),
    )


def _labels(toks: Sequence[Token], ws: list[Word], data: dict[int, str]) -> set[int]:
    """The words (indices into ``ws``) that only label the personal data right
    after them: "nomor" ("no pesanan 2411…") and the name of a contact or an
    account ("hp 0812…"), which say what the post exposes, not what it is
    about ("nomor … hp" found the article on changing a phone number for a
    late parcel). A tracking number's "resi" stays a topic; "pesanan" and
    "order" are in nearly every article and would pick one by chance.
    ``data``: each personal data's kind by where it starts."""
    labels: set[int] = set()
    for j, word in enumerate(ws):
        after = word.token + 1
        if after >= len(toks) or toks[after].kind != "data":
            continue
        if word.folded in numbered():  # "hp 0812…", "pesanan 2411…"
            if data.get(toks[after].start) not in _TOPICAL:
                labels.add(j)
            j, after = j - 1, word.token  # and the "no" before it
            if j < 0 or ws[j].token + 1 != after:
                continue
        if ws[j].folded in _NUMBER_WORDS:
            labels.add(j)
    return labels


def _query(
    toks: Sequence[Token], ws: list[Word], m: Matches, data: dict[int, str]
) -> str:
    """The post's topic words in standard form: what to search the knowledge base for.

    Greetings, addressees, fillers, pronouns, politeness, insults and other heat
    words are dropped (but words naming the topic, like "penipuan", stay), and so
    is a clause of nothing but an addressee and heat words ("CS lelet!!"); numbers
    stay only in a duration ("3 hari"). Personal data, URLs, handles, hashtags and
    emoji are never words.
    """
    positions: dict[int, list[int]] = {}  # index into ws -> positions in m.standard
    for p, (_, i) in enumerate(m.standard):
        positions.setdefault(i, []).append(p)
    drop: set[int] = set()  # positions in m.standard
    heat: set[int] = set()  # indices into ws
    for category in (*_NOT_SEARCHED, *_HEAT):
        for _, s, e in m.at(category):
            if category in _HEAT:
                heat.update(range(s, e + 1))
            for i in range(s, e + 1):
                drop.update(positions.get(i, ()))
    for i in _labels(toks, ws, data):
        drop.update(positions.get(i, ()))
    topic = {i for _, s, e in m.at("topic") for i in range(s, e + 1)}
    addressed = {i for _, s, e in m.at("addressee") for i in range(s, e + 1)}
    clauses: dict[int, list[int]] = {}
    for i, w in enumerate(ws):
        clauses.setdefault(w.clause, []).append(i)
    for clause in {ws[i].clause for i in heat}:
        members = clauses[clause]
        if all(
            i in heat or i in addressed or all(p in drop for p in positions.get(i, ()))
            for i in members
        ):
            for i in members:
                drop.update(positions.get(i, ()))
    units = m.starts("duration_unit")
    out: list[str] = []
    for p, (word, i) in enumerate(m.standard):
        if (p in drop and i not in topic) or _LAUGHTER.match(word):
            continue
        if word == "#":
            if i + 1 not in units:
                continue
            word = ws[i].text
        if not out or out[-1] != word:
            out.append(word)
    return " ".join(out)

"""What a post does: ask, complain, thank, and how heated it is.

The post's words are read twice, as typed (folded: "nyampeee" → "nyampe") and in
standard form ("sampai"), against Jawab's lexicon of complaint language in both
languages (kb/data/reading-lexicon.yml). Clauses are cut at punctuation and at
"tapi/padahal/but"; words after a condition ("kalau", "if") or in a question
about what is allowed ("boleh …?", "can I …?") are hypothetical and report
nothing.

A post **complains** when it reports a problem: a problem word ("rusak",
"wrong"), something expected that did not happen (a negation before "sampai",
"masuk", "arrived"…), a state that persists ("masih menunggu", "still
processing"), a wait ("udah seminggu", "for two weeks"), an annoyed or angry
emoji, or heat of at least :data:`HEATED`.

A post **thanks** when it thanks or praises ("makasih", "tengkyu", "thx",
"mantul", "puas", "the best", "love it"; not negated: "no thanks", "gak puas")
and neither asks nor complains: no question, no request ("tolong", "mohon",
"please", "thanks in advance"; not inside a longer polite phrase such as "mohon
maaf") and no complaint. "kak cara bayar gimana? makasih" asks; "makasih ya tapi
paket belum sampai" complains.

**Heat** adds up the signals below (weights in :data:`WEIGHTS`), minus
:data:`POLITE` when the post is polite ("mohon", "tolong", "please", 🙏), within
0..1; the post is **heated** at :data:`HEATED` or more. An insult, or a swear word
in a complaint, is enough alone; a strong word ("kecewa", "worst") with a wait or
an exclamation run is too; exclamation marks alone, or a wait alone, are not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from kb.reading import data
from kb.reading.data import Phrase
from kb.reading.informal import Token, expand, fold, known

HEATED = 0.5
POLITE = 0.1
WEIGHTS = {
    "exclamations": 0.15,  # a run of "!!"; 0.25 with "!!!" or two runs
    "question_marks": 0.1,  # a run of "??"
    "shouting": 0.3,  # two or more ordinary words in capitals, or mostly capitals
    "emphasis": 0.1,  # one ordinary word in capitals ("fix this NOW")
    "insult": 0.5,
    "profanity": 0.3,  # 0.5 in a post that complains
    "strong_words": 0.3,  # each, up to two
    "threat": 0.3,  # to go viral, report, sue, uninstall
    "waiting": 0.2,
    "angry_emoji": 0.4,  # 0.5 with two or more
    "annoyed_emoji": 0.1,  # 0.15 with two or more
}
_CLAUSE_WORDS = {"tapi", "tetapi", "padahal", "namun", "but", "however", "although"}


@dataclass(frozen=True)
class Situation:
    """Whether a post asks, complains or only thanks, its heat (0..1) and the
    heat's signals."""

    question: bool
    complaint: bool
    heated: bool
    heat: float
    signals: tuple[str, ...]
    thanks: bool


class Word(NamedTuple):
    """One word of a post as typed, folded, and in standard form."""

    token: int  # index into the post's tokens
    text: str
    folded: str
    standard: tuple[str, ...]
    sentence: int
    clause: int


@cache
def numbered() -> frozenset[str]:
    """Nouns before which an Indonesian "no" stands for "nomor" ("no resi")."""
    return frozenset(p[0] for p in data.lexicon()["numbered"] if len(p) == 1)


def _next_word(toks: Sequence[Token], i: int) -> str:
    """The folded word right after ``toks[i]`` ("" when a word does not follow)."""
    following = toks[i + 1] if i + 1 < len(toks) else None
    return fold(following.text) if following and following.kind == "word" else ""


def words(toks: Sequence[Token], lang: str, mixed: bool) -> list[Word]:
    """The post's words (numbers too) with their sentence and clause."""
    out: list[Word] = []
    sentence = clause = 0
    indonesian, english = lang == "id" or mixed, lang == "en" or mixed
    numbered_nouns = numbered()
    for i, token in enumerate(toks):
        if token.kind == "punct":
            if any(c in token.text for c in ".!?"):
                sentence += 1
            clause += 1
            continue
        if token.kind in ("number", "code"):
            out.append(Word(i, token.text, "#", ("#",), sentence, clause))
        elif token.kind == "word":
            folded = fold(token.text)
            if folded in _CLAUSE_WORDS:
                clause += 1
            standard = expand(folded, indonesian=indonesian, english=english)
            if folded == "no" and indonesian and _next_word(toks, i) in numbered_nouns:
                # "no resi", "no pesanan": the number, not English "no" (which
                # would read "no resi udah sampai" as a complaint), as typed
                # and in standard form (the lexicon is matched on both).
                folded = standard = "nomor"
            out.append(
                Word(i, token.text, folded, tuple(standard.split()), sentence, clause)
            )
        elif i and "\n" in token.text:
            sentence += 1
    return out


def read(toks: Sequence[Token], lang: str, mixed: bool) -> Situation:
    """The situation of a post already cut into tokens."""
    ws = words(toks, lang, mixed)
    return assess(toks, ws, Matches(ws))


def assess(toks: Sequence[Token], ws: list[Word], matches: Matches) -> Situation:
    """The situation of a post from its tokens, words and lexicon matches."""
    hypothetical = _hypothetical(ws, toks, matches)
    evidence = _problems(ws, matches, hypothetical)
    signals: dict[str, float] = {}
    _punctuation(toks, signals)
    _capitals(toks, ws, signals)
    for category in ("insult", "profanity", "threat"):
        if matches.found(category):
            signals[category] = WEIGHTS[category]
    strong = len(matches.found("strong_words"))
    if strong:
        signals["strong_words"] = WEIGHTS["strong_words"] * min(strong, 2)
    if _waiting(ws, matches):
        signals["waiting"] = WEIGHTS["waiting"]
    _emoji(toks, signals)
    complaint = (
        bool(evidence)
        or "waiting" in signals
        or any(k in signals for k in ("angry_emoji", "annoyed_emoji"))
    )
    if "profanity" in signals and complaint:
        signals["profanity"] = WEIGHTS["insult"]
    polite = bool(matches.found("polite")) or any("🙏" in t.text for t in toks)
    heat = max(0.0, min(1.0, sum(signals.values()) - (POLITE if polite else 0.0)))
    heat = round(heat, 2)
    complaint = complaint or heat >= HEATED
    question = _question(ws, toks, matches)
    return Situation(
        question=question,
        complaint=complaint,
        heated=heat >= HEATED,
        heat=heat,
        signals=tuple(signals),
        thanks=not (question or complaint or _asks(matches))
        and _thanked(ws, matches, hypothetical),
    )


# -- matching phrases -----------------------------------------------------------


@cache
def _index() -> dict[str, tuple[tuple[str, Phrase], ...]]:
    """Every category's phrases by first word: (category, phrase), longest first."""
    index: dict[str, list[tuple[str, Phrase]]] = {}
    lexicon = data.lexicon()
    for category, phrases in lexicon.phrases.items():
        for phrase in phrases:
            index.setdefault(phrase[0], []).append((category, phrase))
    return {
        k: tuple(sorted(v, key=lambda cp: len(cp[1]), reverse=True))
        for k, v in index.items()
    }


class Matches:
    """Where the lexicon's phrases occur in a post, as typed and in standard form.

    Both readings are scanned once, for every category at a time; at each word
    the longest phrase of a category wins.
    """

    def __init__(self, ws: list[Word]) -> None:
        self.ws = ws
        # Two readings, each a list of (word, index into ws).
        self.typed = [(w.folded, i) for i, w in enumerate(ws)]
        self.standard = [(s, i) for i, w in enumerate(ws) for s in w.standard]
        index = _index()
        found: dict[str, dict[tuple[int, int], Phrase]] = {}
        for seq in (self.typed, self.standard):
            words_ = [w for w, _ in seq]
            for pos, word in enumerate(words_):
                candidates = index.get(word)
                if not candidates:
                    continue
                done: set[str] = set()
                for category, phrase in candidates:
                    n = len(phrase)
                    if category in done or tuple(words_[pos : pos + n]) != phrase:
                        continue
                    done.add(category)
                    span = (seq[pos][1], seq[pos + n - 1][1])
                    found.setdefault(category, {}).setdefault(span, phrase)
        self._at = {
            category: [(p, s, e) for (s, e), p in sorted(spans.items())]
            for category, spans in found.items()
        }
        self._starts: dict[str, dict[int, int]] = {}

    def at(self, category: str) -> list[tuple[Phrase, int, int]]:
        """(phrase, first word, last word) for each occurrence, indices into ws."""
        return self._at.get("strong" if category == "strong_words" else category, [])

    def found(self, category: str) -> set[Phrase]:
        """The distinct phrases of a category in the post."""
        return {p for p, _, _ in self.at(category)}

    def starts(self, category: str) -> dict[int, int]:
        """First word -> last word of each occurrence of the category."""
        if category not in self._starts:
            self._starts[category] = {s: e for _, s, e in self.at(category)}
        return self._starts[category]


# -- complaint ------------------------------------------------------------------


def _hypothetical(ws: list[Word], toks: Sequence[Token], m: Matches) -> frozenset[int]:
    """The words that report nothing: after a condition, or in a permission question."""
    out: set[int] = set()
    conditional = m.starts("conditional")
    clause = -1
    inside = False
    for i, w in enumerate(ws):
        if w.clause != clause:
            clause, inside = w.clause, False
        inside = inside or i in conditional
        if inside:
            out.add(i)
    asked = _asked_sentences(ws, toks)
    permitted = {ws[s].sentence for _, s, _ in m.at("permission")} & asked
    out.update(i for i, w in enumerate(ws) if w.sentence in permitted)
    return frozenset(out)


def _asked_sentences(ws: list[Word], toks: Sequence[Token]) -> set[int]:
    """The sentences that end with a question mark."""
    sentence_of = {w.token: w.sentence for w in ws}
    asked = set()
    last = None
    for i, token in enumerate(toks):
        if i in sentence_of:
            last = sentence_of[i]
        elif token.kind == "punct" and "?" in token.text and last is not None:
            asked.add(last)
    return asked


def _problems(ws: list[Word], m: Matches, hypothetical: frozenset[int]) -> list[str]:
    """The problems the post reports, as the words that say so."""
    found: list[str] = []
    asked_about = {e for _, _, e in m.at("problem_after_question")}
    for phrase, s, _ in m.at("problem"):
        if s in hypothetical or s - 1 in asked_about or (s and ws[s - 1].folded == "i"):
            continue
        found.append(" ".join(phrase))
    expected = m.starts("expected")
    pending = m.starts("pending")
    for _, s, e in m.at("negation"):
        if s in hypothetical:
            continue
        near = range(e + 1, min(e + 4, len(ws)))
        if any(j in expected and ws[j].clause == ws[s].clause for j in near):
            found.append(ws[s].folded)
    for _, s, e in m.at("persist"):
        near = range(e + 1, min(e + 4, len(ws)))
        if s not in hypothetical and any(j in pending for j in near):
            found.append(ws[s].folded)
    return found


def _waiting(ws: list[Word], m: Matches) -> bool:
    """A wait: "udah seminggu", "3 hari belum", "for two weeks", "dari kemarin"."""
    units = m.starts("duration_unit")
    numbers = m.starts("number_word")
    since = {e for _, _, e in m.at("since")}
    persisting = {ws[s].sentence for _, s, _ in m.at("negation") + m.at("persist")}
    after = m.starts("since_after")
    for i, w in enumerate(ws):
        end = None
        if w.folded == "#" or i in numbers:
            j = numbers.get(i, i) + 1
            if j in units:
                end = units[j]
        elif i in m.starts("duration_word"):
            end = m.starts("duration_word")[i]
        if end is not None and (
            i - 1 in since
            or i - 2 in since
            or any(j in after for j in range(end + 1, end + 3))
            or w.sentence in persisting
        ):
            return True
    for _, s, _ in m.at("since_when"):
        if ws[s].sentence in persisting:
            return True
    for _, s, _ in m.at("since_point"):
        if s - 1 in since and ws[s].sentence in persisting:
            return True
    # "since 11.11", "dari tgl 3": a date or number after "since"
    return any(
        w.folded == "#" and i - 1 in since and w.sentence in persisting
        for i, w in enumerate(ws)
        if i
    )


# -- heat -----------------------------------------------------------------------


def _punctuation(toks: Sequence[Token], signals: dict[str, float]) -> None:
    runs = [t.text.count("!") for t in toks if t.kind == "punct" and "!" in t.text]
    runs = [r for r in runs if r >= 2] + [
        1 for t in toks if t.kind == "punct" and "!" in t.text and "?" in t.text
    ]
    if runs:
        more = max(runs) >= 3 or len(runs) >= 2
        signals["exclamations"] = WEIGHTS["exclamations"] + (0.1 if more else 0.0)
    if any(t.kind == "punct" and t.text.count("?") >= 2 for t in toks):
        signals["question_marks"] = WEIGHTS["question_marks"]


def _capitals(toks: Sequence[Token], ws: list[Word], signals: dict[str, float]) -> None:
    acronyms = data.lexicon().acronyms
    shouted = [
        w
        for w in ws
        if len(w.text) >= 2
        and w.text.isupper()
        and w.folded not in acronyms
        and known(w.folded)
    ]
    letters = "".join(w.text for w in ws if w.folded != "#")
    upper = sum(map(str.isupper, letters))
    if len(shouted) >= 2 or (len(letters) >= 12 and upper / len(letters) >= 0.6):
        signals["shouting"] = WEIGHTS["shouting"]
    elif shouted and len(shouted[0].text) >= 3:
        signals["emphasis"] = WEIGHTS["emphasis"]


def _emoji(toks: Sequence[Token], signals: dict[str, float]) -> None:
    faces = data.lexicon().emoji
    chars = [c for t in toks if t.kind == "emoji" for c in t.text]
    angry = sum(c in faces["angry"] for c in chars)
    annoyed = sum(c in faces["annoyed"] for c in chars)
    if angry:
        signals["angry_emoji"] = WEIGHTS["angry_emoji"] + (0.1 if angry >= 2 else 0.0)
    if annoyed:
        more = 0.05 if annoyed >= 2 else 0.0
        signals["annoyed_emoji"] = WEIGHTS["annoyed_emoji"] + more


# -- thanks ---------------------------------------------------------------------


def _thanked(ws: list[Word], m: Matches, hypothetical: frozenset[int]) -> bool:
    """Thanks or praise that is meant: not hypothetical, not negated ("no
    thanks", "gak puas", "not very helpful": a negation before it, fillers
    between)."""
    negated = {e for _, _, e in m.at("negation")}
    fillers = set(m.starts("filler"))
    for category in ("thanks", "praise"):
        for _, s, _ in m.at(category):
            if s in hypothetical:
                continue
            j = s - 1
            while j >= 0 and j in fillers and ws[j].clause == ws[s].clause:
                j -= 1
            if j >= 0 and j in negated and ws[j].clause == ws[s].clause:
                continue
            return True
    return False


def _asks(m: Matches) -> bool:
    """A word that asks the reader to do something ("tolong", "please"), not
    inside a longer polite phrase ("mohon maaf", "minta maaf")."""
    polite = [(s, e) for _, s, e in m.at("polite")]
    return any(
        not any(ps <= s and e <= pe and pe - ps > e - s for ps, pe in polite)
        for _, s, e in m.at("ask")
    )


# -- question -------------------------------------------------------------------


def _question(ws: list[Word], toks: Sequence[Token], m: Matches) -> bool:
    if any(t.kind == "punct" and "?" in t.text for t in toks):
        return True
    if m.at("question") or m.at("request"):
        return True
    skip = set(m.starts("greeting")) | set(m.starts("vocative"))
    first: dict[int, int] = {}
    for i, w in enumerate(ws):
        if i not in skip:
            first.setdefault(w.sentence, i)
    starts = m.starts("question_start")
    return any(i in starts for i in first.values())

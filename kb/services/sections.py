"""Which section of an article answers a text: BM25 over the article's sections.

The search index picks a hit's section by how many query stems it holds; that
favours a long section full of the article's own common words ("Cara melacak
paket" for every tracking question). Here every section of the chosen article
is scored against the text's stems with BM25, each stem weighed by how rare it
is among *all* sections of the help center in that language (so "gudang
sortir" outweighs "paket"), and a stem in a section's heading counts extra:
headings say what a section is for ("Jika refund belum diterima").

- The text's words are its reading (``Reading.query``: informal words already
  in standard form) and the phrases the help center's synonyms add, less the
  search's stopwords, the words that only make it a question or a request (the
  reading lexicon's ``question``, ``request``… categories: "how", "apakah" are
  rare in articles, so they would weigh a lot and match by chance), the
  words that say how long it has waited ("seminggu", "kemarin") and negations
  ("never", "belum": they carry the complaint, not the topic, and would pick
  a heading like "Never share your code" for "the OTP never comes").
- A post that reports a problem leans towards the sections for when something
  went wrong ("Jika …", "If …", "When to contact us", "What to do"); a
  question leans away from them. The heading's form decides, never the article.
- The text before the first heading (anchor None) stands for the article as a
  whole: it wins only when it scores :data:`WHOLE` times the best section, and
  then the reply links the article, not a section.

The statistics (section frequencies, average length) are computed once per
content version and language from the articles' Markdown, without rendering,
and each article's sections' stems once per content version when first
scored; scoring one article's few sections is then a few dictionary lookups.
"""

from __future__ import annotations

import math
import re
import threading
import weakref
from collections import Counter
from dataclasses import dataclass, field
from functools import cache

from kb.reading import data as reading_data
from kb.services.articles import ArticleUnavailable, Library
from kb.storage.search_index import stopwords
from kb.storage.stemming import STEMMERS

K1 = 1.2  # BM25 term-frequency saturation
B = 0.75  # BM25 length normalisation
HEADING = 1.0  # a stem in the heading adds this many times its weight
# The whole article wins only with this many times the best section's score:
# the text before the first heading restates the article, so it matches a lot.
WHOLE = 2.0
# How much a post's situation (a complaint or not) moves a section whose
# heading is about something having gone wrong, as a factor 1 ± SITUATION.
SITUATION = 0.4
# Measured on tests/data/posts.yml (bench/bench_reply.py): every combination
# of HEADING 1–2, WHOLE 1–2 and SITUATION 0–0.4 landed within 38–42 of 84
# sections (43 once the time words were left out), so the values are round
# ones, not fitted.
# Categories of the reading lexicon (kb/data/reading-lexicon.yml) whose words
# only make a post a question or request, or say how long it has waited
# ("seminggu", "kemarin"; stemmed, "seminggu" would be "minggu", the week of a
# section about busy seasons): one-word entries, matched as typed.
_ASKING = ("question", "question_start", "request", "permission", "conditional")
_WHEN = ("duration_word", "since_when")
# Negations say that something did not happen, not what it is about.
_NEGATION = ("negation",)
_TROUBLE = re.compile(
    r"^(?:jika|kalau|bila|apabila|kapan|if|when|what to do|what you can do|"
    r"yang (?:perlu|bisa) anda lakukan)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+")
_HEADING_LINE = re.compile(r"^#{2,6}\s", re.MULTILINE)
_LINK_TARGET = re.compile(r"\]\([^)]*\)")


@dataclass(frozen=True)
class Scored:
    """One section of an article and how well it answers a text."""

    anchor: str | None  # None: the text before the first heading (the article)
    heading: str
    score: float


@dataclass(frozen=True)
class _Stats:
    """Section frequencies of one language's help center."""

    sections: int
    frequency: Counter[str]
    average_length: float

    def weight(self, stem: str) -> float:
        """BM25's inverse section frequency of ``stem`` (0 for an unknown one)."""
        found = self.frequency.get(stem, 0)
        if not found:
            return 0.0
        return math.log(1 + (self.sections - found + 0.5) / (found + 0.5))


@dataclass(frozen=True)
class _Bags:
    """One section's stems, counted, and its heading's stems."""

    anchor: str | None
    heading: str
    body: Counter[str]
    length: int
    heading_stems: frozenset[str]


@dataclass
class _Version:
    """What one content version has computed: statistics and sections' stems."""

    stats: dict[str, _Stats] = field(default_factory=dict)
    bags: dict[str, tuple[_Bags, ...]] = field(default_factory=dict)
    # The last text's weighted stems: a draft scores three candidates for one
    # text (a race only computes them twice).
    last: tuple[tuple[str, str], dict[str, float]] | None = None


_CACHE: weakref.WeakKeyDictionary[Library, _Version] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def _version(library: Library) -> _Version:
    with _LOCK:
        found = _CACHE.get(library)
        if found is None:
            found = _CACHE[library] = _Version()
        return found


def stems(text: str, lang: str) -> list[str]:
    """The stems of ``text``'s words in ``lang`` (lower case, in order)."""
    stem = STEMMERS[lang]
    return [stem(w) for w in _WORD.findall(text.lower())]


def text_stems(
    library: Library, text: str, lang: str, ignored: frozenset[str] = frozenset()
) -> set[str]:
    """The stems of ``text``'s words (less ``ignored``, as typed) and of the
    phrases the help center's synonyms add for them, less the search's
    stopwords: the words a text is matched by."""
    stem = STEMMERS[lang]
    words = {stem(w) for w in _WORD.findall(text.lower()) if w not in ignored}
    for phrase in library.synonyms.sources(text, (lang,)):
        words.update(stems(phrase, lang))
    return words - stopwords(lang)


@cache
def _ignored() -> frozenset[str]:
    """Words (as typed, before stemming) that never choose a section."""
    lexicon = reading_data.lexicon()
    return frozenset(
        phrase[0]
        for category in (*_ASKING, *_WHEN, *_NEGATION)
        for phrase in lexicon[category]
        if len(phrase) == 1
    )


def _stats(library: Library, lang: str) -> _Stats:
    """The help center's section statistics in ``lang``, once per content version."""
    version = _version(library)
    found = version.stats.get(lang)
    if found is not None:
        return found
    frequency: Counter[str] = Counter()
    count = total = 0
    for article in library.published.values():
        if article.lang != lang:
            continue
        body = _LINK_TARGET.sub("]", article.body)  # link targets are not text
        for part in _HEADING_LINE.split(body):
            words = stems(part, lang)
            if words:
                count += 1
                total += len(words)
                frequency.update(set(words))
    # Two threads may both compute it; both results are the same.
    found = version.stats[lang] = _Stats(
        max(count, 1), frequency, total / count if count else 1.0
    )
    return found


def _bags(library: Library, slug: str, lang: str) -> tuple[_Bags, ...]:
    """The article's sections as stems, once per content version (none when it
    cannot be rendered)."""
    version = _version(library)
    found = version.bags.get(slug)
    if found is not None:
        return found
    try:
        rendered = library.rendered(slug).sections
    except ArticleUnavailable:
        rendered = ()
    bags = []
    for section in rendered:
        body = Counter(stems(section.text, lang))
        heading = frozenset(stems(section.heading, lang))
        bags.append(
            _Bags(section.anchor, section.heading, body, sum(body.values()), heading)
        )
    found = version.bags[slug] = tuple(bags)
    return found


def _wanted(library: Library, text: str, lang: str, stats: _Stats) -> dict[str, float]:
    """The text's stems (and its synonyms' stems) that count, with their weights."""
    version = _version(library)
    last = version.last
    if last is not None and last[0] == (text, lang):
        return last[1]
    words = text_stems(library, text, lang, ignored=_ignored())
    weights = {s: stats.weight(s) for s in words}
    found = {s: w for s, w in weights.items() if w > 0}
    version.last = ((text, lang), found)
    return found


def scored(
    library: Library, slug: str, text: str, complaint: bool | None = None
) -> tuple[Scored, ...]:
    """Every section of ``slug`` with its score for ``text``, in page order.

    ``complaint``: the text reports a problem (True), asks (False) or is not
    known (None; no section is preferred for it).
    """
    article = library.get(slug)
    if article is None:
        return ()
    stats = _stats(library, article.lang)
    wanted = _wanted(library, text, article.lang, stats)
    out = []
    for section in _bags(library, slug, article.lang):
        norm = K1 * (1 - B + B * section.length / stats.average_length)
        score = 0.0
        for stem, weight in wanted.items():
            tf = section.body.get(stem, 0)
            if tf:
                score += weight * tf * (K1 + 1) / (tf + norm)
            if stem in section.heading_stems:
                score += weight * HEADING
        if complaint is not None and _TROUBLE.match(section.heading):
            score *= 1 + SITUATION if complaint else 1 - SITUATION
        out.append(Scored(section.anchor, section.heading, score))
    return tuple(out)


def choose(
    library: Library, slug: str, text: str, complaint: bool | None = None
) -> Scored | None:
    """The section of ``slug`` that best answers ``text``; None for the whole
    article (its opening scores :data:`WHOLE` times as well, or nothing matches)."""
    found = scored(library, slug, text, complaint)
    whole = next((s.score for s in found if s.anchor is None), 0.0)
    best = max(
        (s for s in found if s.anchor is not None),
        key=lambda s: s.score,
        default=None,
    )
    if best is None or best.score <= 0 or best.score * WHOLE <= whole:
        return None
    return best

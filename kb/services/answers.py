"""Answers in the articles' own words: which section answers a text, and its sentences.

Two callers share this: the composer (an agent's public reply to a customer's
post) and search (the quick answer above the results). :func:`candidates` ranks
the articles and their best sections for a text with how sure Jawab is;
:func:`extract` takes from one section the sentence(s) that answer the text,
whole, within a character budget. Nothing here writes a word of its own: every
sentence comes from the article as published.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb.services.articles import ArticleUnavailable, Library
from kb.services.search import SearchRequest, SearchService
from kb.storage.stemming import STEMMERS

SURE = 0.6  # confidence from which an answer is offered without being asked
MAX_SENTENCES = 2
# Sentence and block ends in a section's plain text (" · " joins list items and
# table cells that have no final punctuation of their own).
_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“(])|\s+·\s+")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Candidate:
    """An article (and its best section) that may answer a text."""

    slug: str
    lang: str
    title: str
    anchor: str | None  # None: the article as a whole
    heading: str | None
    confidence: float  # 0..1: how sure Jawab is that this answers the text


@dataclass(frozen=True)
class Answer:
    """Sentences of one section that answer a text, in the article's order."""

    slug: str
    lang: str
    title: str
    anchor: str | None
    heading: str | None
    sentences: tuple[str, ...]
    confidence: float

    @property
    def text(self) -> str:
        """The sentences as one paragraph."""
        return " ".join(self.sentences)


def candidates(
    search: SearchService,
    library: Library,
    text: str,
    lang: str | None = None,
    limit: int = 3,
) -> tuple[Candidate, ...]:
    """The best articles for ``text`` (in ``lang``, or any), most likely first."""
    if not text.strip():
        return ()
    hits = search.search(SearchRequest(q=text, lang=lang, limit=limit), library)
    if not hits.hits:
        return ()
    return tuple(
        Candidate(
            hit.slug,
            hit.lang,
            hit.title,
            hit.section,
            hit.section_heading,
            sure,
        )
        for hit, sure in zip(hits.hits, search.confidences(hits), strict=True)
    )


def sentences(text: str) -> list[str]:
    """A section's plain text cut into sentences and list items, whole."""
    return [part.strip(" ·") for part in _BREAK.split(text) if part.strip(" ·")]


def extract(
    library: Library,
    slug: str,
    anchor: str | None,
    text: str,
    *,
    budget: int | None = None,
    confidence: float = 1.0,
) -> Answer | None:
    """The sentence(s) of the section ``anchor`` of ``slug`` that answer ``text``.

    At most :data:`MAX_SENTENCES` consecutive sentences, chosen by how many of
    the text's word stems they hold, and never more than ``budget`` characters
    in all: a sentence that does not fit whole is left out, never cut.
    """
    article = library.get(slug)
    if article is None:
        return None
    try:
        sections = library.rendered(slug).sections
    except ArticleUnavailable:
        return None
    section = next((s for s in sections if s.anchor == anchor), None)
    if section is None:
        section = next((s for s in sections if s.text), None)
    if section is None:
        return None
    stem = STEMMERS[article.lang]
    wanted = {stem(w) for w in _WORD.findall(text.lower())}
    parts = sentences(section.text)
    scored = [
        (len(wanted & {stem(w) for w in _WORD.findall(p.lower())}), -i, i)
        for i, p in enumerate(parts)
    ]
    chosen: list[int] = []
    for _hits, _order, index in sorted(scored, reverse=True):
        if len(chosen) == MAX_SENTENCES:
            break
        if chosen and abs(index - chosen[0]) != 1:
            continue
        trial = sorted([*chosen, index])
        if budget is not None and len(" ".join(parts[i] for i in trial)) > budget:
            continue
        chosen = trial
    if not chosen:
        return None
    return Answer(
        article.slug,
        article.lang,
        article.title,
        section.anchor,
        section.heading or None,
        tuple(parts[i] for i in chosen),
        confidence,
    )

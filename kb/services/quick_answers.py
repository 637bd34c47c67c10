"""Quick answers above search results: the article's own sentence(s), when sure.

Search finds and ranks; :meth:`SearchService.confidences` says how sure it is
that the first hit answers the query; :func:`kb.services.answers.extract`
takes that hit's best section's sentence(s). Nothing is shown when Jawab is
not sure: a confident wrong answer costs more than none.
"""

from __future__ import annotations

import re

from kb.services.answers import ENDS_A_SENTENCE, Answer, extract, sentences
from kb.services.articles import Library
from kb.services.search import Hits, SearchService
from kb.storage.search_index import Hit, stopwords
from kb.storage.stemming import STEMMERS

# Confidence from which search shows a quick answer, chosen on the development
# sets for at least 90% precision (see bench/bench_answers.py and its README).
SURE = 0.35
BUDGET = 320  # characters: two short sentences, readable at a glance on a phone
MIN_WORDS = 4
_WORD = re.compile(r"\w+")


def quick_answer(
    library: Library, hits: Hits, text: str, *, budget: int = BUDGET
) -> Answer | None:
    """The sentence(s) answering ``text`` from the first of ``hits``, or None."""
    sure = SearchService.confidences(hits)
    if not sure or sure[0] < SURE:
        return None
    best = hits.hits[0]
    answer = _summary(library, best.slug, text, budget, sure[0])
    if answer is None:
        answer = _from_sections(library, best, text, budget, sure[0])
    if answer is None or not _reads_as_an_answer(answer):
        return None
    return answer


def _from_sections(
    library: Library, best: Hit, text: str, budget: int, confidence: float
) -> Answer | None:
    """The answer in the hit's best section, or a table's row that says more.

    Search picks the section holding the most of the query's words, which a
    table's section seldom is (each cell holds a word or two: "GoPay" once,
    against "refund" in every step of the next section); its rows are weighed
    as answers here instead.
    """

    def answer_in(anchor: str | None) -> Answer | None:
        # The hit's sections as indexed: a search renders no article.
        return extract(
            library,
            best.slug,
            anchor,
            text,
            budget=budget,
            confidence=confidence,
            stored=best.sections,
        )

    found = answer_in(best.section)
    for section in best.sections:
        if not section.rows or section.anchor == best.section:
            continue
        other = answer_in(section.anchor)
        if other and other.row and other.score > (found.score if found else 0.0):
            found = other
    return found


def _reads_as_an_answer(answer: Answer) -> bool:
    words = answer.text.split()
    return len(words) >= MIN_WORDS and bool(ENDS_A_SENTENCE.search(answer.text))


def _summary(
    library: Library, slug: str, text: str, budget: int, confidence: float
) -> Answer | None:
    """The article's summary, when its title names everything the query asks
    (in the query's words or as the help center's synonyms say them).

    A query that is the article's own topic ("cancel order" for "Cancel an
    order") is answered by the article as a whole, which its summary states;
    a narrower one by its best section.
    """
    article = library.get(slug)
    if article is None or not article.summary.strip():
        return None
    stem, common = STEMMERS[article.lang], stopwords(article.lang)

    def content(words: str) -> set[str]:
        found = (w for w in _WORD.findall(words.lower()) if not w.isdigit())
        return {stem(w) for w in found if w not in common} - common

    asked, title = content(text), content(article.title)
    # The help center's synonyms say it the articles' way ("lupa password" is
    # "lupa kata sandi"): either reading may name the article's topic.
    readings = [asked] + [
        (asked - content(" ".join(typed))) | content(phrase)
        for phrase, typed in library.synonyms.sources(text, (article.lang,)).items()
    ]
    if not asked or not any(reading <= title for reading in readings):
        return None
    chosen: list[str] = []
    for sentence in sentences(article.summary):
        if len(" ".join([*chosen, sentence])) > budget or len(chosen) == 2:
            break
        chosen.append(sentence)
    if not chosen:
        return None
    return Answer(
        article.slug, article.lang, article.title, None, None, tuple(chosen), confidence
    )

"""Answers in the articles' own words: which section answers a text, and its sentences.

Two callers share this: the composer (an agent's public reply to a customer's
post) and search (the quick answer above the results). :func:`candidates` ranks
the articles for a text with how sure Jawab is, each with the section that
answers it (:mod:`kb.services.sections`);
:func:`extract` takes from one section the sentence(s) that answer the text,
whole, within a character budget. Nothing here writes a word of its own: every
sentence comes from the article as published.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Protocol

from kb.cache import Cache
from kb.markdown import Row, row_text
from kb.services import sections
from kb.services.articles import ArticleUnavailable, Library
from kb.services.search import SearchRequest, SearchService
from kb.services.sections import text_stems
from kb.storage.articles import ArticleFile

SURE = 0.6  # confidence from which an answer is offered without being asked
# A candidate scoring at least this share of the first one's score is "also
# possible"; below it, or when the search had to guess, it is a weak match.
POSSIBLE = 0.5
MATCHES = ("best", "possible", "weak")
MAX_SENTENCES = 2
# Sentence and block ends in a section's plain text (" · " joins list items and
# table cells that have no final punctuation of their own).
_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“(])|\s+·\s+")
# A part that leads into what follows: "… jika:", "…, atau", "… or".
_OPEN_END = re.compile(r"(?:[:,;]|\b(?:atau|dan|serta|or|and))$", re.IGNORECASE)
_PARENS = re.compile(r"\s*\([^()]*\)")
_SPACED_MARK = re.compile(r"\s+([.,;:!?])")
_NUMBER = re.compile(r"\d")
# A unit says one whole thing when it ends like a sentence; a table's cells, a
# lone label or a list item without final punctuation do not ("Data perangkat",
# "Versi aplikasi, jenis perangkat"): read out in a reply, they are fragments.
ENDS_A_SENTENCE = re.compile(r"[.!?…][)\"”’]*$")
# Where a sentence may end early and still say one whole thing: before
# ", atau …", "; …", " – …" (the clause after it is an addition).
_CLAUSE_BREAK = re.compile(r"[,;]\s+|\s+[–—]\s+")
# A clause opening with these leans on the one after it ("Jika …, hubungi
# kami"; "With cash on delivery, you …"): alone, it reads cut off.
_LEANING = frozenset(
    "jika kalau bila apabila setelah sesudah sebelum sejak selama karena sebab "
    "agar supaya untuk saat ketika meskipun walaupun dengan tanpa dari "
    "if when after before since while because unless although though once "
    "with without for to as by".split()
)
MIN_WORDS = 4
# A column header's word counts half in a table row's score: every row of the
# table holds it, so it says which column answers, not which row. At full
# weight a row sharing one incidental word beat the sentence that says the
# same ("CS jam berapa? … belum dibalas" took the email row of the reply-time
# table over "Pesan yang masuk di luar jam layanan akan dibalas mulai …").
HEADER_WEIGHT = 0.5
# Sections whose sentences are kept cut and stemmed (a draft extracts from one
# section up to ten times; a search's quick answer from the same few often).
# Keyed by the section's text, so a changed article is never read stale.
SECTION_CACHE = 2048
_UNITS: Cache[tuple[tuple[str, frozenset[str], bool, bool], ...]] = Cache(SECTION_CACHE)
# The same for a section's table rows, keyed by the rows themselves.
_ROWS: Cache[tuple[tuple[str, frozenset[str], frozenset[str], bool, bool], ...]] = (
    Cache(SECTION_CACHE)
)
# Words a shortened sentence never ends on: it would promise what was cut.
_JOINERS = frozenset(
    "atau dan serta jika kalau bila yang di ke dari untuk dengan karena agar "
    "supaya tetapi tapi namun lewat oleh pada dalam selama sampai "
    "or and if when the a an to of for from with because but in on at by via "
    "until that which your you tidak belum bukan sudah lebih kurang not no "
    "than more less".split()
)


class SectionText(Protocol):
    """A section as rendering gives it (:class:`kb.markdown.Section`) or as
    the search index stored it (:class:`kb.storage.snippets.StoredSection`)."""

    @property
    def anchor(self) -> str | None:
        """The heading's id; None for the text before any heading."""

    @property
    def heading(self) -> str:
        """The heading's text ("" before any heading)."""

    @property
    def text(self) -> str:
        """The section's plain text."""

    @property
    def rows(self) -> tuple[Row, ...]:
        """Its tables' body rows, each cell with its column header."""


@dataclass(frozen=True)
class Candidate:
    """An article (and its best section) that may answer a text."""

    slug: str
    lang: str
    title: str
    anchor: str | None  # None: the article as a whole
    heading: str | None
    # 0..1: how sure Jawab is that this one, and not another, answers the text
    # (its lead over the others: only a first candidate well ahead is above 0).
    confidence: float
    # 0..1: its search score as a share of the first candidate's (1 for the
    # first): comparable across candidates, unlike confidence.
    relevance: float = 1.0
    match: str = "best"  # best, possible or weak (see :data:`POSSIBLE`)


@dataclass(frozen=True)
class Answer:
    """Sentences of one section that answer a text, in the article's order,
    or one row of its table read with the column headers."""

    slug: str
    lang: str
    title: str
    anchor: str | None
    heading: str | None
    sentences: tuple[str, ...]
    confidence: float
    # The last sentence was cut at a word boundary ("…"), or a table row
    # lost its last cells.
    shortened: bool = False
    # How much of the text it answers: the text's word stems its sentences
    # hold (a number counts half), summed; comparable within one section.
    score: float = 0.0
    row: bool = False  # one row of a table, read with its column headers

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
    complaint: bool | None = None,
) -> tuple[Candidate, ...]:
    """The best articles for ``text`` (in ``lang``, or any), most likely first.

    The articles are search's; each one's section is chosen by
    :func:`kb.services.sections.choose` (``complaint``: the text reports a
    problem, which leans towards "if it went wrong" sections).
    """
    if not text.strip():
        return ()
    hits = search.search(SearchRequest(q=text, lang=lang, limit=limit), library)
    if not hits.hits:
        return ()
    top = max(0.0, hits.hits[0].score)
    guess = hits.corrected or hits.weak_match
    found = []
    for rank, (hit, sure) in enumerate(
        zip(hits.hits, search.confidences(hits), strict=True)
    ):
        relevance = min(1.0, max(0.0, hit.score) / top) if top else 0.0
        if guess:
            match = "weak"
        elif rank == 0:
            match = "best"
        else:
            match = "possible" if relevance >= POSSIBLE else "weak"
        section = sections.choose(library, hit.slug, text, complaint)
        found.append(
            Candidate(
                hit.slug,
                hit.lang,
                hit.title,
                section.anchor if section else None,
                section.heading if section else None,
                sure,
                round(relevance if rank else 1.0, 3),
                match,
            )
        )
    return tuple(found)


def sentences(text: str) -> list[str]:
    """A section's plain text cut into sentences and list items, whole."""
    return [part.strip(" ·") for part in _BREAK.split(text) if part.strip(" ·")]


def units(text: str) -> list[str]:
    """Sentences, with a lead-in and its list items ("… jika: a, atau · b.") as one.

    A part ending in ``:``, ``,`` or a joining word (or, and, atau, dan …) does
    not stand alone: it is read together with the part after it, as the steps
    or conditions of one answer.
    """
    out: list[str] = []
    for part in sentences(text):
        if out and _OPEN_END.search(out[-1]):
            out[-1] = f"{out[-1]} {part}"
        else:
            out.append(part)
    return out


def _stemmed_units(
    text: str, lang: str
) -> tuple[tuple[str, frozenset[str], bool, bool], ...]:
    """The section's units in order, each with its stems, whether it holds a
    digit and whether it reads as a statement (no question, no fragment)."""

    def cut() -> tuple[tuple[str, frozenset[str], bool, bool], ...]:
        return tuple(
            (p, _stems(p, lang), bool(_NUMBER.search(p)), _statement(p))
            for p in units(text)
        )

    return _UNITS.get_or_make((lang, text), cut)


def _stems(text: str, lang: str) -> frozenset[str]:
    return frozenset(sections.stems(text, lang))


def _statement(text: str) -> bool:
    """True when ``text`` reads as a statement: it ends like a sentence, and a
    question ("Paket hilang?", a box's title) asks, it does not answer."""
    return not text.endswith("?") and bool(ENDS_A_SENTENCE.search(text))


def _stemmed_row(
    row: Row, lang: str
) -> tuple[str, frozenset[str], frozenset[str], bool, bool]:
    """A row as read (:func:`kb.markdown.row_text`) with its stems, its
    cells' stems alone (no header), whether it holds a digit and whether it
    reads as a statement."""
    text = row_text(row)
    cells = _stems(" ".join(cell for _label, cell in row), lang)
    digits = bool(_NUMBER.search(text))
    return text, _stems(text, lang), cells, digits, _statement(text)


def _stemmed_rows(
    rows: tuple[Row, ...], lang: str
) -> tuple[tuple[str, frozenset[str], frozenset[str], bool, bool], ...]:
    """The section's table rows in order, stemmed once (:func:`_stemmed_row`)."""
    return _ROWS.get_or_make(
        (lang, rows), lambda: tuple(_stemmed_row(row, lang) for row in rows)
    )


def _row_score(
    wanted: AbstractSet[str], stems: frozenset[str], cells: frozenset[str], digits: bool
) -> float:
    """How much of the text a row holds, as a sentence scores but its headers'
    words at :data:`HEADER_WEIGHT`; 0 when none of its own cells shares a
    word (its headers alone are every row's)."""
    own = wanted & cells
    if not own:
        return 0.0
    labels = len((wanted & stems) - own)
    return len(own) + HEADER_WEIGHT * labels + (0.5 if digits else 0.0)


def row_within(
    row: Row, budget: int, wanted: AbstractSet[str], lang: str
) -> tuple[float, str] | None:
    """The longest reading of ``row`` within ``budget`` characters that drops
    whole cells from its end only (never cut inside one), keeps its key and
    one cell more and still shares a word with ``wanted``: (score, text)."""
    for end in range(len(row), 1, -1):
        kept = row[:end]
        if not kept[-1][1] or sum(bool(cell) for _label, cell in kept) < 2:
            continue  # the same reading as a shorter one, or a lone cell
        text, stems, cells, digits, _statement = _stemmed_row(kept, lang)
        if len(text) <= budget:
            score = _row_score(wanted, stems, cells, digits)
            return (score, text) if score else None
    return None


def compress(sentence: str, budget: int) -> str | None:
    """``sentence`` within ``budget`` characters, shortened only at word boundaries.

    Whole if it fits; else without its parentheses; else the longest opening
    (whole clauses first, then whole words) that keeps at least
    :data:`MIN_WORDS` words, ends on no joining word and never separates a
    number from the word after it, marked with "…". None when nothing fits.
    """
    if len(sentence) <= budget:
        return sentence
    plain = " ".join(_PARENS.sub("", sentence).split())
    plain = _SPACED_MARK.sub(r"\1", plain)
    if len(plain) <= budget:
        return plain
    words = plain.split(" ")
    best: str | None = None
    for end in range(len(words) - 1, MIN_WORDS - 1, -1):
        if _NUMBER.search(words[end - 1]) and words[end][:1].isalpha():
            continue  # "3" without its "hari" says nothing
        kept = words[:end]
        while kept and kept[-1].lower().strip(",;:") in _JOINERS:
            kept.pop()
        text = " ".join(kept).rstrip(",;:–—-") + "…"
        if len(kept) >= MIN_WORDS and len(text) <= budget:
            best = text
            break
    return best


def openings(sentence: str) -> list[str]:
    """Whole clauses that open ``sentence`` and can end it, longest first.

    "A, atau B." gives "A."; an opening is kept only when it has at least
    :data:`MIN_WORDS` words, ends on no joining word, closes what it opens
    (parentheses, quotes) and does not lean on what it would leave out
    ("Jika A, B." never gives "Jika A.").
    """
    mark = sentence[-1] if sentence[-1:] in ".!" else "."
    out = []
    for found in reversed(list(_CLAUSE_BREAK.finditer(sentence))):
        head = sentence[: found.start()].rstrip(" ,;:–—")
        words = head.split()
        if len(words) < MIN_WORDS:
            continue
        if words[-1].lower().strip(",;:") in _JOINERS:
            continue
        if head.count("(") != head.count(")") or head.count("“") != head.count("”"):
            continue
        if head.count('"') % 2:
            continue
        if words[0].lower() in _LEANING and not _CLAUSE_BREAK.search(head):
            continue
        out.append(head + mark)
    return out


def whole_within(sentence: str, budget: int) -> str | None:
    """``sentence`` within ``budget`` characters without cutting a thought:
    whole, else without its parentheses, else its longest whole opening
    clause (:func:`openings`). None when nothing whole fits."""
    plain = _SPACED_MARK.sub(r"\1", " ".join(_PARENS.sub("", sentence).split()))
    for text in (sentence, plain):
        if len(text) <= budget:
            return text
    for text in (sentence, plain):
        fitting = [o for o in openings(text) if len(o) <= budget]
        if fitting:
            return fitting[0]
    return None


def extract(
    library: Library,
    slug: str,
    anchor: str | None,
    text: str,
    *,
    budget: int | None = None,
    confidence: float = 1.0,
    max_sentences: int = MAX_SENTENCES,
    avoid: tuple[str, ...] = (),
    whole: bool = False,
    min_length: int = 0,
    stored: Sequence[SectionText] | None = None,
) -> Answer | None:
    """The sentence(s) of the section ``anchor`` of ``slug`` that answer ``text``.

    At most ``max_sentences`` consecutive sentences (a lead-in with its list
    items counts as one), chosen by how many of the text's word stems they hold
    (a number, the rule, counts a little too), and never more than ``budget``
    characters in all: fewer sentences first, then the best one shortened at a
    word boundary (:func:`compress`). A sentence holding any string of
    ``avoid`` (the post's personal data) is never used.

    A table's row is a unit too, read with its column headers
    (:func:`kb.markdown.row_text`) and scored as a sentence, headers included,
    when one of its own cells shares a word with the text. It answers alone
    (never beside a sentence or another row) and is shortened only by whole
    cells from its end (:func:`row_within`), and never with ``whole``.

    With ``whole`` (a public reply: a cut reads as a thought left hanging),
    the best whole unit of at least ``min_length`` characters that fits wins
    over a shortened one: a sentence, a sentence without its parentheses or
    its opening clause (:func:`whole_within`). Only when nothing whole fits
    is a sentence cut ("…").

    ``stored``: the article's sections as the search index stored them for a
    hit (:attr:`kb.storage.search_index.Hit.sections`), so a search never
    renders Markdown; without them (an agent's hand-picked article) the
    article is rendered, once per content version.
    """
    article = library.get(slug)
    if article is None:
        return None
    sections: Sequence[SectionText]
    if stored:
        # The index's text is the text rendering gives (index_documents) and
        # as current as the index, which follows every content change.
        sections = stored
    else:
        try:
            sections = library.rendered(slug).sections
        except ArticleUnavailable:
            return None
    section = next((s for s in sections if s.anchor == anchor), None)
    if section is None:
        section = next((s for s in sections if s.text), None)
    if section is None:
        return None
    # The text's words and the phrases the help center's synonyms add for
    # them ("lupa password" → "lupa kata sandi"), without the words every
    # sentence has ("yang", "the"): they would pick a sentence by chance.
    wanted = text_stems(library, text, article.lang)
    every = _stemmed_units(section.text, article.lang)
    table = _stemmed_rows(section.rows, article.lang)
    parts = [p for p, _stems, _digits, _statement in every]
    # Rows come after the sentences: at an equal score a sentence wins, and
    # a row is no sentence's neighbour (their cells are in ``every`` as
    # fragments, never statements).
    rows = {len(parts) + j: row for j, row in enumerate(section.rows)}
    parts += [unit for unit, *_rest in table]
    # A number (the rule: "3 hari", "5 menit") counts a little, but only in a
    # unit that shares a word with the text (alone, "Kode berlaku 5 menit"
    # leans on the sentences before it).
    # Units keep their place in the section: two answer together only when
    # they are neighbours there (a table between them is not skipped over).
    scores = {
        i: len(shared) + (0.5 if digits and shared else 0.0)
        for i, (part, stems, digits, statement) in enumerate(every)
        if statement and not any(a and a in part for a in avoid)
        for shared in (wanted & stems,)
    }
    # A row stands in for the sentences only where it says at least as much
    # as the best of them: below that it is a lesser answer drawn by a word
    # of its cells ("jam" in "Maksimal 1 jam"), taken because it is short.
    said_best = max(scores.values(), default=0.0)
    scores.update(
        (i, said)
        for i, (unit, stems, cells, digits, statement) in enumerate(table, len(every))
        if statement
        and not any(a and a in unit for a in avoid)
        and (said := _row_score(wanted, stems, cells, digits)) >= said_best
        and said
    )
    if not scores or not any(scores.values()):
        # No sentence or row shares a word with the text (nor its synonyms): any
        # one would be a guess, and a wrong answer in public costs more than none.
        return None
    scored = [(score, -i, i) for i, score in scores.items()]
    ranked = [index for _score, _order, index in sorted(scored, reverse=True)]
    chosen: list[int] = []
    for index in ranked:
        if len(chosen) == max_sentences:
            break
        if not chosen and not scores[index]:
            break  # the rest share no word with the text: a guess, as above
        if chosen and (abs(index - chosen[0]) != 1 or {index, chosen[0]} & rows.keys()):
            continue  # not neighbours, or a row: it answers alone
        trial = sorted([*chosen, index])
        if budget is not None and len(" ".join(parts[i] for i in trial)) > budget:
            continue
        chosen = trial
    if budget is not None and ranked[0] not in chosen:
        room = budget

        def _whole(i: int) -> tuple[float, str] | None:
            """Unit ``i`` whole within the budget, with what it says."""
            if i in rows:
                # A row without some of its cells may lose the one asked
                # about ("GoPay — Dana dikembalikan ke: …" without "Lama
                # proses: 1–3 hari kerja"): in public, the whole row or none.
                return (scores[i], parts[i]) if len(parts[i]) <= room else None
            unit = whole_within(parts[i], room)
            return None if unit is None else (scores[i], unit)

        best_chosen = max((scores[i] for i in chosen), default=-1.0)
        if whole:
            # A whole unit that says at least half of what the best one says
            # beats a cut. An opening clause scores as its sentence: it holds
            # the rule, what it leaves out ("…, atau …") is an addition.
            floor = scores[ranked[0]] / 2
            fits = [
                (said, -i, unit)
                for i in ranked
                if scores[i] >= floor and (fitted := _whole(i)) is not None
                for said, unit in (fitted,)
                if said >= floor and len(unit) >= min_length
            ]
            kept = " ".join(parts[i] for i in chosen)
            if chosen and len(kept) >= min_length and best_chosen >= floor:
                if not fits or best_chosen >= max(fits)[0]:
                    found = tuple(parts[i] for i in chosen)
                    said = sum(scores[i] for i in chosen)
                    row = chosen[0] in rows
                    return _answer(article, section, found, confidence, said, row=row)
            if fits:
                said, order, unit = max(fits)
                row = -order in rows
                cut = row and unit != parts[-order]
                return _answer(
                    article, section, (unit,), confidence, said, cut, row=row
                )
        # The best sentence did not fit whole: shortened, it still beats
        # weaker ones that do.
        said = scores[ranked[0]]
        if ranked[0] in rows:
            # A row loses whole cells only, which leaves nothing hanging; a
            # public reply takes it whole or not at all (see _whole).
            fitted = None
            if not whole:
                fitted = row_within(rows[ranked[0]], budget, wanted, article.lang)
            said, short = fitted or (0.0, None)
        else:
            short = compress(parts[ranked[0]], budget)
        if whole and ranked[0] not in rows and short is not None and ": " in short:
            # Cut inside a lead-in's list ("Hubungi kami jika: status resi…"),
            # a condition or a step is half said: in public, say none.
            short = None
        if short is not None and said > best_chosen:
            row = ranked[0] in rows
            return _answer(article, section, (short,), confidence, said, True, row=row)
    if not chosen:
        return None
    found = tuple(parts[i] for i in chosen)
    said = sum(scores[i] for i in chosen)
    return _answer(article, section, found, confidence, said, row=chosen[0] in rows)


def _answer(
    article: ArticleFile,
    section: SectionText,
    found: tuple[str, ...],
    confidence: float,
    score: float,
    shortened: bool = False,
    *,
    row: bool = False,
) -> Answer:
    return Answer(
        article.slug,
        article.lang,
        article.title,
        section.anchor,
        section.heading or None,
        found,
        confidence,
        shortened,
        score,
        row,
    )

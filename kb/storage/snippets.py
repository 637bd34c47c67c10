"""Snippets from sections analysed at index time: no text is re-analysed per hit.

At index time each article section is stored with its plain text and, per stem,
where that stem occurs (character offsets). A search then picks the section that
holds the most of the query's stems (a heading match counts too) and cuts a
window of about two lines around the densest run of matches, marking each
match with ``<mark>``. That is a few dictionary lookups and string slices per
hit, where re-analysing each hit's whole body cost two thirds of a search.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # a type only: storage does not render Markdown
    from kb.markdown import Row

WINDOW = 200  # characters: about two lines of the results page
LEAD_IN = 50  # characters of context kept before the first match
HEADING_BONUS = 0.5  # a query stem in a section's heading counts half a match
_WORD = re.compile(r"\w+")  # the index's tokenizer: a match ends where this does


@dataclass(frozen=True)
class StoredSection:
    """One section as the index stores it (plain tuples and dicts pickle small)."""

    anchor: str | None
    heading: str
    text: str
    offsets: dict[str, tuple[int, ...]]  # stem → where its words start
    heading_stems: frozenset[str]
    # Its tables' body rows (kb.markdown.Section.rows), for answers only:
    # snippets and search read ``text``.
    rows: tuple[Row, ...] = ()

    def to_stored(self) -> tuple:
        """A compact tuple for the index's stored fields."""
        return (
            self.anchor,
            self.heading,
            self.text,
            self.offsets,
            self.heading_stems,
            self.rows,
        )

    @classmethod
    def from_stored(cls, raw: Sequence) -> StoredSection:
        """The inverse of :meth:`to_stored` (an older 5-tuple has no rows)."""
        return cls(*raw)


@dataclass(frozen=True)
class Snippet:
    """The best section of a hit and its marked-up excerpt (escaped HTML)."""

    anchor: str | None
    heading: str | None
    html: str


def _score(section: StoredSection, stems: Iterable[str]) -> tuple[float, int]:
    found = 0.0
    count = 0
    for stem in stems:
        spans = section.offsets.get(stem)
        if spans:
            found += 1
            count += len(spans)
        if stem in section.heading_stems:
            found += HEADING_BONUS
    return found, count


def _matches(
    section: StoredSection, stems: Iterable[str]
) -> list[tuple[int, int, str]]:
    spans = []
    for stem in stems:
        for start in section.offsets.get(stem, ()):
            word = _WORD.match(section.text, start)
            spans.append((start, word.end() if word else start, stem))
    return sorted(spans)


def _window(text: str, spans: list[tuple[int, int, str]]) -> tuple[int, int]:
    """Start and end of the ~WINDOW characters holding the most distinct stems."""
    best, best_start = -1, 0
    for i, (start, _end, _stem) in enumerate(spans):
        inside = set()
        for _b, e, stem in spans[i:]:
            if e > start + WINDOW - LEAD_IN:
                break
            inside.add(stem)
        if len(inside) > best:
            best, best_start = len(inside), start
    begin = 0
    if spans and best_start > LEAD_IN:
        # Start at a sentence when one begins shortly before, else at a word.
        begin = best_start - LEAD_IN
        sentence = max(
            text.rfind(". ", begin, best_start), text.rfind(" · ", begin, best_start)
        )
        if sentence != -1:
            begin = sentence + 2
        else:
            space = text.find(" ", begin, best_start)
            begin = space + 1 if space != -1 else begin
    end = begin + WINDOW
    if end < len(text):
        space = text.rfind(" ", begin, end)
        end = space if space > begin else end
    else:
        end = len(text)
    return begin, end


def _markup(
    text: str, begin: int, end: int, spans: Iterable[tuple[int, int, str]]
) -> str:
    out = ["… " if begin > 0 else ""]
    at = begin
    for start, stop, _stem in spans:
        if start < at or stop > end:
            continue
        out.append(html.escape(text[at:start], quote=False))
        out.append(f"<mark>{html.escape(text[start:stop], quote=False)}</mark>")
        at = stop
    out.append(html.escape(text[at:end].rstrip(" ·"), quote=False))
    if end < len(text):
        out.append(" …")
    return "".join(out).strip()


def best_snippet(sections: Sequence[StoredSection], stems: Iterable[str]) -> Snippet:
    """The section matching most query stems, with an excerpt of its text."""
    stems = list(stems)
    best: StoredSection | None = None
    best_score = (0.0, 0)
    for section in sections:
        score = _score(section, stems)
        if score > best_score:
            best, best_score = section, score
    if best is None:
        # Matched on the title or summary only: show how the article begins.
        first = next((s for s in sections if s.text), None)
        if first is None:
            return Snippet(None, None, "")
        begin, end = _window(first.text, [])
        return Snippet(None, None, _markup(first.text, begin, end, []))
    spans = _matches(best, stems)
    begin, end = _window(best.text, spans)
    return Snippet(
        best.anchor, best.heading or None, _markup(best.text, begin, end, spans)
    )

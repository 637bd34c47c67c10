"""The one way Markdown becomes HTML: render, anchor, sanitize, limits.

Articles are written by editors and reviewed in git, but the HTML that reaches a
page is still sanitized with nh3 against a short allowlist, so a script, an event
handler or a ``javascript:`` link in an article never reaches a reader.

Python-Markdown recurses once per nesting level and rescans a paragraph to its
end for every unclosed ``[``, ``(`` or ``<``, so a few kilobytes of the wrong
text cost seconds or a ``RecursionError``. :func:`check_limits` finds such text
with one linear scan *before* rendering; :func:`render` refuses it.
"""

from __future__ import annotations

import bisect
import html
import re
import threading
import xml.etree.ElementTree as etree
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import markdown
import nh3
from markdown.extensions import Extension
from markdown.extensions.fenced_code import FencedBlockPreprocessor
from markdown.extensions.toc import slugify
from markdown.treeprocessors import Treeprocessor

from kb.translatable import N_

EXTENSIONS = [
    "toc",
    "tables",
    "fenced_code",
    "admonition",
    "attr_list",
    "sane_lists",
    "def_list",
    "abbr",
]

SECTION_LEVELS = {"h2", "h3", "h4"}
SECTION_LINK_LABEL = {
    "en": "Copy link to this section",
    "id": "Salin tautan ke bagian ini",
}
TABLE_LABEL = {"en": "Table", "id": "Tabel"}
ADMONITION_CLASSES = {
    "admonition",
    "note",
    "tip",
    "hint",
    "important",
    "warning",
    "caution",
    "danger",
    "error",
    "attention",
}
ALLOWED_TAGS = set(nh3.ALLOWED_TAGS) - {"center", "map", "area"}
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    "a": {"href", "hreflang", "title", "aria-label", "data-section"},
    "abbr": {"title"},
    "img": {"src", "alt", "width", "height"},
    **{f"h{n}": {"id"} for n in range(1, 7)},
    "span": {"id"},
    "dt": {"id"},
    "div": {"role", "tabindex", "aria-label"},
}
ALLOWED_CLASSES = {
    "div": ADMONITION_CLASSES | {"table-wrap"},
    "p": {"admonition-title"},
    "a": {"section-link"},
    "span": {"old-anchor"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")

# -- limits ------------------------------------------------------------------
# Each is far above what a help article or an agent reply needs (the longest
# sample article has 2,700 characters, 60 lines, 3 nesting levels and a 7-row
# table) and low enough that the worst text allowed renders in a small
# fraction of a second: ``python bench/bench_markdown.py`` renders the worst
# text for each limit; the costs in the comments are from that script.

# ~3,000 words, 7x the longest sample; longer belongs in two articles. Plain
# prose costs ~2 ms per 1,000 characters, but every other cost below grows with
# the size, so this bounds them all.
MAX_CHARS = 20_000
# Every block costs a fixed ~0.1 ms whatever its size (headings ~0.25 ms).
MAX_LINES = 1_000
# Lists, blockquotes and indentation: one recursion per level; 400 levels
# raised RecursionError after 4 s, 200 took 0.6 s.
MAX_NESTING = 8
# Brackets inside brackets: each ``[`` is scanned to its ``]``.
MAX_BRACKET_DEPTH = 8
# An unclosed ``[``, ``(`` or ``<`` rescans its paragraph to the end for each
# link pattern: 3,000 of them took 1.7 s, 5,000 more than 4 s.
MAX_UNMATCHED = 10
# A table costs ~30-55 us a cell: 3,000 rows took 0.2-1 s. Rows per table, and
# cells in all the tables of one text (many tables add up).
MAX_TABLE_ROWS = 100
MAX_TABLE_CELLS = 1_000
# Each heading gets an anchor and a section link (~0.25 ms each).
MAX_HEADINGS = 50
# Every abbreviation is one more pass over the whole text (200 took 0.9 s).
MAX_ABBREVIATIONS = 20

LIMIT_MESSAGES = {
    "size": N_("text is too long: %(found)s characters (at most %(limit)s)"),
    "lines": N_("text has too many lines: %(found)s (at most %(limit)s)"),
    "nesting": N_(
        "lists, quotes or indentation nested %(found)s levels deep (at most %(limit)s)"
    ),
    "bracket_depth": N_("brackets nested %(found)s deep (at most %(limit)s)"),
    "unmatched": N_(
        "%(found)s unmatched '[', '(' or '<' (at most %(limit)s); close "
        "them or escape them with a backslash, e.g. \\["
    ),
    "table_rows": N_("table has %(found)s rows (at most %(limit)s); split it"),
    "table_cells": N_("tables have %(found)s cells in all (at most %(limit)s)"),
    "headings": N_("too many headings: %(found)s (at most %(limit)s)"),
    "abbreviations": N_("too many abbreviations: %(found)s (at most %(limit)s)"),
}
# Depths have always been printed without a thousands separator: keep kb check's text.
_UNGROUPED = ("nesting", "bracket_depth")
_FENCE = FencedBlockPreprocessor.FENCED_BLOCK_RE  # exactly what Markdown skips
_CODE_SPAN = re.compile(r"(?<!\\)(`+)(.+?)(?<!`)\1(?!`)", re.DOTALL)
_BRACKET = re.compile(r"\\.|[\[\]()<]", re.DOTALL)
_TAG = re.compile(r"<[^<>]*>")
_BLANK_LINE = re.compile(r"\n[ ]*(?=\n)")
_LIST_MARKER = re.compile(r"(?:[*+-]|\d{1,9}[.)])(?=[ ]|$)")
_RULE = re.compile(r"^ {0,3}([*_-])(?: *\1){2,} *$")
_TABLE_SEPARATOR = re.compile(r"^ *[|:\- ]*\|[|:\- ]*$")
_HEADING = re.compile(r"^ {0,3}(?:#|=+ *$|-+ *$)")
_ABBREVIATION = re.compile(r"^[*]\[")
_SECTION_LINK = re.compile(r'<a [^>]*class="section-link"[^>]*>#</a>')


@dataclass(frozen=True)
class Heading:
    """A section heading with its anchor, for the table of contents and pickers."""

    level: int
    anchor: str
    text: str


@dataclass(frozen=True)
class ArticleLink:
    """A link written by slug (``[text](slug#anchor)``) or to ``#anchor``."""

    slug: str | None
    anchor: str | None
    written: str


# A table's body row: (column header, cell text) per column, "" where the
# table has no header or the cell is empty. Plain tuples: the search index
# pickles them with the section (kb.storage.snippets.StoredSection).
Row = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Section:
    """One part of an article: the text under a heading (or before the first)."""

    anchor: str | None  # the heading's id; None for the text before any heading
    heading: str
    text: str
    # Its tables' body rows with two cells or more, in order (:func:`row_text`
    # reads one): an answer may be a row, which ``text`` only holds cell by cell.
    rows: tuple[Row, ...] = ()


@dataclass(frozen=True)
class Rendered:
    """Sanitized HTML plus what was learnt while rendering it."""

    html: str
    headings: tuple[Heading, ...]
    links: tuple[ArticleLink, ...]
    text: str
    sections: tuple[Section, ...] = ()


@dataclass(frozen=True)
class LimitProblem:
    """Text over one of the limits, at the 1-based line where it starts."""

    line: int
    kind: str  # a key of LIMIT_MESSAGES
    found: int
    limit: int

    @property
    def template(self) -> str:
        """What is wrong, as a template for the catalogue (``N_``)."""
        return LIMIT_MESSAGES[self.kind]

    @property
    def params(self) -> dict[str, str]:
        """The numbers the template names, written as in English."""
        found = str(self.found) if self.kind in _UNGROUPED else f"{self.found:,}"
        return {"found": found, "limit": f"{self.limit:,}"}

    @property
    def message(self) -> str:
        """What is wrong, in English (forms translate by ``kind``)."""
        return self.template % self.params


class TooComplex(ValueError):
    """Markdown over the limits; rendering it would be slow or recurse too deep."""

    def __init__(self, problems: list[LimitProblem]) -> None:
        super().__init__("; ".join(f"line {p.line}: {p.message}" for p in problems))
        self.problems = problems


def _normalize(source: str) -> str:
    """Line endings and tabs as Python-Markdown sees them."""
    return source.replace("\r\n", "\n").replace("\r", "\n").expandtabs(4)


def _blank_fences(text: str) -> str:
    """Fenced code blocks replaced by empty lines (Markdown never parses them)."""
    return _FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), text)


def _depth(line: str) -> int:
    """How many lists, quotes and indentation levels open this line."""
    if _RULE.match(line):
        return 0
    depth = spaces = position = 0
    while position < len(line):
        char = line[position]
        if char == " ":
            spaces += 1
            position += 1
        elif char == ">":
            depth += 1
            position += 1
        else:
            marker = _LIST_MARKER.match(line, position)
            if marker is None:
                break
            depth += 1
            position = marker.end()
    return depth + spaces // 4


class _Limits:
    """Collects the first problem of each kind while scanning once."""

    def __init__(self) -> None:
        self.problems: dict[tuple[str, object], LimitProblem] = {}

    def over(
        self, kind: str, found: int, limit: int, line: int, key: object = None
    ) -> None:
        """Record ``found`` when over ``limit``: the largest value, the first line."""
        if found <= limit:
            return
        first = self.problems.get((kind, key))
        if first is None or found > first.found:
            start = line if first is None else first.line
            self.problems[(kind, key)] = LimitProblem(start, kind, found, limit)


def _check_brackets(text: str, limits: _Limits) -> None:
    """Bracket depth and unmatched openers, paragraph by paragraph."""
    unmatched = 0
    line_starts = [0, *(m.end() for m in re.finditer("\n", text))]

    def line_at(offset: int) -> int:
        return bisect.bisect_right(line_starts, offset)

    # Code spans are stashed before links are looked for; blank them (same length).
    text = _CODE_SPAN.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    ends = [m.start() for m in _BLANK_LINE.finditer(text)] + [len(text)]
    base = 0
    for end in ends:
        stacks: dict[str, list[int]] = {"[": [], "(": []}
        chunk = text[base:end]
        for match in _BRACKET.finditer(chunk):
            char = match.group(0)
            if char in stacks:
                stacks[char].append(base + match.start())
            elif char in "])":
                stack = stacks["[" if char == "]" else "("]
                if stack:
                    # Depth counts closed pairs only: an unclosed run is
                    # reported once, as unmatched.
                    limits.over(
                        "bracket_depth",
                        len(stack),
                        MAX_BRACKET_DEPTH,
                        line_at(stack[0]),
                    )
                    stack.pop()
            elif char == "<" and not _TAG.match(chunk, match.start()):
                unmatched += 1
                limits.over(
                    "unmatched", unmatched, MAX_UNMATCHED, line_at(base + match.start())
                )
        for stack in stacks.values():
            for offset in stack:
                unmatched += 1
                limits.over("unmatched", unmatched, MAX_UNMATCHED, line_at(offset))
        base = end


def check_limits(source: str) -> list[LimitProblem]:
    """Every limit ``source`` exceeds, each at the line where it starts."""
    limits = _Limits()
    limits.over("size", len(source), MAX_CHARS, 1)
    if len(source) > MAX_CHARS:
        return list(limits.problems.values())  # too big to scan further
    text = _blank_fences(_normalize(source))
    lines = text.split("\n")
    limits.over("lines", len(lines), MAX_LINES, MAX_LINES + 1)
    headings = abbreviations = cells = 0
    table_start: int | None = None
    table_rows = table_columns = 0
    for number, line in enumerate(lines, 1):
        if not line.strip():
            if table_start is not None:
                cells += table_rows * table_columns
                limits.over("table_cells", cells, MAX_TABLE_CELLS, table_start)
            table_start = None
            continue
        limits.over("nesting", _depth(line), MAX_NESTING, number)
        if _HEADING.match(line):
            headings += 1
            limits.over("headings", headings, MAX_HEADINGS, number)
        if _ABBREVIATION.match(line):
            abbreviations += 1
            limits.over("abbreviations", abbreviations, MAX_ABBREVIATIONS, number)
        if table_start is None and _TABLE_SEPARATOR.match(line) and number > 1:
            # A table is the header above the separator and the rows below it.
            table_start, table_rows = number - 1, 1
            table_columns = lines[number - 2].count("|") + 1
        elif table_start is not None:
            table_rows += 1
            table_columns = max(table_columns, line.count("|") + 1)
            limits.over(
                "table_rows", table_rows, MAX_TABLE_ROWS, table_start, table_start
            )
    if table_start is not None:
        cells += table_rows * table_columns
        limits.over("table_cells", cells, MAX_TABLE_CELLS, table_start)
    _check_brackets(text, limits)
    return sorted(limits.problems.values(), key=lambda p: (p.line, p.kind))


def is_article_link(href: str) -> bool:
    """True when ``href`` names another article by slug (no scheme, no path)."""
    return bool(href) and not (
        _SCHEME.match(href) or href.startswith(("/", "#", ".", "?")) or "/" in href
    )


class _LinksAndAnchors(Treeprocessor):
    """Resolves slug links, adds section links and keeps declared old anchors."""

    def __init__(self, md: markdown.Markdown, options: dict) -> None:
        super().__init__(md)
        self.options = options

    def run(self, root: etree.Element) -> None:
        resolve: Callable[[str], str] = self.options["resolve"]
        old_anchors: Mapping[str, str] = self.options["old_anchors"]
        label = SECTION_LINK_LABEL.get(self.options["lang"], SECTION_LINK_LABEL["en"])
        links: list[ArticleLink] = self.options["links"]
        by_target: dict[str, list[str]] = {}
        for old, new in old_anchors.items():
            by_target.setdefault(new, []).append(old)

        for parent in list(root.iter()):
            for position, child in enumerate(list(parent)):
                if child.tag == "table":
                    # A focusable, labelled region lets keyboard users scroll
                    # wide tables on narrow screens.
                    wrap = etree.Element(
                        "div",
                        {
                            "class": "table-wrap",
                            "role": "region",
                            "tabindex": "0",
                            "aria-label": TABLE_LABEL.get(
                                self.options["lang"], "Table"
                            ),
                        },
                    )
                    parent.remove(child)
                    wrap.append(child)
                    wrap.tail, child.tail = child.tail, None
                    parent.insert(position, wrap)
        for element in list(root.iter()):
            if element.tag == "a":
                href = element.get("href", "")
                if href.startswith("#") and len(href) > 1:
                    links.append(ArticleLink(None, href[1:], href))
                elif is_article_link(href):
                    slug, _, anchor = href.partition("#")
                    links.append(ArticleLink(slug, anchor or None, href))
                    element.set(
                        "href", resolve(slug) + (f"#{anchor}" if anchor else "")
                    )
            elif element.tag in SECTION_LEVELS and element.get("id"):
                anchor = element.get("id") or ""
                for old in by_target.get(anchor, []):
                    marker = etree.Element("span", {"id": old, "class": "old-anchor"})
                    element.insert(0, marker)
                    marker.tail, element.text = element.text, None
                link = etree.SubElement(
                    element,
                    "a",
                    {
                        "class": "section-link",
                        "href": f"#{anchor}",
                        "aria-label": label,
                        "data-section": anchor,
                    },
                )
                link.text = "#"


class _JawabExtension(Extension):
    def __init__(self, options: dict) -> None:
        super().__init__()
        self.options = options

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (API name)
        # Priority below toc (5) so heading ids already exist.
        md.treeprocessors.register(_LinksAndAnchors(md, self.options), "jawab", 4)


def sanitize(raw_html: str) -> str:
    """Clean HTML against Jawab's allowlist (no scripts, handlers or bad URLs)."""
    return nh3.clean(
        raw_html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def to_text(clean_html: str) -> str:
    """Plain text of sanitized HTML, for the search index and snippets."""
    text = nh3.clean(clean_html, tags=set(), attributes={})
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


_SECTION_HEADING = re.compile(
    r"<h([234])\b[^>]*?\bid=\"([^\"]+)\"[^>]*>(.*?)</h\1>", re.S
)
_BLOCK_END = re.compile(r"</(?:p|li|dt|dd|td|th|h[1-6]|pre|caption)>")
_TAG = re.compile(r"<[^>]*>")
_SENTENCE_END = (".", "!", "?", ":", ";", "…")


def _block_text(fragment: str) -> str:
    """Plain text of an HTML fragment with blocks kept apart.

    A list item, table cell or admonition title without final punctuation is
    followed by " · ", so a snippet never reads two blocks as one sentence.
    """
    # The HTML is sanitized already (no comments, scripts or raw "<"), so
    # dropping tags is exact; nh3 would move table text out of its cells.
    marked = _TAG.sub("", _BLOCK_END.sub("\x1f", fragment))
    parts = [_squash(html.unescape(part)) for part in marked.split("\x1f")]
    out = ""
    for part in filter(None, parts):
        if out:
            out += " " if out.endswith(_SENTENCE_END) else " · "
        out += part
    return out


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


_TABLE = re.compile(r"<table\b[^>]*>(.*?)</table>", re.S)
_TABLE_ROW = re.compile(r"<tr\b[^>]*>(.*?)</tr>", re.S)
_CELL = re.compile(r"<(t[hd])\b[^>]*>(.*?)</\1>", re.S)
_LINE_BREAK = re.compile(r"<br\s*/?>")
# Punctuation a cell or header may end on that the row's own would double.
_CELL_END = " .;,:"
_ROW_END = ("!", "?", "…")


def _cell_text(fragment: str) -> str:
    """A cell's plain text: inline markup and links dropped, their words kept."""
    return _squash(html.unescape(_TAG.sub("", _LINE_BREAK.sub(" ", fragment))))


def _rows(fragment: str) -> tuple[Row, ...]:
    """The body rows of the tables in an HTML fragment, each cell with its header.

    A first row of header cells (``<th>``) labels the columns; a table without
    one (or with empty headers) has unlabelled cells. A row with fewer than two
    cells that say something is left out: alone, one cell is a fragment.
    """
    found: list[Row] = []
    for table in _TABLE.finditer(fragment):
        rows = [
            [(tag, _cell_text(cell)) for tag, cell in _CELL.findall(row)]
            for row in _TABLE_ROW.findall(table.group(1))
        ]
        labels: list[str] = []
        if rows and rows[0] and all(tag == "th" for tag, _text in rows[0]):
            labels = [text.rstrip(_CELL_END) for _tag, text in rows.pop(0)]
        for row in rows:
            cells = tuple(
                (labels[i] if i < len(labels) else "", text)
                for i, (_tag, text) in enumerate(row)
            )
            if sum(bool(text) for _label, text in cells) >= 2:
                found.append(cells)
    return tuple(found)


def row_text(row: Row) -> str:
    """A table row read as one unit, in the article's words plus punctuation.

    Its first cell is the key and each other cell follows with its column's
    header: "GoPay, OVO — Dana dikembalikan ke: E-wallet yang sama; Lama
    proses: 1–3 hari kerja." Without a header the cells follow plainly
    ("GoPay, OVO — E-wallet yang sama; 1–3 hari kerja."); empty cells are
    skipped. A shorter row (``row[:n]``) reads the same way, so a row is
    shortened only by whole cells.
    """
    key = row[0][1].rstrip(_CELL_END) if row else ""
    rest = [
        f"{label}: {cell}" if label else cell
        for label, cell in ((label, text.rstrip(_CELL_END)) for label, text in row[1:])
        if cell
    ]
    text = f"{key} — {'; '.join(rest)}" if key and rest else "; ".join(rest) or key
    return text if not text or text.endswith(_ROW_END) else text + "."


def sections(clean_html: str) -> tuple[Section, ...]:
    """Split sanitized article HTML into its sections (h2-h4 with an id)."""
    body = _SECTION_LINK.sub("", clean_html)
    found: list[Section] = []
    anchor, heading, start = None, "", 0
    for match in _SECTION_HEADING.finditer(body):
        fragment = body[start : match.start()]
        text = _block_text(fragment)
        if text or anchor is not None:
            found.append(Section(anchor, heading, text, _rows(fragment)))
        anchor = match.group(2)
        heading = _squash(html.unescape(_TAG.sub("", match.group(3))))
        start = match.end()
    text = _block_text(body[start:])
    if text or anchor is not None:
        found.append(Section(anchor, heading, text, _rows(body[start:])))
    return tuple(found)


def _flatten(tokens: list[dict]) -> list[Heading]:
    found: list[Heading] = []
    for token in tokens:
        found.append(Heading(token["level"], token["id"], html.unescape(token["name"])))
        found.extend(_flatten(token["children"]))
    return found


_local = threading.local()


def _converter() -> tuple[markdown.Markdown, dict]:
    """A Markdown instance per thread: building one costs more than converting."""
    if not hasattr(_local, "md"):
        options: dict = {}
        _local.options = options
        _local.md = markdown.Markdown(
            extensions=[*EXTENSIONS, _JawabExtension(options)],
            extension_configs={"toc": {"slugify": slugify, "toc_depth": "2-4"}},
            output_format="html",
        )
    return _local.md, _local.options


def render(
    source: str,
    *,
    lang: str = "en",
    resolve: Callable[[str], str] | None = None,
    old_anchors: Mapping[str, str] | None = None,
) -> Rendered:
    """Render article Markdown to sanitized HTML with anchors and section links.

    Raises :class:`TooComplex` (before any rendering) for text over the limits.
    """
    problems = check_limits(source)
    if problems:
        raise TooComplex(problems)
    links: list[ArticleLink] = []
    md, options = _converter()
    options.update(
        resolve=resolve or (lambda slug: slug),
        old_anchors=old_anchors or {},
        lang=lang,
        links=links,
    )
    md.reset()
    clean = sanitize(md.convert(source))
    headings = tuple(_flatten(getattr(md, "toc_tokens", [])))
    # Section-link text ("#") is decoration, not content worth indexing.
    text = to_text(_SECTION_LINK.sub("", clean))
    return Rendered(clean, headings, tuple(links), text, sections(clean))


def message_html(source: str) -> str:
    """A staff message as sanitized HTML, rendered once when it is saved.

    Text over the limits (only messages saved before the limits existed: the
    form refuses it now) becomes escaped plain text with its line breaks.
    """
    try:
        return render(source).html
    except TooComplex:
        return "<p>" + html.escape(source).replace("\n", "<br>\n") + "</p>"

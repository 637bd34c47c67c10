"""The one way Markdown becomes HTML: render, anchor, sanitize.

Articles are written by editors and reviewed in git, but the HTML that reaches a
page is still sanitized with nh3 against a short allowlist, so a script, an event
handler or a ``javascript:`` link in an article never reaches a reader.
"""

from __future__ import annotations

import html
import re
import threading
import xml.etree.ElementTree as etree
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import markdown
import nh3
from markdown.extensions import Extension
from markdown.extensions.toc import slugify
from markdown.treeprocessors import Treeprocessor

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


@dataclass(frozen=True)
class Section:
    """One part of an article: the text under a heading (or before the first)."""

    anchor: str | None  # the heading's id; None for the text before any heading
    heading: str
    text: str


@dataclass(frozen=True)
class Rendered:
    """Sanitized HTML plus what was learnt while rendering it."""

    html: str
    headings: tuple[Heading, ...]
    links: tuple[ArticleLink, ...]
    text: str
    sections: tuple[Section, ...] = ()


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
                anchor = element.get("id")
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


def sections(clean_html: str) -> tuple[Section, ...]:
    """Split sanitized article HTML into its sections (h2-h4 with an id)."""
    body = _SECTION_LINK.sub("", clean_html)
    found: list[Section] = []
    anchor, heading, start = None, "", 0
    for match in _SECTION_HEADING.finditer(body):
        text = _block_text(body[start : match.start()])
        if text or anchor is not None:
            found.append(Section(anchor, heading, text))
        anchor = match.group(2)
        heading = _squash(html.unescape(_TAG.sub("", match.group(3))))
        start = match.end()
    text = _block_text(body[start:])
    if text or anchor is not None:
        found.append(Section(anchor, heading, text))
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
    """Render article Markdown to sanitized HTML with anchors and section links."""
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

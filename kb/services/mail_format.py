"""The text part of a multipart mail, read from the HTML part.

Both parts come from the same Markdown: it is rendered once (by
:func:`kb.markdown.message_html`) and the text part is that HTML read back as
plain text, links written out, so a customer never sees ``[Title](url)``.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

BLOCKS = {"p", "div", "ul", "ol", "table", "tr", "blockquote", "pre", "hr"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.links: list[tuple[str, int]] = []  # href, where its text began

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCKS or tag in HEADINGS:
            self.out.append("\n\n")
        elif tag == "br":
            self.out.append("\n")
        elif tag == "li":
            self.out.append("\n- ")
        elif tag in {"td", "th"}:
            self.out.append(" | ")
        elif tag == "a":
            self.links.append((dict(attrs).get("href") or "", len(self.out)))

    def handle_endtag(self, tag: str) -> None:
        if tag in BLOCKS or tag in HEADINGS:
            self.out.append("\n\n")
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            text = "".join(self.out[start:]).strip()
            if href and href != text and not href.startswith("#"):
                self.out.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        if "\n" in data and not data.strip():
            return  # the line breaks between tags: the tags decide the layout
        self.out.append(data)


def plain_text(html: str) -> str:
    """Sanitized message HTML as readable plain text (links in brackets)."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    text = "".join(reader.out)
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()

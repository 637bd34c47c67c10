"""Sharing an article or one of its sections: share URLs and link previews.

A ``#fragment`` never reaches the server, so a link that should preview one section
carries it as ``?s=<anchor>`` too; the page then describes that section in its
OpenGraph and Twitter tags. Share links use each platform's public share URL (no
API keys), with the text shortened to what the platform accepts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import quote, urlencode

from kb.markdown import Heading
from kb.services.composer import X_LINK_LENGTH, limit_for

SEPARATOR = " › "
# WhatsApp accepts far more, but a share message is read on a phone: keep it short.
WHATSAPP_TEXT = 700
DESCRIPTION_LENGTH = 200
_SENTENCE = re.compile(r"^(.+?[.!?])(?:\s|$)")


@dataclass(frozen=True)
class Preview:
    """What a link unfurler shows: a title, a description and the URL it names."""

    title: str
    description: str
    url: str
    anchor: str | None = None


@dataclass(frozen=True)
class ShareLinks:
    """The public share URLs for one link."""

    url: str
    whatsapp: str
    x: str
    facebook: str


def shorten(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with "…"."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:-–—") + "…"


def section_url(article_url: str, anchor: str | None, **params: str) -> str:
    """An article URL that previews and opens one section (``?s=`` and ``#``)."""
    query = dict(params)
    if anchor:
        query["s"] = anchor
    url = article_url + (f"?{urlencode(query)}" if query else "")
    return url + (f"#{quote(anchor)}" if anchor else "")


def share_links(title: str, url: str) -> ShareLinks:
    """WhatsApp, X and Facebook share URLs for ``url``, the text fitted to each."""
    # X counts every link as 23 characters; one space separates text and link.
    x_limit = (limit_for("x") or 280) - X_LINK_LENGTH - 1
    whatsapp_text = f"{shorten(title, WHATSAPP_TEXT)} {url}"
    return ShareLinks(
        url=url,
        whatsapp="https://wa.me/?" + urlencode({"text": whatsapp_text}),
        x="https://x.com/intent/post?"
        + urlencode({"text": shorten(title, x_limit), "url": url}),
        # Facebook's sharer takes only the link; the preview comes from the page.
        facebook="https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url}),
    )


def first_sentence(text: str, limit: int = DESCRIPTION_LENGTH) -> str:
    """The first sentence of ``text`` (shortened when it is very long)."""
    text = " ".join(text.split())
    found = _SENTENCE.match(text)
    return shorten(found.group(1) if found else text, limit)


class _SectionText(HTMLParser):
    """Collects the text between the heading with ``anchor`` and the next heading."""

    HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}

    def __init__(self, anchor: str) -> None:
        super().__init__(convert_charrefs=True)
        self.anchor = anchor
        self.state = "before"  # → "heading" → "body" → "done"
        self.skip = 0  # inside the "#" section link
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        values = dict(attrs)
        if tag in self.HEADINGS:
            if self.state == "before" and values.get("id") == self.anchor:
                self.state = "heading"
            elif self.state == "body":
                self.state = "done"
        elif tag == "a" and values.get("class") == "section-link":
            self.skip += 1
        elif tag in {"p", "li", "td", "th", "br", "div"} and self.state == "body":
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.skip:
            self.skip -= 1
        elif tag in self.HEADINGS and self.state == "heading":
            self.state = "body"

    def handle_data(self, data: str) -> None:
        if self.state == "body" and not self.skip:
            self.parts.append(data)


def section_text(html: str, anchor: str) -> str:
    """The plain text of one section of rendered article HTML."""
    parser = _SectionText(anchor)
    parser.feed(html)
    return " ".join("".join(parser.parts).split())


def resolve_anchor(
    anchor: str | None, headings: tuple[Heading, ...], old: dict[str, str]
) -> Heading | None:
    """The heading ``anchor`` names (old anchors included), or None."""
    if not anchor:
        return None
    anchor = old.get(anchor, anchor)
    return next((h for h in headings if h.anchor == anchor), None)


def preview(
    title: str,
    summary: str,
    url: str,
    html: str,
    heading: Heading | None,
) -> Preview:
    """The article's preview, or "Article › Section" with the section's first line."""
    if heading is None:
        return Preview(title, summary, url)
    description = first_sentence(section_text(html, heading.anchor)) or summary
    return Preview(
        f"{title}{SEPARATOR}{heading.text}",
        description,
        f"{url}?{urlencode({'s': heading.anchor})}",
        heading.anchor,
    )

"""Read a customer's emailed answer: who, which ticket, what they wrote.

Pure functions over the raw message (the standard library's ``email`` with
``policy.default``): no database. :mod:`kb.services.inbound_mail` decides what
to do with the result. Quoted history is cut at the first line a mail program
puts before it (Gmail, Outlook, Apple Mail, in English and Indonesian), at a
signature (``-- ``), and every ``>`` line goes; HTML-only mail becomes text.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import parseaddr
from html.parser import HTMLParser

# "On Mon, 7 Dec 2026 at 10:00, Jawab <help+…@example.com> wrote:" (Gmail and
# Apple Mail, which may wrap it over two lines) and Gmail's Indonesian form.
_WROTE = re.compile(
    r"^\s*(On\s.+\swrote|Pada\s.+\smenulis|Le\s.+\sa écrit|Am\s.+\sschrieb)\s*:\s*$",
    re.IGNORECASE | re.DOTALL,
)
_HISTORY_LINES = (
    re.compile(
        r"^\s*-{2,}\s*(Original Message|Pesan Asli|Forwarded message"
        r"|Pesan yang diteruskan)\s*-{2,}\s*$",
        re.IGNORECASE,
    ),
    re.compile(r"^\s*_{20,}\s*$"),  # Outlook's rule above the quoted headers
    # Outlook without the rule: "From: …" then "Sent:"/"Date:" on the next line.
    re.compile(r"^\s*(From|Dari)\s*:\s.+\n\s*(Sent|Date|Dikirim|Tanggal)\s*:", re.I),
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SIGNATURE = re.compile(r"^-- ?$")
_SENT_FROM = re.compile(
    r"^\s*(Sent from my |Dikirim dari |Get Outlook for |Kirim dari )", re.IGNORECASE
)
# What says "a machine wrote this" (RFC 3834, common auto-responders, DSNs).
_BULK = {"bulk", "junk", "list", "auto_reply"}
_DAEMONS = re.compile(r"^(mailer-daemon|postmaster|no-?reply|bounces?)[@+-]", re.I)
_AUTO_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress")


@dataclass(frozen=True)
class Attachment:
    """A file sent with the answer, as it came (checked where it is stored)."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Inbound:
    """A parsed mail: its sender, headers that matter, and the new text."""

    message: EmailMessage
    sender: str
    sender_name: str
    subject: str
    message_id: str
    text: str
    attachments: list[Attachment] = field(default_factory=list)


def parse(raw: bytes) -> Inbound:
    """Parse a raw RFC 5322 message; never raises on a malformed one."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)  # policy.default builds these
    name, address = parseaddr(str(message.get("From", "")))
    return Inbound(
        message=message,
        sender=address.strip().lower(),
        sender_name=_clean(name).strip(),
        subject=_clean(_header(message, "Subject")),
        message_id=_header(message, "Message-ID"),
        text=strip_quoted(_clean(body_text(message))),
        attachments=attachments(message),
    )


def _clean(text: str) -> str:
    # NUL and other C0 controls (but tab and newlines) are never text, and
    # PostgreSQL refuses NUL in a string.
    return _CONTROLS.sub("", text)


def _header(message: EmailMessage, name: str) -> str:
    try:
        return str(message.get(name, "") or "").strip()
    except (ValueError, IndexError):  # an undecodable header: as if absent
        return ""


def automatic_reason(inbound: Inbound) -> str | None:
    """Why this mail was written by a machine (to be ignored), or None.

    Auto-replies and out-of-office notes, bulk and list mail, bounces and
    delivery reports.
    """
    message = inbound.message
    auto = _header(message, "Auto-Submitted").lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    precedence = _header(message, "Precedence").lower()
    if precedence in _BULK:
        return f"Precedence: {precedence}"
    for name in _AUTO_HEADERS:
        if message.get(name) is not None:
            return name
    if message.get_content_type() == "multipart/report":
        return "delivery report"
    if not inbound.sender or _DAEMONS.match(inbound.sender):
        return "sent by a mail system"
    if _header(message, "Return-Path") == "<>":
        return "empty return path"
    return None


def body_text(message: EmailMessage) -> str:
    """The text part; else the HTML part as text; else empty."""
    try:
        part = message.get_body(preferencelist=("plain", "html"))
    except (KeyError, LookupError):
        return ""
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError):  # an unknown charset or broken encoding
        payload = part.get_payload(decode=True) or b""
        content = bytes(payload).decode("utf-8", "replace")
    if part.get_content_type() == "text/html":
        return html_to_text(str(content))
    return str(content)


def attachments(message: EmailMessage) -> list[Attachment]:
    """Every attached file (inline images included), in the order sent."""
    found = []
    for part in message.iter_attachments():
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True)
        if not payload:
            continue
        found.append(
            Attachment(
                filename=part.get_filename() or "",
                content_type=part.get_content_type(),
                data=bytes(payload),
            )
        )
    return found


def strip_quoted(text: str) -> str:
    """The new part of an answer: quoted history, signature and ``>`` lines go."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        two = line + "\n" + (lines[index + 1] if index + 1 < len(lines) else "")
        if _WROTE.match(line) or _WROTE.match(two.replace("\n", " ")):
            break
        if any(p.match(line) or p.match(two) for p in _HISTORY_LINES):
            break
        if _SIGNATURE.match(line) or _SENT_FROM.match(line):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line.rstrip())
    return "\n".join(kept).strip()


class _Text(HTMLParser):
    """HTML to plain text: blocks become lines, quoted history is dropped."""

    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"}
    SKIPPED = {"script", "style", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0  # inside script/style/blockquote/quoted-history elements

    def _is_history(self, tag: str, attrs: list[tuple[str, str | None]]) -> bool:
        classes = " ".join(v or "" for k, v in attrs if k in {"class", "id"})
        return tag == "blockquote" or any(
            marker in classes
            for marker in (
                "gmail_quote",
                "divRplyFwdMsg",
                "appendonsend",
                "yahoo_quoted",
            )
        )

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skip or tag in self.SKIPPED or self._is_history(tag, attrs):
            if tag != "br":
                self.skip += 1
            return
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self.skip:
            self.skip -= 1
            return
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.skip and tag == "br":
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """Readable text from an HTML mail (blocks as lines, no quoted history)."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = [line.strip() for line in "".join(parser.parts).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()

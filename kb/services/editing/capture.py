"""Knowledge capture: an article drafted from a ticket, without personal data."""

from __future__ import annotations

import re
from collections.abc import Collection

from kb.services.editing.fields import Fields
from kb.storage.models import Ticket

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w])\+?\d[\d\s().-]{6,}\d(?![\w])")
_REFERENCE = re.compile(r"\bJWB-[0-9A-Z]{5}\b")


def redact(text: str, names: tuple[str, ...] = ()) -> str:
    """``text`` without email addresses, phone numbers, references or ``names``."""
    text = _EMAIL.sub("[email]", text)
    text = _REFERENCE.sub("[reference]", text)
    text = _PHONE.sub("[phone]", text)
    for name in sorted({n for n in names if n and len(n) > 1}, key=len, reverse=True):
        text = re.sub(re.escape(name), "[name]", text, flags=re.IGNORECASE)
    return text


def slugify(title: str) -> str:
    """A slug suggestion from a title."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return slug[:80].strip("-")


def from_ticket(ticket: Ticket, categories: Collection[str]) -> Fields:
    """A new article from the last public reply of ``ticket``, redacted.

    ``categories`` are the help center's category keys; a ticket's category
    outside them is left out.
    """
    replies = [m for m in ticket.messages if m.author == "agent" and not m.internal]
    reply = replies[-1].body if replies else ""
    names = (ticket.name, *ticket.name.split())
    body = redact(reply, names)
    title = redact(ticket.subject, names)
    return Fields(
        title=title,
        lang=ticket.lang if ticket.lang in ("id", "en") else "id",
        slug=slugify(title),
        category=ticket.category if ticket.category in categories else "",
        body=body,
    )

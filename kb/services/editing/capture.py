"""Knowledge capture: an article drafted from a ticket, without personal data."""

from __future__ import annotations

import re
from collections.abc import Collection

from kb.reading import personal_data
from kb.services.editing.fields import Fields
from kb.storage.models import Ticket


def redact(text: str, names: tuple[str, ...] = ()) -> str:
    """``text`` without personal data (kb.reading.personal_data) or ``names``.

    Amounts, times, dates and URLs stay: they are the article's substance.
    """
    return personal_data.scrub(text, names)


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

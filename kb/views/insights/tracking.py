"""What a request may be counted as: the visitor, the source, the search event.

Views call these and then :func:`kb.services.events.record`; staff and obvious
bots are never counted, and nothing about the client (address, agent) is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from flask import request
from flask_login import current_user

from kb.services import events
from kb.services.search import SearchRequest
from kb.storage.search_index import Hits
from kb.views import params
from kb.vocab import PLATFORMS

WIDGET = "widget"


@dataclass(frozen=True)
class VisitArgs:
    """The visit id the page's script adds to its requests (``v``)."""

    v: str | None = params.arg(params.optional(64))


def counted() -> bool:
    """True when this request is a customer's: not staff, not an obvious bot."""
    if current_user.is_authenticated:
        return False
    return not events.is_bot(request.headers.get("User-Agent"))


def view_source(src: str | None, reply: str | None, from_search: bool) -> str:
    """Where an article view came from: a platform, widget, reply, search, web."""
    if src in PLATFORMS or src == WIDGET:
        return str(src)
    if reply:
        return "reply"
    return "search" if from_search else "web"


def referrer_args() -> dict[str, str]:
    """The query arguments of the page that loaded this one (same site only)."""
    referrer = request.referrer or ""
    parts = urlsplit(referrer)
    if parts.netloc and parts.netloc != request.host:
        return {}
    return {k: v[0] for k, v in parse_qs(parts.query).items() if v}


def record_search(
    req: SearchRequest, hits: Hits, source: str, ui_lang: str
) -> str | None:
    """Record a final search (when it counts); returns its key for the page."""
    if not req.q or req.page != 1 or not counted():
        return None
    query = events.normalise_query(req.q)
    key = events.new_key()
    events.record(
        events.SearchPerformed(
            key=key,
            query=query,
            lang=req.lang or ui_lang,
            results=hits.total,
            corrected=hits.corrected,
            synonym=hits.synonym,
            source=source if source in events.SOURCES else "api",
            visit_id=events.visit_id(params.parse(VisitArgs, request.args).v),
            best_slug=hits.hits[0].slug if hits.hits else None,
        )
    )
    return key

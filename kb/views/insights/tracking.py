"""What a request may be counted as: the visitor, the source, the search event.

Views call these and then :func:`kb.services.events.record`; staff and obvious
bots are never counted, and nothing about the client (address, agent) is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from flask import current_app, request
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


def same_site() -> bool:
    """True when this request came from this site's own pages.

    Browsers say so in ``Sec-Fetch-Site``: another site's ``<img>`` or script
    is ``cross-site``, an address typed by hand ``none``. Browsers too old to
    send it still send an ``Origin`` (a POST) or a ``Referer`` (our pages'
    policy keeps it within the site); a request with neither is not counted.
    """
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "same-site")
    base = current_app.config["BASE_URL"]
    # Never the Host header alone when the site's address is configured.
    host = urlsplit(base).netloc if base else request.host
    for name in ("Origin", "Referer"):
        sent = request.headers.get(name)
        if sent:
            return _netloc(sent) == host
    return False


def _netloc(url: str) -> str | None:
    try:
        return urlsplit(url).netloc
    except ValueError:  # e.g. "http://[oops": from no page of ours
        return None


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
    netloc = _netloc(referrer)
    if netloc is None or (netloc and netloc != request.host):
        return {}
    return {k: v[0] for k, v in parse_qs(urlsplit(referrer).query).items() if v}


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

"""What drafting from a post needs from the web layer: links and a rate limit.

The composer page and ``POST /api/v1/replies/draft`` share these, so a draft
links the same way and counts against the same budget whichever way it came.
"""

from __future__ import annotations

from kb import throttle
from kb.services import drafting, short_links
from kb.storage import db
from kb.views.urls import absolute_url

# Drafts per staff member (page and API share it): an agent answers a thread
# every minute or so and re-drafts a few times; a script looping over posts
# with a token is what the ceiling stops.
DRAFTS = "30/minute;600/hour"


def handoff_link(slug: str | None, platform: str, case: str | None) -> str:
    """The absolute, prefilled link to the private contact form.

    A case already knows its article and platform: its code alone keeps the
    link short enough for TikTok's 150 characters.
    """
    values = {"case": case} if case else {"article": slug, "platform": platform}
    return absolute_url(
        "tickets.contact_redirect", **{k: v for k, v in values.items() if v}
    )


def draft_links(platform: str) -> drafting.Links:
    """Links of a drafted reply: its short link and the prefilled private form."""

    def short(slug: str, lang: str, anchor: str | None, code: str) -> str:
        return short_links.shorten(
            db.session(),
            code=code,
            slug=slug,
            lang=lang,
            anchor=anchor,
            platform=platform,
        )

    def handoff(slug: str | None) -> str:
        return handoff_link(slug, platform, None)

    return drafting.Links(short, handoff, short_links.private_url)


def draft_wait(user_id: int) -> int:
    """Count one draft for this staff member; seconds to wait if over (0: go)."""
    return throttle.take(DRAFTS, "drafts", str(user_id))

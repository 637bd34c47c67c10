"""POST /api/v1/replies/draft: three public replies for a customer's post, for staff
(one thank-you, with no article and no link, for a post that only thanks).

The same drafting as the composer page (kb.services.drafting): a signed-in
staff session (with its CSRF token in ``X-CSRFToken``) or a staff API token
(``Authorization: Bearer jwb_…``, no CSRF: no cookie is read). The post is
read and forgotten, never stored nor logged; bad input is a 400 in the API's
one error shape naming the field. With a ``thread_url`` on a known host
(x.com, instagram.com …) and ``platform`` left out or "other", the replies fit
the thread's platform (kb.services.thread_links); the link is not stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from kb.extensions import csrf
from kb.reading import MAX_LENGTH
from kb.services import composer, drafting, thread_links
from kb.services.drafting import Draft
from kb.storage import db
from kb.views.api import bp
from kb.views.api.errors import invalid
from kb.views.api.reports import token_or_session
from kb.views.composer.drafts import draft_links, draft_wait
from kb.views.context import library, search_service
from kb.views.insights.limits import too_many
from kb.views.urls import article_url
from kb.vocab import PLATFORMS

THREAD_URL_MAX = 500


@dataclass(frozen=True)
class DraftBody:
    """The request body, checked."""

    post: str
    platform: str
    lang: str | None
    tone: str | None
    thread_url: str


def _text(body: dict, name: str, max_length: int) -> str:
    raw = body.get(name)
    if raw is None:
        return ""
    if not isinstance(raw, str):
        invalid(name, _("%(field)s must be text.", field=name))
    if len(raw) > max_length:
        invalid(
            name,
            _(
                "%(field)s must be at most %(max)s characters.",
                field=name,
                max=max_length,
            ),
        )
    if "\x00" in raw:
        invalid(name, _("%(field)s contains a NUL character.", field=name))
    return raw


def _choice(body: dict, name: str, allowed: tuple[str, ...], required: bool) -> str:
    value = _text(body, name, 20)
    if not value and not required:
        return ""
    if value not in allowed:
        invalid(
            name,
            _(
                "%(field)s must be one of: %(allowed)s.",
                field=name,
                allowed=", ".join(allowed),
            ),
        )
    return value


def parse_body(raw: bytes) -> DraftBody:
    """The JSON body as a :class:`DraftBody`; a 400 naming the field otherwise."""
    try:
        body: Any = json.loads(raw or b"null")
    except ValueError:
        invalid("body", _("Send a JSON object."))
    if not isinstance(body, dict):
        invalid("body", _("Send a JSON object."))
    post = _text(body, "post", MAX_LENGTH)
    if not post.strip():
        invalid("post", _("Paste the customer's post."))
    thread_url = _text(body, "thread_url", THREAD_URL_MAX).strip()
    if thread_url:
        parts = urlsplit(thread_url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            invalid("thread_url", _("Enter the full address, starting with https://"))
    # Without a platform, a thread link on a known host says it.
    known = thread_links.platform_of(thread_url) if thread_url else None
    platform = _choice(body, "platform", PLATFORMS, required=known is None)
    lang = _choice(body, "lang", composer.LANGS, required=False)
    tone = _choice(body, "tone", composer.TONES, required=False)
    return DraftBody(post, platform or "other", lang or None, tone or None, thread_url)


@bp.post("/replies/draft")
@csrf.exempt  # a token needs none; the session's is checked in the view
@token_or_session("agent")
def draft_replies() -> Response:
    """Three public replies for a customer's post (a thank-you for one that only
    thanks), with what Jawab read from it."""
    if "Authorization" not in request.headers:
        csrf.protect()  # a browser session: the cookie alone must not be enough
    wait = draft_wait(current_user.id)
    if wait:
        too_many(wait)
    body = parse_body(request.get_data())
    chosen = thread_links.choose(body.platform, body.thread_url)
    result = drafting.draft(
        db.session(),
        search_service(),
        library(),
        drafting.DraftRequest(
            post=body.post,
            platform=chosen.name,
            lang=body.lang,
            tone=body.tone,
            thread_url=body.thread_url,
        ),
        draft_links(chosen.name),
    )
    response = jsonify(as_json(result, chosen))
    response.headers["Cache-Control"] = "no-store"
    return response


def as_json(result: Draft, chosen: thread_links.Platform | None = None) -> dict:
    """The answer body (see the OpenAPI document's DraftResponse)."""
    article = result.article
    section = result.section
    return {
        "lang": result.lang,
        "platform": result.platform,
        "platform_from_thread": bool(chosen and chosen.from_thread),
        "situation": {
            "complaint": result.reading.complaint,
            "thanks": result.reading.thanks,
            "heated": result.reading.heated,
            "personal_data": list(result.reading.personal_data),
            "private": result.reading.private,
        },
        "article": {
            "slug": article.slug,
            "title": article.title,
            "url": article_url(article.lang, article.slug, external=True),
        }
        if article
        else None,
        "section": {"anchor": section.anchor, "heading": section.text}
        if section
        else None,
        "answer": result.answer,
        "replies": [
            {
                "key": reply.key,
                "text": reply.text,
                "length": reply.length,
                "limit": reply.limit,
                "link": reply.link or None,
                "handoff": reply.handoff,
            }
            for reply in result.replies
        ],
        "candidates": [
            {
                "slug": c.slug,
                "lang": c.lang,
                "title": c.title,
                "anchor": c.anchor,
                "heading": c.heading,
                "confidence": c.confidence,
                "relevance": c.relevance,
                "match": c.match,
            }
            for c in result.candidates
        ],
    }

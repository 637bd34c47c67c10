"""The beacon (JavaScript), the view pixel and the feedback form (without it)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from flask import abort, jsonify, render_template, request, session
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from kb.extensions import csrf, limiter
from kb.services import events
from kb.views import params
from kb.views.api.errors import json_error
from kb.views.context import library
from kb.views.insights import bp
from kb.views.insights.forms import FeedbackForm
from kb.views.insights.tracking import counted, referrer_args, view_source
from kb.views.urls import article_url
from kb.vocab import LANGUAGES


@dataclass(frozen=True)
class PixelArgs:
    """The article the no-JavaScript view pixel counts."""

    slug: str = params.arg(params.text(200))


@dataclass(frozen=True)
class FeedbackArgs:
    """The section voted on, and the answer a "Yes"/"No" link already chose."""

    s: str = params.arg(params.text(200))
    helpful: str = params.arg(params.choice(("yes", "no"), ""))


# A transparent 1×1 GIF: what the <noscript> image loads.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
VOTED = "voted"  # the session list of (slug#section) a visitor without JS voted on


def _text(data: dict[str, Any], name: str, limit: int = 200) -> str:
    value = data.get(name, "")
    if not isinstance(value, str):
        return ""
    return value[:limit]


def _article(slug: str):
    found = library().get(slug)
    return found


@bp.post("/e")
@csrf.exempt  # JSON from our own pages only (checked below); no cookie is relied on
@limiter.limit("120/minute")
def beacon() -> Response | tuple[Response, int] | tuple[str, int]:
    """Record a view, a click, a picked suggestion, a vote or a vote's reason."""
    origin = request.headers.get("Origin")
    if origin and origin.split("://", 1)[-1] != request.host:
        return json_error(403, "events come from this site's pages only")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return json_error(400, "send a JSON object", "body")
    kind = _text(data, "t", 16)
    if kind not in {"view", "click", "pick", "vote", "reason"}:
        return json_error(400, "t must be view, click, pick, vote or reason", "t")
    if not counted():
        return "", 204
    visit = events.visit_id(_text(data, "v", 32))
    if kind == "reason":
        return _reason(data)
    article = _article(_text(data, "slug"))
    if article is None:
        return json_error(400, "slug is not a published article", "slug")
    section = _text(data, "section")
    if section and all(h.anchor != section for h in library().headings(article.slug)):
        section = ""
    if kind == "view":
        reply = events.event_key(_text(data, "r", 16))
        events.record(
            events.ArticleViewed(
                slug=article.slug,
                lang=article.lang,
                source=view_source(_text(data, "src", 16), reply, bool(data.get("sr"))),
                visit_id=visit,
                reply_code=reply,
            )
        )
        return "", 204
    rank = data.get("rank")
    rank = rank if isinstance(rank, int) and 1 <= rank <= 1000 else None
    if kind == "click":
        key = events.event_key(_text(data, "k", 16))
        if key is None or rank is None:
            return json_error(400, "k and rank name the search and result", "k")
        events.record(events.SearchClicked(key, article.slug, rank, section or None))
        return "", 204
    if kind == "pick":
        query = events.normalise_query(_text(data, "q", 500))
        if not query or rank is None:
            return json_error(400, "q and rank are needed", "q")
        key = events.new_key()
        lang = _text(data, "lang", 2)
        events.record(
            events.SearchPerformed(
                key=key,
                query=query,
                lang=lang if lang in LANGUAGES else article.lang,
                results=max(int(data.get("n") or 0), rank)
                if isinstance(data.get("n"), int)
                else rank,
                corrected=False,
                synonym=False,
                source="suggest",
                visit_id=visit,
                best_slug=article.slug if rank == 1 else None,
            )
        )
        events.record(events.SearchClicked(key, article.slug, rank, None))
        return "", 204
    helpful = data.get("helpful")
    if not isinstance(helpful, bool):
        return json_error(400, "helpful must be true or false", "helpful")
    key = events.new_key()
    events.record(
        events.Voted(key, article.slug, section, article.lang, helpful, visit)
    )
    return jsonify(key=key), 200


def _reason(data: dict[str, Any]) -> Response | tuple[Response, int] | tuple[str, int]:
    key = events.event_key(_text(data, "k", 16))
    reason = _text(data, "reason", 16)
    if key is None:
        return json_error(400, "k names the vote", "k")
    if reason not in events.REASONS:
        return json_error(400, "reason is not one of the listed reasons", "reason")
    comment = events.clean_comment(_text(data, "comment", 2000))
    events.record(events.VoteExplained(key, reason, comment))
    return "", 204


@bp.get("/e.gif")
@limiter.limit("120/minute")
def pixel() -> Response:
    """Count a view by a visitor without JavaScript (not linked to a visit)."""
    article = _article(params.parse(PixelArgs, request.args).slug)
    if article is not None and counted():
        args = referrer_args()
        reply = events.event_key(args.get("r"))
        events.record(
            events.ArticleViewed(
                slug=article.slug,
                lang=article.lang,
                source=view_source(args.get("src"), reply, "sr" in args),
                reply_code=reply,
            )
        )
    response = Response(PIXEL, mimetype="image/gif")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<any(id, en):lang>/articles/<slug>/feedback", methods=["GET", "POST"])
@limiter.limit("20/minute", methods=["POST"])
def feedback(lang: str, slug: str) -> Response | str | tuple[str, int]:
    """ "Was this helpful?" without JavaScript: a small form, sent with CSRF."""
    article = _article(slug)
    if article is None or article.lang != lang:
        abort(404)
    asked = params.parse(FeedbackArgs, request.values)
    section = asked.s
    heading = next(
        (h for h in library().headings(article.slug) if h.anchor == section), None
    )
    section = heading.anchor if heading else ""
    form = FeedbackForm()
    if request.method == "GET" and asked.helpful:
        form.helpful.data = asked.helpful
    back = article_url(article.lang, article.slug, _anchor=section or None)
    if form.validate_on_submit():
        seen = session.get(VOTED, [])
        target = f"{article.slug}#{section}"
        if target not in seen and counted():
            key = events.new_key()
            helpful = form.helpful.data == "yes"
            events.record(
                events.Voted(key, article.slug, section, article.lang, helpful)
            )
            if not helpful and form.reason.data:
                comment = events.clean_comment(form.comment.data or "")
                events.record(events.VoteExplained(key, form.reason.data, comment))
            session[VOTED] = [*seen, target][-50:]
        return render_template(
            "insights/thanks.html",
            lang=lang,
            article=article,
            heading=heading,
            back=back,
            noindex=True,
        )
    status = 400 if request.method == "POST" else 200
    return render_template(
        "insights/feedback.html",
        lang=lang,
        article=article,
        heading=heading,
        form=form,
        back=back,
        title=_("Was this helpful?"),
        noindex=True,
    ), status

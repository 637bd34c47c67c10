"""The beacon (JavaScript), the view pixel and the feedback form (without it)."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from flask import abort, jsonify, render_template, request, session
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from kb.extensions import csrf, limiter
from kb.services import events
from kb.storage.articles import ArticleFile
from kb.views import params
from kb.views.api.errors import json_error
from kb.views.context import library
from kb.views.insights import bp, limits, payload
from kb.views.insights.forms import FeedbackForm
from kb.views.insights.tracking import counted, referrer_args, same_site, view_source
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


def _article(slug: str) -> ArticleFile | None:
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
    if not request.is_json:
        # A form or text/plain body is what another site could send without
        # asking (no CORS preflight): only JSON is read.
        return json_error(400, _("Send a JSON object."), "body")
    try:
        data = payload.parse_beacon(payload.json_object(request.get_data()))
    except params.ParamError as exc:
        return json_error(400, exc.message, exc.field)
    kind = data.t
    if kind not in {"view", "click", "pick", "vote", "reason"}:
        return json_error(400, "t must be view, click, pick, vote or reason", "t")
    if not counted():
        return "", 204
    visit = events.visit_id(data.v)
    if kind == "reason":
        return _reason(data)
    article = _article(data.slug)
    if article is None:
        return json_error(400, "slug is not a published article", "slug")
    section = data.section
    if section and all(h.anchor != section for h in library().headings(article.slug)):
        section = ""
    if kind == "view":
        if not same_site():
            return json_error(403, "events come from this site's pages only")
        if wait := limits.view_wait():
            return _too_many(wait)
        reply = events.event_key(data.r)
        events.record(
            events.ArticleViewed(
                slug=article.slug,
                lang=article.lang,
                source=view_source(data.src, reply, bool(data.sr)),
                visit_id=visit,
                reply_code=reply,
            )
        )
        return "", 204
    rank = data.rank
    if kind == "click":
        key = events.event_key(data.k)
        if key is None or rank is None:
            return json_error(400, "k and rank name the search and result", "k")
        events.record(events.SearchClicked(key, article.slug, rank, section or None))
        return "", 204
    if kind == "pick":
        query = events.normalise_query(data.q)
        if not query or rank is None:
            return json_error(400, "q and rank are needed", "q")
        key = events.new_key()
        events.record(
            events.SearchPerformed(
                key=key,
                query=query,
                lang=data.lang if data.lang in LANGUAGES else article.lang,
                results=max(data.n or 0, rank),
                corrected=False,
                synonym=False,
                source="suggest",
                visit_id=visit,
                best_slug=article.slug if rank == 1 else None,
            )
        )
        events.record(events.SearchClicked(key, article.slug, rank, None))
        return "", 204
    if data.helpful is None:
        return json_error(
            400, _("%(field)s must be true or false.", field="helpful"), "helpful"
        )
    if wait := limits.vote_wait(visit):
        return _too_many(wait)
    key = events.new_key()
    events.record(
        events.Voted(key, article.slug, section, article.lang, data.helpful, visit)
    )
    return jsonify(key=key), 200


def _too_many(wait: int) -> Response:
    response = json_error(429, _("Please wait a minute and try again."))
    response.headers["Retry-After"] = str(wait)
    return response


def _reason(data: payload.Beacon) -> Response | tuple[Response, int] | tuple[str, int]:
    key = events.event_key(data.k)
    if key is None:
        return json_error(400, "k names the vote", "k")
    if data.reason not in events.REASONS:
        return json_error(400, "reason is not one of the listed reasons", "reason")
    comment = events.clean_comment(data.comment)
    events.record(events.VoteExplained(key, data.reason, comment))
    return "", 204


@bp.get("/e.gif")
@limiter.limit("120/minute")
def pixel() -> Response:
    """Count a view by a visitor without JavaScript (not linked to a visit)."""
    article = _article(params.parse(PixelArgs, request.args).slug)
    # Only from this site's own pages: another site's <img> must not count.
    if article is not None and counted() and same_site():
        if wait := limits.view_wait():
            limits.too_many(wait)
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
            # No visit without JavaScript: the session's list is the visit's part.
            if wait := limits.vote_wait(None):
                limits.too_many(wait)
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

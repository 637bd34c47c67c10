"""``/s/<code>`` and ``/p/<code>``: a reply's short links, answered with a redirect."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from flask import abort, current_app, redirect, request
from werkzeug.wrappers import Response

from kb.extensions import limiter
from kb.services import short_links
from kb.storage import db
from kb.views.context import library
from kb.views.short_links import bp
from kb.views.urls import absolute_url, article_url

# A customer opens a reply's link once or twice; a whole carrier's customers
# may share one address. The ceiling stops one script from walking codes
# (31^8 of them) or hammering the database, never a person.
FOLLOWS = "60/minute;1000/hour"
# What the short domain answers itself; everything else moves to KB_BASE_URL.
SHORT_HOST_ENDPOINTS = frozenset(
    {"short_links.follow", "short_links.private", "public.healthz"}
)


def _absolute_article_url(lang: str, slug: str) -> str:
    return article_url(lang, slug, external=True)


@bp.get("/s/<code>")
@limiter.limit(FOLLOWS)
def follow(code: str) -> Response:
    """Redirect a reply's short link to its article section (302: it may move).

    Not permanent, because a renamed article or section moves the target; the
    redirect counts nothing: the article page counts the view by its ``r=``.
    """
    # Codes are lower case; a phone's keyboard may capitalise what is retyped.
    link = short_links.resolve(db.session(), code.lower())
    if link is None:
        abort(404)
    target = short_links.target(library(), link, _absolute_article_url)
    if target is None:
        # The not-found page (with its search) in the language of the reply.
        if request.view_args is not None:
            request.view_args["lang"] = link.lang
        abort(404)
    response = redirect(target, 302)
    # Shared caches must not keep it: the target changes with renames.
    response.headers["Cache-Control"] = "no-store"
    return response


def _absolute_contact_url(lang: str, **args: str) -> str:
    return absolute_url("tickets.contact", lang=lang, **args)


@bp.get("/p/<code>")
@limiter.limit(FOLLOWS)
def private(code: str) -> Response:
    """Redirect a reply's private step to the contact form, article and platform
    prefilled (302, ``no-store``, counting nothing, like ``/s/<code>``)."""
    link = short_links.resolve(db.session(), code.lower())
    if link is None:
        abort(404)
    target = short_links.contact_target(library(), link, _absolute_contact_url)
    response = redirect(target, 302)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.before_app_request
def short_domain_only_shortens() -> Response | None:
    """On ``KB_SHORT_BASE_URL``'s own host, only short links are answered.

    Anything else (the help center, a staff sign-in) moves to ``KB_BASE_URL``,
    so no page, cookie or form ever lives on the short domain.
    """
    config = current_app.config
    short, base = config.get("SHORT_BASE_URL"), config.get("BASE_URL")
    if not short or not base or request.endpoint in SHORT_HOST_ENDPOINTS:
        return None
    short_host = urlsplit(short).netloc.lower()
    if request.host.lower() != short_host or short_host == urlsplit(base).netloc:
        return None
    path = quote(request.path, safe="/:@!$&'()*+,;=-._~")
    query = request.query_string.decode("latin-1")
    return redirect(base + path + (f"?{query}" if query else ""), 301)

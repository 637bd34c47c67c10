"""Error pages for browsers and the one JSON error shape for API clients."""

from __future__ import annotations

from flask import Flask, render_template, request, url_for
from flask_babel import gettext as _gettext
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, NotFound, ServiceUnavailable


def wants_json() -> bool:
    """True when the client asked for JSON rather than a page."""
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return request.path.startswith("/api/") or best == "application/json"


def init_app(app: Flask) -> None:
    """Friendly error pages for browsers, one JSON shape for the API."""
    from kb.services.articles import ArticleUnavailable

    @app.errorhandler(ArticleUnavailable)
    def article_unavailable(_error: ArticleUnavailable):
        """An article that failed to render answers as not found (it is logged)."""
        return http_error(NotFound())

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        """Friendly pages for browsers, JSON for the API."""
        if wants_json():
            from kb.views.api.errors import from_http_exception

            return from_http_exception(error)
        from flask.globals import request_ctx

        from kb import i18n

        if request_ctx.url_adapter is None:
            # An untrusted Host header: no URL can be built for it, and none
            # should be. A bare answer, naming no host.
            text = f"{error.code} {error.name}: {error.description}\n"
            return text, error.code, {"Content-Type": "text/plain; charset=utf-8"}
        lang = (request.view_args or {}).get("lang") or i18n.select_locale()
        template = {
            404: "errors/404.html",
            413: "errors/413.html",
            429: "errors/429.html",
        }.get(error.code or 500, "errors/error.html")
        # The switch leads home: never echo the failed URL (it may hold a token).
        alternate = url_for("public.home", lang=i18n.other_lang(lang))
        page = render_template(
            template, error=error, lang=lang, noindex=True, alternate=alternate
        )
        return page, error.code

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError):
        """Database down, locked or full: say so and when to retry, never a 500."""
        from kb.storage import db

        db.session().rollback()
        app.logger.error("database unavailable: %s", error)
        unavailable = ServiceUnavailable(
            _gettext(
                "We could not reach our records just now, so nothing was saved. "
                "Please try again in a minute."
            )
        )
        response = app.make_response(http_error(unavailable))
        response.headers["Retry-After"] = "30"
        return response

"""Error pages for browsers and the one JSON error shape for API clients."""

from __future__ import annotations

from flask import Flask, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, NotFound, ServiceUnavailable


def wants_json() -> bool:
    """True when the client asked for JSON rather than a page."""
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return request.path.startswith("/api/") or best == "application/json"


def error_texts(error: HTTPException) -> tuple[str, str]:
    """The error's title and explanation in the reader's language.

    Werkzeug's own texts are English; a description our code wrote (a field's
    message) is already translated and is kept.
    """
    from flask_wtf.csrf import CSRFError

    titles = {
        400: _("The request could not be used"),
        403: _("You don't have access to this page"),
        404: _("We couldn't find that page"),
        405: _("That action is not possible here"),
        413: _("That was too large"),
        429: _("Too many requests"),
        503: _("Temporarily unavailable"),
    }
    texts = {
        400: _("Something in the request was missing or not valid."),
        403: _(
            "Your role does not include this page. Ask an administrator if you need it."
        ),
        404: _("The link may be old or mistyped."),
        405: _("Go back to the page and use its buttons."),
        413: _("The upload or form was too large."),
        429: _("Please wait a minute and try again."),
        503: _("Please try again in a minute."),
    }
    code = error.code or 500
    title = titles.get(code, _("Something went wrong"))
    if isinstance(error, CSRFError):
        return title, _(
            "The form expired or was sent from another page. Go back, reload "
            "the page and try again."
        )
    own = error.description and error.description != type(error).description
    return title, str(error.description) if own else texts.get(code, "")


def _staff_page() -> bool:
    from flask_login import current_user

    from kb.security import is_staff_path

    return (
        is_staff_path(request.path)
        and current_user.is_authenticated
        and current_user.has_role("agent")
    )


def init_app(app: Flask) -> None:
    """Friendly error pages for browsers, one JSON shape for the API."""
    from kb.services.articles import ArticleUnavailable

    @app.errorhandler(ArticleUnavailable)
    def article_unavailable(_error: ArticleUnavailable) -> ResponseReturnValue:
        """An article that failed to render answers as not found (it is logged)."""
        return http_error(NotFound())

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
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
            return (
                text,
                error.code or 500,
                {"Content-Type": "text/plain; charset=utf-8"},
            )
        lang = (request.view_args or {}).get("lang") or i18n.select_locale()
        title, text = error_texts(error)
        if _staff_page():
            page = render_template(
                "staff/error.html", error=error, title=title, text=text, noindex=True
            )
            return page, error.code or 500
        template = {
            404: "errors/404.html",
            413: "errors/413.html",
            429: "errors/429.html",
        }.get(error.code or 500, "errors/error.html")
        # The switch leads home: never echo the failed URL (it may hold a token).
        alternate = url_for("public.home", lang=i18n.other_lang(lang))
        page = render_template(
            template,
            error=error,
            title=title,
            text=text,
            lang=lang,
            noindex=True,
            alternate=alternate,
        )
        return page, error.code or 500

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError) -> ResponseReturnValue:
        """Database down, locked or full: say so and when to retry, never a 500."""
        from kb.storage import db

        db.session().rollback()
        app.logger.error("database unavailable: %s", error)
        unavailable = ServiceUnavailable(
            _(
                "We could not reach our records just now, so nothing was saved. "
                "Please try again in a minute."
            )
        )
        response = app.make_response(http_error(unavailable))
        response.headers["Retry-After"] = "30"
        return response

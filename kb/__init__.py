"""Jawab: a customer-service knowledge base.

``create_app`` builds the Flask app; importing this package does no I/O.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

from kb import config as kb_config
from kb.storage.models import User

PACKAGE_DIR = Path(__file__).resolve().parent
log = logging.getLogger(__name__)


class Jawab(Flask):
    """Flask, logging a failed request without the secret its path may hold."""

    def log_exception(self, exc_info: Any) -> None:
        """Log an unhandled exception; a ticket's secret link is cut from the path."""
        from kb.security import without_secrets

        self.logger.error(
            "Exception on %s [%s]",
            without_secrets(request.path),
            request.method,
            exc_info=exc_info,
        )


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create the Jawab app from defaults, ``KB_*`` variables and ``test_config``."""
    app = Jawab(
        __name__,
        instance_relative_config=True,
        template_folder=str(kb_config.PROJECT_ROOT / "templates"),
    )
    settings = kb_config.defaults(app.instance_path)
    settings.update(kb_config.from_environment(os.environ))
    if test_config:
        settings.update(test_config)
    kb_config.validate(settings)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    kb_config.ensure_secret_key(settings, app.instance_path)
    app.config.update(settings)
    production = settings["KB_ENV"] == "production"
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=production,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=production,
        # The signed cookie itself may not outlive a staff sign-in; the server
        # side (kb.services.staff_sessions) decides whether a sign-in still holds.
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=settings["STAFF_SESSION_HOURS"]),
        REMEMBER_COOKIE_DURATION=dt.timedelta(days=settings["STAFF_REMEMBER_DAYS"]),
        JSON_SORT_KEYS=False,
    )
    if production:
        # __Host- cookies are only accepted from HTTPS, for this exact host and
        # path "/": no subdomain or plain-HTTP page can plant or read them.
        app.config.update(
            SESSION_COOKIE_NAME="__Host-session",
            REMEMBER_COOKIE_NAME="__Host-remember_token",
            SESSION_COOKIE_PATH="/",
            REMEMBER_COOKIE_PATH="/",
        )
    app.json.sort_keys = False  # type: ignore[attr-defined]  # DefaultJSONProvider
    if settings["TRUSTED_PROXIES"]:
        # Behind N proxies the client is the Nth address from the right of
        # X-Forwarded-For; the Host header is never taken from a proxy.
        n = settings["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]
    _warn_about_limits(app)
    _warn_about_mail(app)

    _init_extensions(app)
    _init_services(app)
    _register_blueprints(app)
    from kb import cli
    from kb.views import errors

    errors.init_app(app)

    cli.init_app(app)
    return app


def _warn_about_limits(app: Flask) -> None:
    """Production with in-memory limit counters: every worker counts on its own."""
    if app.config["KB_ENV"] != "production" or not app.config["RATELIMIT_ENABLED"]:
        return
    if str(app.config["RATELIMIT_STORAGE_URI"]).startswith("memory://"):
        log.warning(
            "KB_RATELIMIT_STORAGE_URI is memory://: each worker keeps its own "
            "rate-limit counters, so with N workers an attacker gets N times the "
            "allowed tries. Set KB_RATELIMIT_STORAGE_URI=redis://host:6379 "
            "when running more than one worker or node."
        )


def _warn_about_mail(app: Flask) -> None:
    """``KB_MAIL_BACKEND=log``: customers get no mail, so say it at start-up."""
    if app.config["MAIL_BACKEND"] == "log":
        log.warning(
            "KB_MAIL_BACKEND=log: no mail is sent (acknowledgements, new links, "
            "replies); each one is logged with its masked recipient and subject "
            "only. Set KB_SMTP_HOST to send mail."
        )


def _init_extensions(app: Flask) -> None:
    from kb import i18n, ratelimit, security, templating
    from kb.extensions import babel, csrf, limiter, login_manager
    from kb.storage import db
    from kb.views import access

    # Input checks run before anything else reads the request (CSRF included).
    security.init_app(app)
    # Flask-Babel's own date helpers show times in the site's zone too.
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["TIME_ZONE"]
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        default_translation_directories=str(PACKAGE_DIR / "translations"),
    )
    csrf.init_app(app)
    ratelimit.init_app(app)  # Redis down: count in memory, never answer 500
    limiter.init_app(app)
    db.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    login_manager.user_loader(_load_user)
    login_manager.unauthorized_handler(access.unauthorized)
    templating.init_app(app)


def _load_user(token: str) -> User | None:
    from flask import current_app, session

    from kb.services import staff_sessions
    from kb.storage import db

    lifetimes = staff_sessions.Lifetimes.from_config(current_app.config)
    user = staff_sessions.load(db.session(), token, lifetimes)
    name = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    if user is None and name in request.cookies:
        # The sign-in ended (signed out elsewhere, timed out, new password):
        # its remember cookie is useless, so have Flask-Login delete it.
        session["_remember"] = "clear"
    return user


def _init_services(app: Flask) -> None:
    from kb import cache
    from kb.services import events, mailed_files  # noqa: F401 - registers its hook
    from kb.services.articles import ContentStore
    from kb.services.search import SearchService

    content = ContentStore(
        Path(app.config["ARTICLES_DIR"]),
        app.config["RELOAD_SECONDS"],
        cache_dir=Path(app.config["CACHE_DIR"]),
    )
    app.extensions["jawab.content"] = content
    cache.init_app(app)  # rendered pages, best hits, reports
    events.init_app(app)
    index_dir = Path(app.config["SEARCH_INDEX_DIR"])
    semantic = None
    if app.config["SEMANTIC"]:
        from kb.services.semantic import SemanticRanker

        semantic = SemanticRanker(index_dir)
        semantic.warm_up()  # the model loads now, not on a customer's first search
    app.extensions["jawab.search"] = SearchService(content, index_dir, semantic)


def _register_blueprints(app: Flask) -> None:
    from kb.views import (
        account,
        admin,
        api,
        auth,
        composer,
        desk,
        editor,
        insights,
        public,
        reports,
        short_links,
        team,
        tickets,
    )

    areas = (
        public,
        short_links,
        tickets,
        auth,
        desk,
        composer,
        admin,
        team,
        insights,
        editor,
        account,
    )
    for area in areas:
        app.register_blueprint(area.bp)
    for blueprint in reports.blueprints:
        app.register_blueprint(blueprint)
    api.init_app(app)  # the /api/v1 blueprint, the /api aliases and CORS

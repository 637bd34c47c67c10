"""Jawab: a customer-service knowledge base.

``create_app`` builds the Flask app; importing this package does no I/O.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, jsonify, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from kb import config as kb_config

PACKAGE_DIR = Path(__file__).resolve().parent


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create the Jawab app from defaults, ``KB_*`` variables and ``test_config``."""
    app = Flask(
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
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings["KB_ENV"] == "production",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=settings["KB_ENV"] == "production",
        JSON_SORT_KEYS=False,
    )
    app.json.sort_keys = False

    _init_extensions(app)
    _init_services(app)
    _register_blueprints(app)
    _register_errors(app)
    from kb import cli

    cli.init_app(app)
    return app


def _init_extensions(app: Flask) -> None:
    from kb import i18n, security, templating
    from kb.extensions import babel, csrf, limiter, login_manager
    from kb.storage import db

    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        default_translation_directories=str(PACKAGE_DIR / "translations"),
    )
    csrf.init_app(app)
    limiter.init_app(app)
    db.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    login_manager.user_loader(_load_user)
    login_manager.unauthorized_handler(security.unauthorized)
    security.init_app(app)
    templating.init_app(app)


def _load_user(session_id: str):
    from kb.services import users
    from kb.storage import db

    return users.by_session_id(db.session(), session_id)


def _init_services(app: Flask) -> None:
    from kb.services.articles import ContentStore
    from kb.services.search import SearchService
    from kb.views.page_cache import PageCache

    content = ContentStore(
        Path(app.config["ARTICLES_DIR"]),
        app.config["RELOAD_SECONDS"],
        cache_dir=Path(app.config["CACHE_DIR"]),
    )
    app.extensions["jawab.content"] = content
    app.extensions["jawab.pages"] = PageCache()
    app.extensions["jawab.search"] = SearchService(
        content, Path(app.config["SEARCH_INDEX_DIR"])
    )


def _register_blueprints(app: Flask) -> None:
    from kb.views import agent, api, auth, composer, public, tickets

    app.register_blueprint(public.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(tickets.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(agent.bp)
    app.register_blueprint(composer.bp)


def _register_errors(app: Flask) -> None:
    from kb.views.helpers import wants_json

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        """Friendly pages for browsers, JSON for the API."""
        if wants_json():
            return jsonify(error=error.description, status=error.code), error.code
        from kb import i18n

        lang = (request.view_args or {}).get("lang") or i18n.select_locale()
        template = {
            404: "errors/404.html",
            413: "errors/413.html",
            429: "errors/429.html",
        }.get(error.code, "errors/error.html")
        # The switch leads home: never echo the failed URL (it may hold a token).
        alternate = url_for("public.home", lang=i18n.other_lang(lang))
        page = render_template(
            template, error=error, lang=lang, noindex=True, alternate=alternate
        )
        return page, error.code

"""Which language the interface speaks: URL, then remembered choice, then browser."""

from __future__ import annotations

from flask import current_app, request

from kb.vocab import LANGUAGES

COOKIE = "kb_lang"
COOKIE_MAX_AGE = 365 * 24 * 3600


def preferred_lang() -> str:
    """The visitor's language when the URL does not name one."""
    remembered = request.cookies.get(COOKIE)
    if remembered in LANGUAGES:
        return remembered
    best = request.accept_languages.best_match(LANGUAGES)
    return best or current_app.config["DEFAULT_LANG"]


def select_locale() -> str:
    """Flask-Babel locale selector."""
    view_args = request.view_args or {}
    lang = view_args.get("lang")
    if lang is None and request.path.startswith("/api/"):
        # API clients name the language of their results; pages have it in the
        # path (the composer's ``lang`` is the reply's, not the interface's).
        lang = request.args.get("lang")
    if lang in LANGUAGES:
        return lang
    return preferred_lang()


def other_lang(lang: str) -> str:
    """The other first-class language."""
    return "en" if lang == "id" else "id"

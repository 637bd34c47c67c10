"""Which language the interface speaks: URL, then remembered choice, then browser."""

from __future__ import annotations

from babel.support import NullTranslations
from flask import current_app, g, request
from flask_babel import get_translations

from kb.views import params
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
        lang = params.asked_lang(request.args)
    if lang in LANGUAGES:
        return lang
    return preferred_lang()


def other_lang(lang: str) -> str:
    """The other first-class language."""
    return "en" if lang == "id" else "id"


def request_translations() -> NullTranslations:
    """The catalogue of the locale in use, looked up once per request and locale.

    Templates translate dozens of strings per page; Flask-Babel resolves the
    domain, locale and catalogue anew for each. This keeps the catalogue on the
    request beside the locale Flask-Babel chose, so a changed locale
    (``force_locale``, ``refresh``) is a new locale object and a fresh lookup.
    """
    state = g.get("_flask_babel") if g else None
    if state is None:
        return get_translations()
    locale = getattr(state, "babel_locale", None)
    kept = getattr(state, "kb_translations", None)
    if kept is not None and locale is not None and kept[0] is locale:
        return kept[1]
    translations = get_translations()  # chooses the locale when not yet chosen
    state.kb_translations = (getattr(state, "babel_locale", None), translations)
    return translations


def template_gettext(message: str) -> str:
    """Jinja's ``_()``: the message in the request's locale."""
    return request_translations().ugettext(message)


def template_ngettext(singular: str, plural: str, num: int) -> str:
    """Jinja's ``ngettext()``: the singular or plural in the request's locale."""
    return request_translations().ungettext(singular, plural, num)

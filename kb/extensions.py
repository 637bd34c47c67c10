"""Extension singletons, bound to an app in :func:`kb.create_app`."""

from __future__ import annotations

from flask import current_app
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_login.config import COOKIE_NAME
from flask_wtf.csrf import CSRFProtect
from werkzeug.wrappers import Response


class JawabLoginManager(LoginManager):
    """Flask-Login, deleting the remember cookie with the attributes it was set with.

    Flask-Login 0.6 deletes it by name, path and domain only. A deletion must
    match the cookie (a browser ignores one for a ``__Host-`` cookie that lacks
    ``Secure``), so in production the cookie outlived its deletion.
    """

    def _clear_cookie(self, response: Response) -> None:
        # Overrides Flask-Login's method of the same name (0.6.3), the one
        # place it deletes the cookie (sign-out, and a sign-in that ended).
        config = current_app.config
        response.delete_cookie(
            config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME),
            domain=config.get("REMEMBER_COOKIE_DOMAIN"),
            path=config.get("REMEMBER_COOKIE_PATH", "/"),
            secure=bool(config.get("REMEMBER_COOKIE_SECURE", False)),
            httponly=bool(config.get("REMEMBER_COOKIE_HTTPONLY", True)),
            samesite=config.get("REMEMBER_COOKIE_SAMESITE"),
        )


babel = Babel()
csrf = CSRFProtect()
# Limits are declared on the views; storage and on/off come from KB_RATELIMIT_*.
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)
login_manager = JawabLoginManager()

"""Extension singletons, bound to an app in :func:`kb.create_app`."""

from __future__ import annotations

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

babel = Babel()
csrf = CSRFProtect()
# Limits are declared on the views; storage and on/off come from KB_RATELIMIT_*.
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)
login_manager = LoginManager()

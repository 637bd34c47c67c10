"""Who may open a view: the role decorator and what a refusal looks like.

The web layer's half of access control. ``kb.security`` keeps what needs no
page or JSON answer (safe redirects, headers, input checks); a refusal here
answers in the request's own terms: browsers are sent to sign in or shown the
403 page, JSON clients get the one JSON error shape (``kb.views.api.errors``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from kb.views.errors import wants_json

# Set on every staff view: whatever its path, it never answers another origin.
STAFF_ONLY = "jawab_staff_only"


def _json_error(status: int, message: str) -> Response:
    """The one JSON error shape (``kb.views.api.errors``) with ``status``."""
    # Imported here: the api package's resource modules import this module.
    from kb.views.api.errors import json_error as shaped

    return shaped(status, message)


def unauthorized() -> Response:
    """Signed out: browsers go to the sign-in page, JSON clients get 401."""
    if wants_json():
        return _json_error(401, "sign in required")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def mark_staff_only(view: Callable) -> Callable:
    """Mark ``view`` as a staff route (see :func:`is_staff_view`); returns it."""
    setattr(view, STAFF_ONLY, True)
    return view


def is_staff_view(view: Callable | None) -> bool:
    """True for a view that only staff may use (CORS is never added to it)."""
    return bool(getattr(view, STAFF_ONLY, False))


def role_required(role: str) -> Callable[[Callable], Callable]:
    """Allow a view only to signed-in staff with ``role`` or a higher one."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return unauthorized()
            if not current_user.has_role(role):
                if wants_json():
                    return _json_error(403, "not allowed for your role")
                abort(403)
            return view(*args, **kwargs)

        return mark_staff_only(wrapped)

    return decorator

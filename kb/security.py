"""Security helpers: safe redirects and the headers every response carries."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from urllib.parse import unquote, urlsplit

from flask import Flask, Response, abort, jsonify, redirect, request, url_for
from flask_login import current_user

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def is_safe_next(target: str | None) -> bool:
    """True only for a path on this site (no scheme, no host, however encoded)."""
    if not target:
        return False
    decoded = target
    for _ in range(3):  # %252F → %2F → /: judge the fully decoded form too
        decoded = unquote(decoded)
    for candidate in (target, decoded):
        value = candidate.strip().replace("\\", "/")
        if (
            _CONTROL.search(value)
            or not value.startswith("/")
            or value.startswith("//")
        ):
            return False
        parts = urlsplit(value)
        if parts.scheme or parts.netloc:
            return False
    return True


def safe_next(target: str | None, fallback: str) -> str:
    """``target`` when it stays on this site, otherwise ``fallback``."""
    return target if target and is_safe_next(target) else fallback


def set_security_headers(response: Response, *, production: bool) -> Response:
    """Add strict security headers unless a view already chose its own."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
    headers.setdefault(
        "Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"
    )
    if production:
        headers.setdefault(
            "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
        )
    return response


def init_app(app: Flask) -> None:
    """Register the security headers on every response."""
    production = app.config["KB_ENV"] == "production"
    app.after_request(
        lambda response: set_security_headers(response, production=production)
    )


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return request.path.startswith("/api/") or best == "application/json"


def unauthorized() -> Response:
    """Signed out: browsers go to the sign-in page, JSON clients get 401."""
    if _wants_json():
        response = jsonify(error="sign in required", status=401)
        response.status_code = 401
        return response
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def role_required(role: str) -> Callable:
    """Allow a view only to signed-in staff with ``role`` or a higher one."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return unauthorized()
            if not current_user.has_role(role):
                if _wants_json():
                    response = jsonify(error="not allowed for your role", status=403)
                    response.status_code = 403
                    return response
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator

"""Security helpers: safe redirects and the headers every response carries."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from urllib.parse import unquote, urlsplit

from flask import Flask, current_app, request
from flask_login import current_user
from werkzeug.exceptions import BadRequest
from werkzeug.wrappers import Response

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
# A ticket's secret link, /t/<reference>/<token>, anywhere in a text.
_SECRET_PATH = re.compile(r"/t/([^/?#\s]+)/[^/?#\s]+")
# A staff invitation's or password reset's one-time link.
_ACCOUNT_LINK_PATH = re.compile(r"/agent/(welcome|reset)/[^/?#\s]+")


def without_secrets(text: str) -> str:
    """``text`` with the token of every ticket or account link cut (for logs)."""
    text = _SECRET_PATH.sub(r"/t/\1/[secret]", text)
    return _ACCOUNT_LINK_PATH.sub(r"/agent/\1/[secret]", text)


def is_local(host: str) -> bool:
    """True for this machine: a loopback address or the name localhost."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host.lower() in {"localhost", "localhost.localdomain"}


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


_SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"),
)
_HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def set_security_headers(response: Response, *, production: bool) -> Response:
    """Add strict security headers unless a view already chose its own."""
    headers = response.headers
    # One look at the names present: setdefault() searched them all per header,
    # ~5% of a search API request.
    present = {name.lower() for name in headers.keys()}
    chosen = (*_SECURITY_HEADERS, _HSTS) if production else _SECURITY_HEADERS
    for name, value in chosen:
        if name.lower() not in present:
            headers.add(name, value)
    return response


STAFF_PREFIXES = ("/agent", "/admin", "/editor")
# C0 controls and DEL, except tab, newline and carriage return (text areas).
_FORBIDDEN_INPUT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def is_staff_path(path: str) -> bool:
    """True for staff pages (they show customers' personal data)."""
    return any(path == p or path.startswith(p + "/") for p in STAFF_PREFIXES)


def keep_staff_pages_private(response: Response) -> Response:
    """Staff pages and sign-in are never stored by browsers or shared caches."""
    if is_staff_path(request.path):
        response.headers["Cache-Control"] = "no-store"
        response.vary.add("Cookie")
    return response


def bad_input_field() -> str | None:
    """The first request field holding a control character, or None.

    PostgreSQL rejects NUL in text and the other controls have no business in
    a form, a query or a path: one clear 400 beats a 500 deep in a service.
    """
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str) and _FORBIDDEN_INPUT.search(value):
            return name
    if _FORBIDDEN_INPUT.search(request.path):
        return "path"
    for source in (request.args, request.form):
        for name, value in source.items(multi=True):
            if _FORBIDDEN_INPUT.search(name) or _FORBIDDEN_INPUT.search(value):
                return _CONTROL.sub("?", name)[:60]
    return None


def refuse_control_characters() -> Response | None:
    """Answer 400 naming the field when any input holds a control character."""
    field = bad_input_field()
    if field is None:
        return None
    from flask_babel import gettext

    message = gettext(
        "The field “%(field)s” contains a control character (such as NUL) "
        "that cannot be stored. Remove it and try again.",
        field=field,
    )
    error = BadRequest(message)
    error.field = field  # type: ignore[attr-defined]
    raise error


def body_limit(limit: int) -> Callable[[Callable], Callable]:
    """Let signed-in staff send this view up to ``limit`` bytes.

    Everyone else, and every other view, keeps ``MAX_CONTENT_LENGTH`` (64 KB).
    A limit must fit the view's form: its longest fields in the worst encoding.
    """

    def mark(view: Callable) -> Callable:
        view.body_limit = limit  # type: ignore[attr-defined]  # read by apply_body_limit
        return view

    return mark


def upload_body_limit(view: Callable) -> Callable:
    """Let anyone send this view files up to the ``KB_ATTACHMENT_*`` limits.

    Only the file parts get the room: text fields keep Flask's form-memory
    limit (``max_form_memory_size``), and every other view keeps its 64 KB body.
    """
    view.upload_limit = True  # type: ignore[attr-defined]  # read by apply_body_limit
    return view


def apply_body_limit() -> None:
    """Raise this request's body limits when its view allows more (before reading)."""
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "upload_limit", False) and request.mimetype == (
        "multipart/form-data"
    ):
        config = current_app.config
        files = config["ATTACHMENT_MAX_FILES"] * config["ATTACHMENT_MAX_MB"]
        request.max_content_length = (files + 1) * 1024 * 1024
        # Text parts keep Flask's form-memory limit (500 KB); the parser needs
        # more than one 64 KB read of room, so MAX_CONTENT_LENGTH would not do.
        return
    limit = getattr(view, "body_limit", None)
    # Only a signed-in person gets the room: a stranger's large body is refused
    # before anything parses it, as on every other route.
    if limit and current_user.is_authenticated:
        request.max_content_length = limit
        request.max_form_memory_size = limit


def init_app(app: Flask) -> None:
    """Register input checks and the security headers on every response."""
    production = app.config["KB_ENV"] == "production"
    app.before_request(apply_body_limit)  # first: before anything reads the body
    app.before_request(refuse_control_characters)
    app.after_request(keep_staff_pages_private)
    app.after_request(
        lambda response: set_security_headers(response, production=production)
    )

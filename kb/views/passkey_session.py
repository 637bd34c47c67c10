"""A passkey ceremony's challenge between its two requests, kept in the session.

Registration (My account) and sign-in share it: the options request keeps the
challenge (with whom it is for) and answers the browser's options as JSON; the
form that follows takes it back once, within ``passkeys.CHALLENGE_SECONDS``.
"""

from __future__ import annotations

import time

import webauthn
from flask import current_app, session
from webauthn.helpers import bytes_to_base64url
from werkzeug.wrappers import Response

from kb.services import passkeys


def options_response(
    key: str, options: str, challenge: bytes, **bound: object
) -> Response:
    """Keep ``challenge`` under ``key`` (with ``bound``) and answer ``options``."""
    session[key] = {"c": bytes_to_base64url(challenge), "at": int(time.time()), **bound}
    response = current_app.response_class(options, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


def take_challenge(key: str, **bound: object) -> bytes | None:
    """The challenge kept under ``key``, taken once; None when missing, stale or
    kept for other ``bound`` values (another user)."""
    found = session.pop(key, None)
    if not isinstance(found, dict) or not isinstance(found.get("c"), str):
        return None
    if any(found.get(name) != value for name, value in bound.items()):
        return None
    if time.time() - found.get("at", 0) > passkeys.CHALLENGE_SECONDS:
        return None
    try:
        return webauthn.base64url_to_bytes(found["c"])
    except ValueError:
        return None

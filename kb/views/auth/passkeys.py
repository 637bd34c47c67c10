"""Signing in with a passkey: as the second factor after the password, or
without a password (``KB_STAFF_PASSKEY_SIGNIN``).

Each ceremony is two requests: ``…/options`` (JSON, the challenge kept in the
session and, hashed, in the database for two minutes and one use), then the
form that ``static/js/passkeys.js`` posts with the browser's answer. Failures
count against the same limits as wrong passwords and wrong codes.
"""

from __future__ import annotations

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from kb import throttle
from kb.security import is_safe_next, safe_next
from kb.services import passkeys
from kb.storage import db
from kb.storage.models import User
from kb.views import params
from kb.views.api.errors import json_error
from kb.views.auth import bp
from kb.views.auth.forms import CodeForm, LoginForm, PasskeySignInForm
from kb.views.auth.views import (
    CLIENT_FAILURES,
    CODE_ACCOUNT_FAILURES,
    CODE_CLIENT_FAILURES,
    PENDING,
    pending_sign_in,
    sign_in,
)
from kb.views.passkey_session import options_response, take_challenge

CHALLENGE = "passkey_sign_in"


def _relying_party() -> passkeys.RelyingParty | None:
    config = current_app.config
    return passkeys.relying_party(config["BASE_URL"], config["SITE_NAME"])


def _passwordless() -> passkeys.RelyingParty | None:
    if not current_app.config["STAFF_PASSKEY_SIGNIN"]:
        return None
    return _relying_party()


@bp.context_processor
def passkey_context() -> dict:
    """What the sign-in pages need to offer a passkey."""
    wanted = params.next_target(request.args)
    target = wanted if wanted and is_safe_next(wanted) else None
    return {
        "passkey_signin": _passwordless() is not None,
        "passkey_form": PasskeySignInForm(formdata=None),
        "passkey_sign_in_url": url_for("auth.passkey_sign_in", next=target),
    }


def _pending_user() -> tuple[dict, User] | None:
    pending = pending_sign_in()
    user = db.session().get(User, pending["user"]) if pending else None
    if pending is None or user is None or not user.active or not user.passkeys:
        return None
    return pending, user


def _options(rp: passkeys.RelyingParty, user: User | None) -> Response:
    options, challenge = passkeys.authentication_options(db.session(), rp, user)
    return options_response(CHALLENGE, options, challenge, user=_user_id(user))


def _user_id(user: User | None) -> int | None:
    return user.id if user is not None else None


def _challenge(user: User | None) -> bytes | None:
    """The challenge handed out for ``user`` (None: passwordless), taken once."""
    return take_challenge(CHALLENGE, user=_user_id(user))


def _wait_message(wait: int) -> str:
    return gettext(
        "Too many failed sign-ins from here. Wait %(seconds)s seconds and try again.",
        seconds=wait,
    )


# -- without a password ----------------------------------------------------------


@bp.post("/login/passkey/options")
def passkey_options() -> Response:
    """Options for signing in with a passkey alone (JSON)."""
    rp = _passwordless()
    if rp is None:
        raise NotFound()
    wait = throttle.blocked_for(CLIENT_FAILURES, "login-client", throttle.client())
    if wait:
        response = json_error(429, _wait_message(wait))
        response.headers["Retry-After"] = str(wait)
        return response
    return _options(rp, None)


@bp.post("/login/passkey")
def passkey_sign_in() -> Response | tuple[str, int] | tuple[str, int, dict[str, str]]:
    """Sign in with a passkey that verified its user; no password."""
    rp = _passwordless()
    if rp is None:
        raise NotFound()
    target = safe_next(params.next_target(request.args), url_for("desk.queue"))
    form = PasskeySignInForm()
    challenge = _challenge(None)
    client = throttle.client()

    def page(message: str, status: int) -> tuple[str, int]:
        return render_template(
            "auth/login.html",
            form=LoginForm(formdata=None),
            passkey_failed=message,
            noindex=True,
        ), status

    wait = throttle.blocked_for(CLIENT_FAILURES, "login-client", client)
    if wait:
        body, status = page(_wait_message(wait), 429)
        return body, status, {"Retry-After": str(wait)}
    if not form.validate_on_submit() or challenge is None:
        return page(
            gettext("The passkey sign-in expired or was used already. Try again."), 400
        )
    try:
        user = passkeys.authenticate(
            db.session(), rp, form.credential.data or "", challenge
        )
    except passkeys.PasskeyError:
        throttle.count_failure(CLIENT_FAILURES, "login-client", client)
        return page(
            gettext(
                "This passkey did not sign you in. Use one added to your account on "
                "this site, or sign in with your password."
            ),
            401,
        )
    return sign_in(user, form.remember.data == "y", target)


# -- the second factor ------------------------------------------------------------


def _code_wait(user: User) -> int:
    client, account = throttle.client(), str(user.id)
    return max(
        throttle.blocked_for(CODE_CLIENT_FAILURES, "code-client", client),
        throttle.blocked_for(CODE_ACCOUNT_FAILURES, "code-account", account),
        throttle.backoff_remaining("code", account, client),
    )


def _start_again() -> Response:
    session.pop(PENDING, None)
    flash(gettext("Sign in again: the sign-in waited too long for its code."))
    return redirect(url_for("auth.login"))


@bp.post("/login/code/passkey/options")
def code_passkey_options() -> Response:
    """Options for the second step of signing in with one of the person's passkeys."""
    rp, found = _relying_party(), _pending_user()
    if rp is None or found is None:
        return json_error(409, gettext("Sign in again with your password."))
    wait = _code_wait(found[1])
    if wait:
        response = json_error(429, _wait_message(wait))
        response.headers["Retry-After"] = str(wait)
        return response
    return _options(rp, found[1])


@bp.post("/login/code/passkey")
def code_passkey() -> Response | tuple[str, int] | tuple[str, int, dict[str, str]]:
    """The second step of signing in, done with a passkey."""
    rp, found = _relying_party(), _pending_user()
    if rp is None or found is None:
        return _start_again()
    pending, user = found
    form = PasskeySignInForm()
    challenge = _challenge(user)

    def page(message: str, status: int) -> tuple[str, int]:
        return render_template(
            "auth/code.html",
            form=CodeForm(formdata=None),
            user=user,
            passkey_failed=message,
            noindex=True,
        ), status

    wait = _code_wait(user)
    if wait:
        body, status = page(_wait_message(wait), 429)
        return body, status, {"Retry-After": str(wait)}
    if not form.validate_on_submit() or challenge is None:
        return page(
            gettext("The passkey request expired or was used already. Try again."), 400
        )
    client, account = throttle.client(), str(user.id)
    try:
        passkeys.authenticate(
            db.session(), rp, form.credential.data or "", challenge, user=user
        )
    except passkeys.PasskeyError:
        throttle.count_failure(CODE_CLIENT_FAILURES, "code-client", client)
        throttle.count_failure(CODE_ACCOUNT_FAILURES, "code-account", account)
        throttle.backoff_failure("code", account, client)
        return page(
            gettext("This passkey did not confirm the sign-in. Try again."), 401
        )
    throttle.backoff_success("code", account, client)
    return sign_in(user, bool(pending.get("remember")), pending["next"])

"""Views of staff sign-in and sign-out, forgotten passwords and invitations."""

from __future__ import annotations

import time

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
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from kb import throttle
from kb.extensions import limiter
from kb.security import safe_next
from kb.services import account_links, mfa, staff_admin, staff_sessions, users
from kb.storage import db
from kb.storage.models import User
from kb.views import params
from kb.views.auth import bp
from kb.views.auth.forms import CodeForm, ForgotForm, LoginForm, NewPasswordForm
from kb.views.forms import password_problem
from kb.views.urls import account_link

# Wrong passwords from one client, whatever the account: stops a sweep over
# many accounts. Only failures count, so a busy office NAT signs in freely.
CLIENT_FAILURES = "10/minute;100/hour"


def _account(form: LoginForm) -> str:
    return (form.email.data or "").strip().lower()[:254]


def _too_many(wait: int, form: LoginForm) -> tuple[str, int, dict[str, str]]:
    message = gettext(
        "Too many failed sign-ins from here. Wait %(seconds)s seconds and try again.",
        seconds=wait,
    )
    page = render_template(
        "auth/login.html", form=form, throttled=message, noindex=True
    )
    return page, 429, {"Retry-After": str(wait)}


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int] | tuple[str, int, dict[str, str]]:
    """Sign in; ``next`` is followed only when it stays on this site."""
    form = LoginForm()
    target = safe_next(params.next_target(request.args), url_for("desk.queue"))
    if form.validate_on_submit():
        client, account = throttle.client(), _account(form)
        wait = max(
            throttle.blocked_for(CLIENT_FAILURES, "login-client", client),
            throttle.backoff_remaining("login", account, client),
        )
        if wait:
            return _too_many(wait, form)
        user = users.authenticate(db.session(), form.email.data, form.password.data)
        if user is not None:
            throttle.backoff_success("login", account, client)
            if user.mfa_enabled:
                # The password was right; the sign-in waits for the second
                # factor. Nothing (not "keep me signed in") skips it.
                session.clear()
                session[PENDING] = {
                    "user": user.id,
                    "remember": bool(form.remember.data),
                    "next": target,
                    "at": int(time.time()),
                }
                return redirect(url_for("auth.code"))
            return sign_in(user, bool(form.remember.data), target)
        throttle.count_failure(CLIENT_FAILURES, "login-client", client)
        throttle.backoff_failure("login", account, client)
        # One answer for an unknown account and a wrong password.
        return render_template(
            "auth/login.html",
            form=form,
            failed=True,
            noindex=True,
        ), 401
    return render_template("auth/login.html", form=form, noindex=True)


def sign_in(user: User, remember: bool, target: str) -> Response:
    """Begin ``user``'s sign-in (a fresh session) and go to ``target``."""
    # A fresh session (and so a fresh CSRF token): nothing planted before
    # sign-in survives it.
    session.clear()
    staff_sessions.begin(
        db.session(),
        user,
        remember=remember,
        user_agent=request.user_agent.string,
        address=throttle.client(),
    )
    login_user(user, remember=remember)
    return redirect(target)


# The password step's result while the second factor is asked (in the session).
PENDING = "mfa_pending"
PENDING_SECONDS = 300
# Wrong codes: per client across accounts, and per account across clients (the
# password is known to whoever gets here, so the account needs its own limit).
CODE_CLIENT_FAILURES = "10/minute;100/hour"
CODE_ACCOUNT_FAILURES = "20/hour"


def pending_sign_in() -> dict | None:
    """The sign-in waiting for its second factor, unless it waited too long."""
    found = session.get(PENDING)
    if not isinstance(found, dict):
        return None
    if time.time() - found.get("at", 0) > PENDING_SECONDS:
        return None
    return found


@bp.route("/login/code", methods=["GET", "POST"])
def code() -> Response | tuple[str, int] | tuple[str, int, dict[str, str]]:
    """The second step of signing in: a code from the authenticator app."""
    pending = pending_sign_in()
    user = db.session().get(User, pending["user"]) if pending else None
    if pending is None or user is None or not user.active or not user.mfa_enabled:
        session.pop(PENDING, None)
        flash(gettext("Sign in again: the sign-in waited too long for its code."))
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        page = render_template("auth/code.html", form=form, user=user, noindex=True)
        return page, status
    client, account = throttle.client(), str(user.id)
    wait = max(
        throttle.blocked_for(CODE_CLIENT_FAILURES, "code-client", client),
        throttle.blocked_for(CODE_ACCOUNT_FAILURES, "code-account", account),
        throttle.backoff_remaining("code", account, client),
    )
    if wait:
        message = gettext(
            "Too many wrong codes. Wait %(seconds)s seconds and try again.",
            seconds=wait,
        )
        page = render_template(
            "auth/code.html", form=form, user=user, throttled=message, noindex=True
        )
        return page, 429, {"Retry-After": str(wait)}
    try:
        kind = mfa.verify(
            db.session(), user, form.code.data or "", current_app.config["SECRET_KEY"]
        )
    except mfa.MfaError:
        throttle.count_failure(CODE_CLIENT_FAILURES, "code-client", client)
        throttle.count_failure(CODE_ACCOUNT_FAILURES, "code-account", account)
        throttle.backoff_failure("code", account, client)
        form.code.errors = [gettext("This code is not right, or it was used already.")]
        page = render_template("auth/code.html", form=form, user=user, noindex=True)
        return page, 401
    throttle.backoff_success("code", account, client)
    response = sign_in(user, bool(pending.get("remember")), pending["next"])
    if kind == "recovery":
        flash(
            gettext(
                "You signed in with a recovery code; it cannot be used again. "
                "%(num)s are left.",
                num=mfa.recovery_codes_left(db.session(), user),
            )
        )
    return response


@bp.post("/logout")
def logout() -> Response:
    """Sign out (a POST, so no link or image can sign anyone out)."""
    if current_user.is_authenticated:
        staff_sessions.end(db.session(), current_user.get_id())
    logout_user()
    # logout_user asks (in the session) for the remember cookie to be deleted;
    # clearing the session must not drop that request.
    forget_cookie = session.get("_remember")
    session.clear()
    if forget_cookie:
        session["_remember"] = forget_cookie
    return redirect(url_for("auth.login"))


# Reset mails one account may be sent: enough for a lost mail, too few to flood.
ACCOUNT_RESETS = "3/hour;10/day"


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit("5/minute;20/hour", methods=["POST"])
def forgot() -> str:
    """Mail a reset link; the same answer whether or not the account exists."""
    form = ForgotForm()
    done = False
    if form.validate_on_submit():
        account = (form.email.data or "").strip().lower()[:254]
        # Over the per-account limit nothing is sent, but the answer is the same:
        # a different one would tell a stranger the address is an account.
        if not throttle.take(ACCOUNT_RESETS, "reset-account", account):
            staff_admin.request_reset(
                db.session(),
                account,
                account_link,
                staff_admin.Lifetimes.from_config(current_app.config),
            )
        done = True
    return render_template("auth/forgot.html", form=form, done=done, noindex=True)


def _set_password(purpose: str, token: str) -> Response | tuple[str, int]:
    database = db.session()
    person = account_links.holder(database, token, purpose)
    template = "auth/set_password.html"
    if person is None:
        return render_template(
            template, purpose=purpose, expired=True, noindex=True
        ), 404
    form = NewPasswordForm()
    site = current_app.config["SITE_NAME"]
    if form.validate_on_submit():
        password = form.password.data or ""
        problem = password_problem(password, person.email, site)
        if problem is None:
            try:
                staff_admin.accept(database, token, purpose, password, site)
            except account_links.LinkError:
                return render_template(
                    template, purpose=purpose, expired=True, noindex=True
                ), 404
            except users.UserError as error:
                problem = str(error)
            else:
                flash(
                    gettext("Your password is set. Sign in with it.")
                    if purpose == "invite"
                    else gettext("Your password is changed. Sign in with it.")
                )
                return redirect(url_for("auth.login"))
        form.password.errors = [problem]
    status = 400 if form.errors else 200
    return render_template(
        template, purpose=purpose, form=form, person=person, noindex=True
    ), status


@bp.route("/welcome/<token>", methods=["GET", "POST"])
def welcome(token: str) -> Response | tuple[str, int]:
    """Accept an invitation: choose the password of the new account."""
    return _set_password("invite", token)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str) -> Response | tuple[str, int]:
    """Choose a new password through a reset link; every sign-in ends."""
    return _set_password("reset", token)

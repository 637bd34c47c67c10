"""Views of staff sign-in and sign-out."""

from __future__ import annotations

from flask import (
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
from kb.security import safe_next
from kb.services import staff_sessions, users
from kb.storage import db
from kb.views import params
from kb.views.auth import bp
from kb.views.auth.forms import LoginForm

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
            # A fresh session (and so a fresh CSRF token): nothing planted
            # before sign-in survives it.
            session.clear()
            staff_sessions.begin(db.session(), user, remember=form.remember.data)
            login_user(user, remember=form.remember.data)
            return redirect(target)
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

"""Staff sign-in and sign-out."""

from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_login import login_user, logout_user

from kb.extensions import limiter
from kb.forms import LoginForm
from kb.security import safe_next
from kb.services import users
from kb.storage import db

bp = Blueprint("auth", __name__, url_prefix="/agent")


def _account_key() -> str:
    """Rate-limit key for the account being tried, whoever tries it."""
    return "login:" + (request.form.get("email") or "").strip().lower()[:254]


def _failed(response: Response) -> bool:
    return response.status_code == 401


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10/minute;100/hour", methods=["POST"], deduct_when=_failed)
@limiter.limit(
    "5/minute;20/hour", methods=["POST"], key_func=_account_key, deduct_when=_failed
)
def login() -> Response | str | tuple[str, int]:
    """Sign in; ``next`` is followed only when it stays on this site."""
    form = LoginForm()
    target = safe_next(request.args.get("next"), url_for("agent.queue"))
    if form.validate_on_submit():
        user = users.authenticate(db.session(), form.email.data, form.password.data)
        if user is not None:
            login_user(user, remember=form.remember.data)
            return redirect(target)
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
    logout_user()
    return redirect(url_for("auth.login"))

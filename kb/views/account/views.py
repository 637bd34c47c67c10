"""Views of a staff member's own page: API tokens, preferences, password, sign-ins."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from kb.services import api_tokens, recognition, staff_sessions, users
from kb.storage import db
from kb.views.access import role_required
from kb.views.account import bp
from kb.views.account.forms import (
    EndSignInForm,
    PasswordForm,
    PreferencesForm,
    RevokeForm,
    TokenForm,
)
from kb.views.forms import password_problem


def _page(
    form: TokenForm | None = None,
    secret: str | None = None,
    status: int = 200,
    password_form: PasswordForm | None = None,
) -> tuple[str, int]:
    database = db.session()
    preferences = PreferencesForm(formdata=None)
    preferences.hide_from_leaderboard.data = recognition.is_hidden(
        database, current_user.id
    )
    page = render_template(
        "account/account.html",
        form=form or TokenForm(formdata=None),
        revoke_form=RevokeForm(),
        preferences=preferences,
        tokens=api_tokens.for_user(database, current_user.id),
        secret=secret,
        leaderboard_on=recognition.load(database).leaderboard,
        password_form=password_form or PasswordForm(formdata=None),
        sign_ins=staff_sessions.active(
            database,
            current_user,
            staff_sessions.Lifetimes.from_config(current_app.config),
        ),
        end_form=EndSignInForm(),
        noindex=True,
    )
    return page, status


@bp.get("/")
@role_required("agent")
def index() -> tuple[str, int]:
    """The staff member's own page: API tokens and preferences."""
    return _page()


@bp.post("/tokens")
@role_required("agent")
def create_token() -> tuple[str, int]:
    """Make a token and show its secret once (never stored, never redirected)."""
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(form, status=400)
    try:
        secret, _info = api_tokens.create(
            db.session(), current_user, form.name.data or "", form.days.data
        )
    except api_tokens.TokenError:
        form.name.errors = [
            _(
                "You have %(num)s active tokens, the most allowed. Revoke one first.",
                num=api_tokens.MAX_TOKENS,
            )
        ]
        return _page(form, status=400)
    return _page(secret=secret, status=201)


@bp.post("/tokens/<int:token_id>/revoke")
@role_required("agent")
def revoke_token(token_id: int) -> Response:
    """Revoke one of the staff member's own tokens."""
    if not RevokeForm().validate_on_submit():
        abort(400)
    if not api_tokens.revoke(db.session(), current_user.id, token_id):
        abort(404)
    flash(_("Token revoked. Scripts using it now get 401."))
    return redirect(url_for("account.index"))


@bp.post("/preferences")
@role_required("agent")
def preferences() -> Response:
    """Save the staff member's own choices."""
    form = PreferencesForm()
    if not form.validate_on_submit():
        abort(400)
    recognition.set_hidden(
        db.session(), current_user.id, bool(form.hide_from_leaderboard.data)
    )
    flash(_("Preferences saved."))
    return redirect(url_for("account.index"))


@bp.post("/password")
@role_required("agent")
def change_password() -> Response | tuple[str, int]:
    """Change one's own password; other sign-ins and every API token end."""
    form = PasswordForm()
    if not form.validate_on_submit():
        return _page(password_form=form, status=400)
    site = current_app.config["SITE_NAME"]
    new = form.password.data or ""
    problem = password_problem(new, current_user.email, site)
    if problem:
        form.password.errors = [problem]
        return _page(password_form=form, status=400)
    try:
        revoked = users.change_own_password(
            db.session(), current_user, form.current.data or "", new, site_name=site
        )
    except users.WrongPassword:
        form.current.errors = [_("This is not your current password.")]
        return _page(password_form=form, status=400)
    except users.UserError as error:  # the rules changed under the form
        form.password.errors = [str(error)]
        return _page(password_form=form, status=400)
    flash(
        _(
            "Password changed. Your other sign-ins ended and %(num)s API token(s) "
            "were revoked.",
            num=revoked,
        )
    )
    return redirect(url_for("account.index"))


@bp.post("/sign-ins/<int:sign_in_id>/end")
@role_required("agent")
def end_sign_in(sign_in_id: int) -> Response:
    """End one of one's own sign-ins (this one signs out)."""
    if not EndSignInForm().validate_on_submit():
        abort(400)
    database = db.session()
    current = next(
        (
            s
            for s in staff_sessions.active(
                database,
                current_user,
                staff_sessions.Lifetimes.from_config(current_app.config),
            )
            if s.id == sign_in_id
        ),
        None,
    )
    if current is None or not staff_sessions.end_one(
        database, current_user, sign_in_id
    ):
        abort(404)
    if current.current:
        return redirect(url_for("auth.login"))
    flash(_("That sign-in ended: the device must sign in again."))
    return redirect(url_for("account.index"))

"""The second factor on "My account": turn TOTP on, renew recovery codes, turn
it off; and, with KB_STAFF_MFA=required, keep someone past their grace period to
enrolment only."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.security import check_password_hash
from werkzeug.wrappers import Response

from kb.security import is_staff_path
from kb.services import mfa, passkeys
from kb.storage import db
from kb.views.access import role_required
from kb.views.account import bp
from kb.views.account.forms import ConfirmPasswordForm, MfaCodeForm, PasskeyForm
from kb.views.errors import wants_json

SETUP = "mfa_setup"  # the secret being enrolled, until its first code proves it
# What someone past their grace period may still open.
ENROLMENT_ONLY = {
    "account.mfa_page",
    "account.enable_mfa",
    "account.passkey_options",
    "account.add_passkey",
    "auth.logout",
    "auth.login",
    "auth.code",
    "static",
}


def current_requirement() -> mfa.Requirement:
    """What KB_STAFF_MFA asks of the signed-in person now."""
    config = current_app.config
    return mfa.requirement(
        db.session(),
        current_user,
        config["STAFF_MFA"],
        config["STAFF_MFA_GRACE_DAYS"],
        config["STAFF_MFA_ROLES"],
    )


def relying_party() -> passkeys.RelyingParty | None:
    """This site as a WebAuthn relying party (from KB_BASE_URL), or None."""
    config = current_app.config
    return passkeys.relying_party(config["BASE_URL"], config["SITE_NAME"])


def render_page(
    form: MfaCodeForm | None = None,
    codes: list[str] | None = None,
    status: int = 200,
    password_form: ConfirmPasswordForm | None = None,
    passkey_form: PasskeyForm | None = None,
) -> tuple[str, int]:
    """The second-factor page (``status``: its HTTP status)."""
    database = db.session()
    need = current_requirement()
    values: dict = {}
    if not current_user.totp_enabled and need.offered:
        secret = session.get(SETUP)
        if not isinstance(secret, str) or len(secret) != 32:
            secret = session[SETUP] = mfa.new_secret()
        uri = mfa.provisioning_uri(
            secret, current_user.email, current_app.config["SITE_NAME"]
        )
        values = {"secret": secret, "qr": mfa.qr_svg(uri)}
    return render_template(
        "account/mfa.html",
        need=need,
        form=form or MfaCodeForm(formdata=None),
        password_form=password_form or ConfirmPasswordForm(formdata=None),
        codes=codes,
        left=mfa.recovery_codes_left(database, current_user)
        if current_user.totp_enabled
        else 0,
        passkey_form=passkey_form or PasskeyForm(formdata=None),
        passkey_list=passkeys.listing(database, current_user),
        passkeys_offered=relying_party() is not None
        and (need.offered or bool(current_user.passkeys)),
        noindex=True,
        **values,
    ), status


@bp.get("/mfa")
@role_required("agent")
def mfa_page() -> tuple[str, int]:
    """The second factor: how to turn it on, or its state and recovery codes."""
    return render_page()


@bp.post("/mfa/enable")
@role_required("agent")
def enable_mfa() -> tuple[str, int]:
    """Turn TOTP on with the app's first code; show the recovery codes once."""
    form = MfaCodeForm()
    secret = session.get(SETUP)
    if current_user.totp_enabled or not isinstance(secret, str):
        abort(409)
    if not form.validate_on_submit():
        return render_page(form, status=400)
    try:
        codes = mfa.enable(
            db.session(),
            current_user,
            secret,
            form.code.data or "",
            current_app.config["SECRET_KEY"],
        )
    except mfa.MfaError:
        form.code.errors = [
            _(
                "This code is not right. Check the app's clock and type the code "
                "it shows now."
            )
        ]
        return render_page(form, status=400)
    session.pop(SETUP, None)
    return render_page(codes=codes, status=201)


def _password_ok(form: ConfirmPasswordForm) -> bool:
    if not form.validate_on_submit():
        return False
    if check_password_hash(current_user.password_hash, form.password.data or ""):
        return True
    form.password.errors = [_("This is not your password.")]
    return False


@bp.post("/mfa/recovery-codes")
@role_required("agent")
def renew_recovery_codes() -> tuple[str, int]:
    """Ten new recovery codes (the old ones stop working); the password first."""
    form = ConfirmPasswordForm()
    if not current_user.totp_enabled:
        abort(409)
    if not _password_ok(form):
        return render_page(password_form=form, status=400)
    return render_page(
        codes=mfa.new_recovery_codes(db.session(), current_user), status=201
    )


@bp.post("/mfa/disable")
@role_required("agent")
def disable_mfa() -> Response | tuple[str, int]:
    """Turn the authenticator app off (not the last factor under ``required``)."""
    form = ConfirmPasswordForm()
    if not current_user.totp_enabled or (
        current_requirement().required and not current_user.passkeys
    ):
        abort(409)
    if not _password_ok(form):
        return render_page(password_form=form, status=400)
    mfa.disable(db.session(), current_user, current_user.email, end_sessions=False)
    flash(
        _("The authenticator app is off. Signing in asks for one of your passkeys.")
        if current_user.passkeys
        else _("The second factor is off. Signing in asks only for your password.")
    )
    return redirect(url_for("account.mfa_page"))


@bp.before_app_request
def enrolment_only_past_grace() -> Response | None:
    """With KB_STAFF_MFA=required, past the grace period only enrolment opens."""
    if (
        current_app.config["STAFF_MFA"] != "required"
        or not is_staff_path(request.path)
        or request.endpoint in ENROLMENT_ONLY
        or not current_user.is_authenticated
        or current_user.mfa_enabled
    ):
        return None
    if not current_requirement().locked:
        return None
    if wants_json():
        from kb.views.api.errors import json_error

        return json_error(403, "turn on a second factor first (/agent/account/mfa)")
    return redirect(url_for("account.mfa_page"))

"""Passkeys on "My account": add one (named), list them, remove one.

The browser half is ``static/js/passkeys.js``: it fetches the options from
:func:`passkey_options` and posts the browser's answer with the name to
:func:`add_passkey`. The challenge is kept in the session and in the database
(single use, two minutes); the relying party comes from ``KB_BASE_URL``.
"""

from __future__ import annotations

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from kb.services import passkeys
from kb.storage import db
from kb.views.access import role_required
from kb.views.account import bp
from kb.views.account.forms import PasskeyForm, RemovePasskeyForm
from kb.views.account.mfa import current_requirement, relying_party, render_page
from kb.views.api.errors import json_error
from kb.views.passkey_session import options_response, take_challenge

# The registration challenge while the browser makes the passkey.
CHALLENGE = "passkey_registration"


@bp.post("/passkeys/options")
@role_required("agent")
def passkey_options() -> Response:
    """The options for ``navigator.credentials.create`` (JSON; the challenge kept)."""
    rp = relying_party()
    if rp is None:
        return json_error(409, _("Passkeys need the site's address (KB_BASE_URL)."))
    options, challenge = passkeys.registration_options(db.session(), current_user, rp)
    return options_response(CHALLENGE, options, challenge)


def _refusal(kind: str) -> str:
    messages = {
        "expired": _("The passkey request expired or was used already. Try again."),
        "name": _("Give the passkey a name, e.g. “work laptop”."),
        "limit": _(
            "You have %(num)s passkeys, the most one person may have. Remove one "
            "first.",
            num=passkeys.MAX_PASSKEYS,
        ),
        "duplicate": _("This passkey is added already."),
    }
    return messages.get(
        kind,
        _(
            "The browser's passkey could not be checked for this site. Try again, "
            "or try another passkey."
        ),
    )


@bp.post("/passkeys")
@role_required("agent")
def add_passkey() -> Response | tuple[str, int]:
    """Keep the passkey the browser made, under the name given."""
    form = PasskeyForm()
    rp = relying_party()
    if rp is None:
        abort(409)
    challenge = take_challenge(CHALLENGE)
    if not form.validate_on_submit():
        return render_page(passkey_form=form, status=400)
    if challenge is None:
        form.credential.errors = [
            _("The passkey request expired or was used already. Try again.")
        ]
        return render_page(passkey_form=form, status=400)
    try:
        added = passkeys.register(
            db.session(),
            current_user,
            rp,
            form.credential.data or "",
            challenge,
            form.name.data or "",
        )
    except passkeys.PasskeyError as error:
        form.credential.errors = [_refusal(error.kind)]
        return render_page(passkey_form=form, status=400)
    flash(
        _(
            "The passkey “%(name)s” is added. Signing in now asks for a second factor.",
            name=added.name,
        )
    )
    return redirect(url_for("account.mfa_page"))


def _last_factor() -> bool:
    return (
        current_requirement().required
        and not current_user.totp_enabled
        and len(current_user.passkeys) <= 1
    )


@bp.route("/passkeys/<int:passkey_id>/remove", methods=["GET", "POST"])
@role_required("agent")
def remove_passkey(passkey_id: int) -> Response | tuple[str, int]:
    """Ask, then remove one passkey (not the last factor when one is required)."""
    found = passkeys.listing(db.session(), current_user)
    passkey = next((p for p in found if p.id == passkey_id), None)
    if passkey is None:
        abort(404)
    form = RemovePasskeyForm()
    blocked = _last_factor()
    if form.validate_on_submit() and not blocked:
        passkeys.remove(db.session(), current_user, passkey_id)
        flash(_("The passkey “%(name)s” is removed.", name=passkey.name))
        return redirect(url_for("account.mfa_page"))
    status = (409 if blocked else 400) if form.is_submitted() else 200
    return render_template(
        "account/remove_passkey.html",
        passkey=passkey,
        form=form,
        blocked=blocked,
        noindex=True,
    ), status

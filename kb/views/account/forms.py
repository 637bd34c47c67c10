"""Forms of a staff member's own page: tokens, preferences, password, sign-ins."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length

from kb.services.api_tokens import LIFETIMES


class TokenForm(FlaskForm):
    """A new personal API token: what it is for and how long it lasts."""

    name = StringField(
        _l("What is this token for?"),
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[
            DataRequired(_l("Give the token a name, e.g. “weekly sheet”.")),
            Length(max=80, message=_l("Use at most 80 characters.")),
        ],
    )
    days = SelectField(
        _l("Expires after"),
        coerce=int,
        default=90,
        choices=[
            SelectChoice(days, _l("%(num)s days", num=days)) for days in LIFETIMES
        ],
        validate_choice=True,
    )


class RevokeForm(FlaskForm):
    """Revoke one token (the CSRF token is all it carries)."""


class PreferencesForm(FlaskForm):
    """The staff member's own choices."""

    hide_from_leaderboard = BooleanField(_l("Keep me off the team leaderboard"))


class PasswordForm(FlaskForm):
    """A new password for oneself: the current one first."""

    current = PasswordField(
        _l("Current password"),
        validators=[InputRequired(_l("Enter your current password.")), Length(max=256)],
    )
    password = PasswordField(
        _l("New password"),
        validators=[InputRequired(_l("Choose a new password.")), Length(max=256)],
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[
            InputRequired(_l("Type the new password again.")),
            EqualTo("password", _l("The two passwords are not the same.")),
        ],
    )


class EndSignInForm(FlaskForm):
    """End one of one's own sign-ins (the CSRF token is all it carries)."""


class MfaCodeForm(FlaskForm):
    """Turning the second factor on: the first code the app shows."""

    code = StringField(
        _l("Code from the app"),
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[
            InputRequired(_l("Enter the 6-digit code the app shows.")),
            Length(max=20),
        ],
    )


class ConfirmPasswordForm(FlaskForm):
    """A change to the second factor: the password first."""

    password = PasswordField(
        _l("Your password"),
        validators=[InputRequired(_l("Enter your password.")), Length(max=256)],
    )


class PasskeyForm(FlaskForm):
    """A new passkey: its name, and the browser's answer (filled in by passkeys.js)."""

    name = StringField(
        _l("Name of the passkey"),
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[
            DataRequired(_l("Give the passkey a name, e.g. “work laptop”.")),
            Length(max=80, message=_l("Use at most 80 characters.")),
        ],
    )
    credential = HiddenField(
        validators=[
            DataRequired(_l("The browser sent no passkey. Try again.")),
            Length(max=20000),
        ]
    )


class RemovePasskeyForm(FlaskForm):
    """Remove one passkey (the CSRF token is all it carries)."""

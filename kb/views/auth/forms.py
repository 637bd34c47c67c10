"""Staff sign-in, "forgot password" and choosing a password through a link."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length


class LoginForm(FlaskForm):
    """Staff sign-in."""

    email = EmailField(
        _l("Email"),
        validators=[InputRequired(_l("Enter your email.")), Length(max=254)],
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(_l("Enter your password.")), Length(max=256)],
    )
    remember = BooleanField(_l("Keep me signed in on this device"))


class ForgotForm(FlaskForm):
    """ "Forgot password?": the account's email."""

    email = EmailField(
        _l("Email"),
        validators=[InputRequired(_l("Enter your email.")), Length(max=254)],
    )


class NewPasswordForm(FlaskForm):
    """Choose a password (through an invitation or a reset link)."""

    password = PasswordField(
        _l("New password"),
        validators=[InputRequired(_l("Choose a password.")), Length(max=256)],
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[
            InputRequired(_l("Type the password again.")),
            EqualTo("password", _l("The two passwords are not the same.")),
        ],
    )


class CodeForm(FlaskForm):
    """The second step of signing in: a code from the app or a recovery code."""

    code = StringField(
        _l("Code"),
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[InputRequired(_l("Enter the code.")), Length(max=20)],
    )


class PasskeySignInForm(FlaskForm):
    """Signing in with a passkey: the browser's answer (filled in by passkeys.js)."""

    credential = HiddenField(
        validators=[
            DataRequired(_l("The browser sent no passkey. Try again.")),
            Length(max=20000),
        ]
    )
    remember = HiddenField()

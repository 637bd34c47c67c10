"""Forms of the public reply composer, handoffs and the admin's wording pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from kb import i18n
from kb.forms import PLATFORM_NAMES, _web_url
from kb.services import composer
from kb.storage.models import PLATFORMS

LANG_NAMES = i18n.NAMES


def _placeholders(allowed: tuple[str, ...]):
    """A validator: every ``{name}`` in the field must be one of ``allowed``."""

    def check(_form, field) -> None:
        unknown = composer.unknown_placeholders(field.data or "", allowed)
        if unknown:
            raise ValidationError(
                _l(
                    "Unknown placeholder: %(names)s. Use only %(allowed)s.",
                    names=", ".join("{" + name + "}" for name in unknown),
                    allowed=", ".join("{" + name + "}" for name in allowed),
                )
            )

    return check


class HandoffForm(FlaskForm):
    """A public thread to continue privately: no personal data besides the handle."""

    thread_url = StringField(
        _l("Link to the public post or thread"),
        validators=[
            InputRequired(_l("Paste the link to the thread.")),
            Length(max=500),
            _web_url,
        ],
    )
    platform = SelectField(
        _l("Platform"),
        choices=[SelectChoice(p, PLATFORM_NAMES[p]) for p in PLATFORMS],
        validate_choice=True,
    )
    handle = StringField(
        _l("Customer's public handle (optional)"),
        validators=[Optional(), Length(max=100)],
    )
    article = StringField(
        _l("Article slug (optional)"), validators=[Optional(), Length(max=200)]
    )


class UseReplyForm(FlaskForm):
    """Record which article (and section) a public reply linked."""

    article = HiddenField(validators=[InputRequired(), Length(max=200)])
    section = HiddenField(validators=[Optional(), Length(max=200)])
    platform = HiddenField(validators=[InputRequired(), Length(max=16)])


class ReplyTemplateForm(FlaskForm):
    """The wording of one public reply template."""

    body = TextAreaField(
        _l("Reply text"),
        validators=[
            InputRequired(_l("Write the reply text.")),
            Length(max=2000, message=_l("Use at most 2,000 characters.")),
            _placeholders(composer.PLACEHOLDERS),
        ],
    )


class CannedForm(FlaskForm):
    """A canned response for private replies."""

    title = StringField(
        _l("Title"),
        validators=[InputRequired(_l("Give it a short title.")), Length(max=120)],
    )
    lang = SelectField(
        _l("Language"),
        choices=[SelectChoice(code, name) for code, name in LANG_NAMES.items()],
        validate_choice=True,
    )
    body = TextAreaField(
        _l("Text"),
        validators=[
            InputRequired(_l("Write the text.")),
            Length(max=5000, message=_l("Use at most 5,000 characters.")),
            _placeholders(composer.CANNED_PLACEHOLDERS),
        ],
    )


class DeleteForm(FlaskForm):
    """A bare POST that only carries the CSRF token."""

"""Forms of the admin pages: reply templates and canned responses."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, ValidationError

from kb.services import composer
from kb.views.forms import known_placeholders
from kb.vocab import LANG_NAMES


class ReplyTemplateForm(FlaskForm):
    """The wording of one public reply template (``kind`` is set by the view)."""

    kind = "answer"

    def validate_body(self, field: Field) -> None:
        """Refuse a text without its links: every reply would ship without them."""
        missing = composer.missing_placeholders(field.data or "", self.kind)
        if missing:
            raise ValidationError(
                _l(
                    "The text must contain %(names)s: without it the reply has no "
                    "link.",
                    names=", ".join("{" + name + "}" for name in missing),
                )
            )

    body = TextAreaField(
        _l("Reply text"),
        validators=[
            InputRequired(_l("Write the reply text.")),
            Length(max=2000, message=_l("Use at most 2,000 characters.")),
            known_placeholders(composer.PLACEHOLDERS),
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
            known_placeholders(composer.CANNED_PLACEHOLDERS),
        ],
    )

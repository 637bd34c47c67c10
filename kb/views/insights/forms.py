"""The "Was this helpful?" form for visitors without JavaScript."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from kb.vocab import VOTE_REASON_NAMES


class FeedbackForm(FlaskForm):
    """Yes or no, and on no a reason and an optional comment."""

    helpful = RadioField(
        _l("Was this helpful?"),
        choices=[SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))],
        validators=[InputRequired(_l("Choose yes or no."))],
    )
    reason = RadioField(
        _l("What was wrong? (optional)"),
        choices=[SelectChoice(k, v) for k, v in VOTE_REASON_NAMES.items()],
        validators=[Optional()],
        validate_choice=True,
    )
    comment = TextAreaField(
        _l("Anything else? (optional; please leave out personal details)"),
        validators=[Optional(), Length(max=500)],
    )

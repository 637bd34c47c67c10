"""Forms of the reports: a gap handled, a reply's outcome, badges and leaderboard."""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange, Optional

from kb.services.recognition import MAX_THRESHOLD
from kb.vocab import LANGUAGES, REPLY_OUTCOMES


class HandledForm(FlaskForm):
    """A query of the content-gap queue the team has dealt with."""

    query = HiddenField(validators=[InputRequired(), Length(max=200)])
    lang = HiddenField(validators=[InputRequired(), AnyOf(LANGUAGES)])
    next = HiddenField(validators=[Optional(), Length(max=500)])


class OutcomeForm(FlaskForm):
    """What became of a public reply: one click."""

    outcome = HiddenField(validators=[InputRequired(), AnyOf(REPLY_OUTCOMES)])


class _Count(IntegerField):
    """A whole number whose "not a number" message is ours, and translated."""

    def process_formdata(self, valuelist: list) -> None:
        """Read the number; anything else is a clear error at the field."""
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(gettext("Give a whole number, e.g. 5.")) from None


def _threshold(label: object) -> IntegerField:
    return _Count(
        label,
        validators=[
            InputRequired(_l("Give a whole number (0 switches the badge off).")),
            NumberRange(
                min=0,
                max=MAX_THRESHOLD,
                message=_l(
                    "Use a whole number from 0 to %(max)s.", max=f"{MAX_THRESHOLD:,}"
                ),
            ),
        ],
    )


class RecognitionForm(FlaskForm):
    """The admins' choices: badge thresholds and the leaderboard."""

    settled = _threshold(_l("Settled public answers"))
    articles = _threshold(_l("Articles written or updated"))
    gaps = _threshold(_l("Search gaps closed"))
    on_time = _threshold(_l("First responses within target"))
    leaderboard = BooleanField(_l("Show a leaderboard to signed-in staff"))
    exclude_admins = BooleanField(_l("Leave administrators off the leaderboard"))

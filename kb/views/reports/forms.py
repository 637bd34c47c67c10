"""Forms of the reports: mark a search gap handled, set a public reply's outcome."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import AnyOf, InputRequired, Length, Optional

from kb.vocab import LANGUAGES, REPLY_OUTCOMES


class HandledForm(FlaskForm):
    """A query of the content-gap queue the team has dealt with."""

    query = HiddenField(validators=[InputRequired(), Length(max=200)])
    lang = HiddenField(validators=[InputRequired(), AnyOf(LANGUAGES)])
    next = HiddenField(validators=[Optional(), Length(max=500)])


class OutcomeForm(FlaskForm):
    """What became of a public reply: one click."""

    outcome = HiddenField(validators=[InputRequired(), AnyOf(REPLY_OUTCOMES)])

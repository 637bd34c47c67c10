"""Forms of the private contact flow (Flask-WTF: CSRF on every POST, only
declared fields)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Length, Optional

from kb.views.forms import attachments_field, web_url
from kb.vocab import PLATFORM_NAMES, PLATFORMS, RATING_NAMES, RATINGS


class ContactForm(FlaskForm):
    """A new private ticket."""

    name = StringField(
        _l("Your name"),
        validators=[InputRequired(_l("Please tell us your name.")), Length(max=120)],
    )
    email = EmailField(
        _l("Email"),
        validators=[
            InputRequired(
                _l("We need your email to send you the link to your ticket.")
            ),
            Email(
                _l("This doesn't look like an email address."),
                check_deliverability=False,
            ),
            Length(max=254),
        ],
    )
    subject = StringField(
        _l("Subject"),
        validators=[
            InputRequired(_l("Please add a short subject.")),
            Length(min=3, max=200, message=_l("Use 3 to 200 characters.")),
        ],
    )
    message = TextAreaField(
        _l("Message"),
        validators=[
            InputRequired(_l("Please describe your problem.")),
            Length(min=10, max=5000, message=_l("Use 10 to 5,000 characters.")),
        ],
    )
    category = SelectField(_l("Topic"), choices=[], validate_choice=True)
    platform = SelectField(
        _l("Where did this come up? (optional)"),
        choices=[
            SelectChoice("", _l("Not on social media")),
            *[SelectChoice(p, PLATFORM_NAMES[p]) for p in PLATFORMS],
        ],
        validate_choice=True,
    )
    thread_url = StringField(
        _l("Link to the post or thread (optional)"),
        validators=[Optional(), Length(max=500), web_url],
    )
    article = HiddenField(validators=[Optional(), Length(max=200)])
    case = HiddenField(validators=[Optional(), Length(max=32)])
    attachments = attachments_field()
    # Honeypot: hidden from people (CSS, aria-hidden, no tab stop); bots fill it.
    website = StringField(_l("Leave this empty"), validators=[Optional()])


class ReplyForm(FlaskForm):
    """A customer's reply on their ticket page."""

    message = TextAreaField(
        _l("Your reply"),
        validators=[
            InputRequired(_l("Please write a reply.")),
            Length(max=5000, message=_l("Use at most 5,000 characters.")),
        ],
    )
    attachments = attachments_field()


class RatingForm(FlaskForm):
    """The customer's satisfaction with a solved ticket."""

    rating = RadioField(
        _l("How did we do?"),
        choices=[SelectChoice(r, RATING_NAMES[r]) for r in RATINGS],
        validators=[InputRequired(_l("Choose good, okay or bad."))],
    )
    comment = TextAreaField(
        _l("Anything to add? (optional)"),
        validators=[
            Optional(),
            Length(max=1000, message=_l("Use at most 1,000 characters.")),
        ],
    )


class NewLinkForm(FlaskForm):
    """Ask for a new secret link by reference and email."""

    reference = StringField(
        _l("Ticket reference"),
        validators=[
            InputRequired(_l("Enter the reference, like JWB-7K3Q9.")),
            Length(max=16),
        ],
    )
    email = EmailField(
        _l("Email"),
        validators=[
            InputRequired(_l("Enter the email you used for the ticket.")),
            Length(max=254),
        ],
    )

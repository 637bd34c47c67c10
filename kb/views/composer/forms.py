"""Forms of the public reply composer and handoffs."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from kb.views.forms import web_url
from kb.vocab import PLATFORM_NAMES, PLATFORMS

# The draft form's platform until the agent picks one: with a thread link on
# a known host, the link's platform wins over it (kb.services.thread_links).
DRAFT_PLATFORM = "x"


class HandoffForm(FlaskForm):
    """A public thread to continue privately: no personal data besides the handle."""

    thread_url = StringField(
        _l("Link to the public post or thread"),
        validators=[
            InputRequired(_l("Paste the link to the thread.")),
            Length(max=500),
            web_url,
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
    article = HiddenField(validators=[Optional(), Length(max=200)])
    article_q = StringField(
        _l("Find the article to link (optional)"),
        validators=[Optional(), Length(max=200)],
    )


class UseReplyForm(FlaskForm):
    """Record which article (and section) a public reply linked."""

    article = HiddenField(validators=[InputRequired(), Length(max=200)])
    section = HiddenField(validators=[Optional(), Length(max=200)])
    platform = HiddenField(validators=[InputRequired(), Length(max=16)])
    # The text as copied: over the platform's limit, nothing is recorded.
    text = HiddenField(validators=[Optional(), Length(max=70000)])
    # The reply's r= code and its case (insights): optional for older pages.
    code = HiddenField(validators=[Optional(), Length(max=16)])
    case = HiddenField(validators=[Optional(), Length(max=32)])
    # answer, handoff or welcome: the team report counts welcomes apart.
    kind = HiddenField(validators=[Optional(), Length(max=16)])


class DraftForm(FlaskForm):
    """A customer's public post to answer: read, never stored."""

    post = TextAreaField(
        _l("Customer's post"),
        validators=[
            InputRequired(_l("Paste the customer's post.")),
            Length(max=5000, message=_l("A post is at most 5,000 characters.")),
        ],
    )
    platform = SelectField(
        _l("Platform"),
        choices=[SelectChoice(p, PLATFORM_NAMES[p]) for p in PLATFORMS],
        default=DRAFT_PLATFORM,
        validate_choice=True,
    )
    thread_url = StringField(
        _l("Link to the thread (optional)"),
        validators=[Optional(), Length(max=500), web_url],
    )
    lang = SelectField(
        _l("Reply language"),
        choices=[
            SelectChoice("", _l("Same as the post")),
            SelectChoice("id", "Bahasa Indonesia"),
            SelectChoice("en", "English"),
        ],
        validate_choice=True,
    )
    tone = SelectField(
        _l("Tone"),
        choices=[
            SelectChoice("casual", _l("Casual (Kak, “Hi there”)")),
            SelectChoice("formal", _l("Formal (Bapak/Ibu, “Hello”)")),
        ],
        default="casual",
        validate_choice=True,
    )
    # The article and section of the last draft, for "Re-draft".
    article = HiddenField(validators=[Optional(), Length(max=200)])
    section = StringField(_l("Section"), validators=[Optional(), Length(max=200)])

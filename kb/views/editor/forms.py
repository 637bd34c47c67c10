"""Forms of the editor pages: an article's front matter and body."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from kb.markdown import MAX_CHARS
from kb.storage.articles import SLUG
from kb.views.forms import SiteTimeField
from kb.vocab import LANG_NAMES

_SLUG_MESSAGE = _l("Use lowercase letters, digits, - or _ (for example: refund-times).")
_LIST = r"\A[^\n]*\Z"
SYNONYMS_MAX_CHARS = 100_000

# Body limits of the routes that take these forms (kb.security.body_limit): a
# character form-encoded takes up to 12 bytes (a 4-byte UTF-8 character is
# %F0%9F%98%80), and 64 KB more holds field names, the CSRF token and the
# small fields. The draft's other text fields hold at most 1,860 characters.
_BYTES_PER_CHAR = 12
_ROOM = 64 * 1024
DRAFT_BODY_LIMIT = _BYTES_PER_CHAR * (MAX_CHARS + 2_000) + _ROOM
SYNONYMS_BODY_LIMIT = _BYTES_PER_CHAR * SYNONYMS_MAX_CHARS + _ROOM


class DraftForm(FlaskForm):
    """An article as a form: every front matter field, then the Markdown body."""

    title = StringField(
        _l("Title"),
        validators=[
            InputRequired(_l("Give the article a title.")),
            Length(max=200, message=_l("Use at most 200 characters.")),
        ],
    )
    lang = SelectField(
        _l("Language"),
        choices=[SelectChoice(code, name) for code, name in LANG_NAMES.items()],
        validate_choice=True,
    )
    slug = StringField(
        _l("Slug (the address)"),
        validators=[
            InputRequired(_l("Give the article a slug.")),
            Length(max=120, message=_l("Use at most 120 characters.")),
            Regexp(SLUG, message=_SLUG_MESSAGE),
        ],
    )
    category = SelectField(_l("Category"), choices=[], validate_choice=True)
    tags = StringField(
        _l("Tags"),
        validators=[Optional(), Length(max=500), Regexp(_LIST)],
    )
    summary = StringField(
        _l("Summary"),
        validators=[
            Optional(),
            Length(max=300, message=_l("Use at most 300 characters.")),
        ],
    )
    aliases = StringField(
        _l("Old slugs (aliases)"),
        validators=[Optional(), Length(max=500), Regexp(_LIST)],
    )
    translation = StringField(
        _l("Translation group"),
        validators=[
            Optional(),
            Length(max=120),
            Regexp(SLUG, message=_SLUG_MESSAGE),
        ],
    )
    status = SelectField(
        _l("Status"),
        choices=[
            SelectChoice("published", _l("Published")),
            SelectChoice("draft", _l("Draft (hidden)")),
        ],
        validate_choice=True,
    )
    owner = StringField(
        _l("Owner"),
        validators=[Optional(), Length(max=120)],
    )
    body = TextAreaField(
        _l("Article text (Markdown)"),
        validators=[
            Length(
                max=MAX_CHARS,
                message=_l("Use at most %(max)d characters.", max=MAX_CHARS),
            )
        ],
    )
    revision = HiddenField()
    publish_at = SiteTimeField(
        _l("Publish at"),
        format="%Y-%m-%dT%H:%M",
        validators=[Optional()],
    )
    reviewed = BooleanField(_l("I checked that this article is still true"))


class CommentForm(FlaskForm):
    """A reviewer's comment on a draft."""

    # Posted as "body", but the draft page's article text is id="body" already.
    body = TextAreaField(
        _l("Comment"),
        id="comment-body",
        validators=[
            InputRequired(_l("Write a comment.")),
            Length(max=4000, message=_l("Use at most 4,000 characters.")),
        ],
    )


class SettingsForm(FlaskForm):
    """The admin's editor settings."""

    require_second_person = BooleanField(
        _l("A second person must approve every article before it is published")
    )


class SynonymsForm(FlaskForm):
    """The synonyms file, as YAML."""

    text = TextAreaField(
        _l("Synonyms (YAML)"),
        validators=[
            Length(max=SYNONYMS_MAX_CHARS, message=_l("The file is too long."))
        ],
    )


def _stripped(value: object) -> object:
    return " ".join(value.split()) if isinstance(value, str) else value


def _phrase_field(label: str, missing: str) -> StringField:
    """A word or phrase of a synonyms entry: spaces folded, 1-100 characters."""
    return StringField(
        label,
        filters=[_stripped],
        validators=[
            DataRequired(missing),
            Length(max=100, message=_l("Use at most 100 characters.")),
        ],
    )


class AddSynonymForm(FlaskForm):
    """One synonym from the search gap report: customers' words → our wording."""

    term = _phrase_field(
        _l("When customers search for"), _l("Write the customers' word or phrase.")
    )
    phrase = _phrase_field(
        _l("also search for"), _l("Write the word or phrase our articles use.")
    )
    lang = SelectField(
        _l("Language"),
        choices=[SelectChoice(code, name) for code, name in LANG_NAMES.items()],
        validate_choice=True,
    )
    # The gap's query as listed (marked handled once the synonym is saved).
    gap = HiddenField(validators=[Optional(), Length(max=200)])
    next = HiddenField(validators=[Optional(), Length(max=500)])


class NeedsUpdateForm(FlaskForm):
    """ "This article needs an update": why, and where it came from."""

    reason = TextAreaField(
        _l("What needs updating"),
        validators=[
            Optional(),
            Length(max=500, message=_l("Use at most 500 characters.")),
        ],
    )
    from_ticket = HiddenField(validators=[Optional(), Length(max=16)])
    from_vote = HiddenField(validators=[Optional(), Regexp(r"\A\d{1,12}\Z")])

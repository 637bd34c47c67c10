"""Forms of the agents' desk (Flask-WTF: CSRF on every POST)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    Field,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, ValidationError

from kb.markdown import LimitProblem, check_limits
from kb.views.forms import attachments_field
from kb.vocab import PRIORITIES, PRIORITY_NAMES, STATUS_NAMES, STATUSES


def _limit_message(problem: LimitProblem) -> str:
    """What an agent should change, in their language (why: see kb/markdown.py)."""
    values = {"line": problem.line, "found": problem.found, "limit": problem.limit}
    messages = {
        "size": lambda: _(
            "Line %(line)s: the message is too long (%(found)s characters; "
            "at most %(limit)s).",
            **values,
        ),
        "lines": lambda: _(
            "Line %(line)s: the message has too many lines (%(found)s; at most "
            "%(limit)s).",
            **values,
        ),
        "nesting": lambda: _(
            "Line %(line)s: lists, quotes or indentation are nested %(found)s "
            "levels deep (at most %(limit)s).",
            **values,
        ),
        "bracket_depth": lambda: _(
            "Line %(line)s: brackets are nested %(found)s deep (at most %(limit)s).",
            **values,
        ),
        "unmatched": lambda: _(
            "Line %(line)s: %(found)s brackets ([, ( or <) are never closed (at "
            "most %(limit)s). Close them, or put a backslash before each one.",
            **values,
        ),
        "table_rows": lambda: _(
            "Line %(line)s: the table has %(found)s rows (at most %(limit)s).",
            **values,
        ),
        "table_cells": lambda: _(
            "Line %(line)s: the tables have %(found)s cells in all (at most "
            "%(limit)s).",
            **values,
        ),
        "headings": lambda: _(
            "Line %(line)s: too many headings (%(found)s; at most %(limit)s).",
            **values,
        ),
        "abbreviations": lambda: _(
            "Line %(line)s: too many abbreviations (%(found)s; at most %(limit)s).",
            **values,
        ),
    }
    return messages[problem.kind]()


def markdown_within_limits(_form: FlaskForm, field: Field) -> None:
    """Refuse Markdown that would be slow to render, naming each line to change."""
    problems = check_limits(field.data or "")
    if problems:
        raise ValidationError(" ".join(_limit_message(p) for p in problems))


class AgentReplyForm(FlaskForm):
    """A reply to the customer or an internal note."""

    kind = RadioField(
        _l("Send as"),
        choices=[
            SelectChoice("reply", _l("Reply to customer")),
            SelectChoice("note", _l("Internal note")),
        ],
        default="reply",
    )
    body = TextAreaField(
        _l("Message"),
        validators=[
            InputRequired(_l("Please write a message.")),
            Length(max=5000, message=_l("Use at most 5,000 characters.")),
            markdown_within_limits,
        ],
    )
    next_status = SelectField(
        _l("Then set the status to"),
        choices=[
            SelectChoice(
                "", _l("Automatic (waiting after a reply, unchanged after a note)")
            )
        ]
        + [SelectChoice(s, STATUS_NAMES[s]) for s in STATUSES],
        default="",
    )
    attachments = attachments_field()


class TicketUpdateForm(FlaskForm):
    """Status, priority and assignee of a ticket (assignees are set by the view)."""

    status = SelectField(
        _l("Status"), choices=[SelectChoice(s, STATUS_NAMES[s]) for s in STATUSES]
    )
    priority = SelectField(
        _l("Priority"), choices=[SelectChoice(p, PRIORITY_NAMES[p]) for p in PRIORITIES]
    )
    assignee = SelectField(_l("Assignee"), choices=[SelectChoice("", _l("Unassigned"))])


class BulkForm(FlaskForm):
    """Several queue rows at once: assign them or close them."""

    tickets = SelectMultipleField(
        _l("Tickets"),
        validators=[InputRequired(_l("Select at least one ticket."))],
        validate_choice=False,  # references: unknown ones are simply not found
    )
    action = SelectField(
        _l("Action"),
        choices=[
            SelectChoice("assign", _l("Assign to")),
            SelectChoice("close", _l("Close")),
        ],
        validate_choice=True,
    )
    # Checked by the view, and only when assigning ("Close" sends none).
    assignee = SelectField(
        _l("Assignee"),
        choices=[SelectChoice("", _l("Unassigned"))],
        validate_choice=False,
    )


class MergeForm(FlaskForm):
    """Confirm merging this ticket into another (the reference comes along)."""

    into = HiddenField(
        _l("Merge into"),
        validators=[InputRequired(_l("Give the reference of the other ticket."))],
    )


class PresenceForm(FlaskForm):
    """The reply box's poll: whether it holds a draft now."""

    active = HiddenField()

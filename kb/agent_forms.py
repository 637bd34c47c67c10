"""Forms of the agents' workspace (Flask-WTF: CSRF on every POST)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from kb.storage.models import PRIORITIES, STATUSES

STATUS_NAMES = {
    "new": _l("new"),
    "open": _l("open"),
    "waiting": _l("waiting"),
    "resolved": _l("resolved"),
    "closed": _l("closed"),
}
PRIORITY_NAMES = {
    "low": _l("low"),
    "normal": _l("normal"),
    "high": _l("high"),
    "urgent": _l("urgent"),
}


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


class TicketUpdateForm(FlaskForm):
    """Status, priority and assignee of a ticket (assignees are set by the view)."""

    status = SelectField(
        _l("Status"), choices=[SelectChoice(s, STATUS_NAMES[s]) for s in STATUSES]
    )
    priority = SelectField(
        _l("Priority"), choices=[SelectChoice(p, PRIORITY_NAMES[p]) for p in PRIORITIES]
    )
    assignee = SelectField(_l("Assignee"), choices=[SelectChoice("", _l("Unassigned"))])

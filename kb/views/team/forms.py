"""Forms of the staff pages: invite someone, change a role."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from kb.vocab import ROLES

ROLE_LABELS = {"agent": _l("Agent"), "editor": _l("Editor"), "admin": _l("Admin")}


def _role_field(label: object) -> SelectField:
    return SelectField(
        label,
        choices=[SelectChoice(role, ROLE_LABELS[role]) for role in ROLES],
        default="agent",
        validate_choice=True,
    )


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


class InviteForm(FlaskForm):
    """A new staff member: their email, name and role."""

    email = EmailField(
        _l("Email"),
        filters=[_strip],
        validators=[InputRequired(_l("Enter their email.")), Length(max=254)],
    )
    name = StringField(
        _l("Name (optional)"),
        filters=[_strip],
        validators=[Length(max=120, message=_l("Use at most 120 characters."))],
    )
    role = _role_field(_l("Role"))


class RoleForm(FlaskForm):
    """Another role for one person."""

    role = _role_field(_l("Role"))

"""Form pieces shared by several areas: the bare action form and validators."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.validators import ValidationError

from kb.services import composer


class ActionForm(FlaskForm):
    """A bare POST (close, reopen, delete…) that only carries the CSRF token."""


def web_url(_form: FlaskForm, field: Field) -> None:
    """A validator: an empty field or a full http(s) address."""
    if field.data:
        parts = urlsplit(field.data.strip())
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValidationError(_l("Enter the full address, starting with https://"))


def known_placeholders(allowed: tuple[str, ...]) -> Callable[[FlaskForm, Field], None]:
    """A validator: every ``{name}`` in the field must be one of ``allowed``."""

    def check(_form: FlaskForm, field: Field) -> None:
        unknown = composer.unknown_placeholders(field.data or "", allowed)
        if unknown:
            raise ValidationError(
                _l(
                    "Unknown placeholder: %(names)s. Use only %(allowed)s.",
                    names=", ".join("{" + name + "}" for name in unknown),
                    allowed=", ".join("{" + name + "}" for name in allowed),
                )
            )

    return check

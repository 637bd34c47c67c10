"""Form pieces shared by several areas: the bare action form and validators."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage
from wtforms import DateTimeLocalField, Field, MultipleFileField
from wtforms.validators import ValidationError

from kb import site_time
from kb.services import attachments, composer, passwords


class ActionForm(FlaskForm):
    """A bare POST (close, reopen, delete…) that only carries the CSRF token."""


def attachments_field() -> MultipleFileField:
    """The "attach files" field of the contact, reply and agent forms."""
    return MultipleFileField(_l("Attach files (optional)"))


def uploads(
    field: MultipleFileField, limits: attachments.Limits
) -> list[attachments.Upload]:
    """The files a field carries, each read up to one byte past the limit."""
    found = []
    for item in field.data or []:
        if isinstance(item, FileStorage) and (item.filename or item.content_length):
            data = item.stream.read(limits.max_bytes + 1)
            found.append(attachments.Upload(item.filename or "", data))
    return found


def checked_uploads(
    form: FlaskForm, limits: attachments.Limits, already: int = 0
) -> list[attachments.Checked] | None:
    """The form's files checked and cleaned, or None with the error at the field."""
    try:
        return attachments.check(uploads(form.attachments, limits), limits, already)
    except attachments.AttachmentError as error:
        form.attachments.errors = [str(error)]
        return None


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


def password_problem(password: str, email: str, site_name: str) -> str | None:
    """Why the staff password rules refuse ``password``, translated; None if fine."""
    found = passwords.reason(password, email=email, site_name=site_name)
    if found is None:
        return None
    code, word = found
    if code == "length":
        return str(
            _l(
                "Use %(low)s to %(high)s characters.",
                low=passwords.MIN_LENGTH,
                high=passwords.MAX_LENGTH,
            )
        )
    if code == "common":
        return str(_l("This password is one of the most common ones; choose another."))
    if code == "repeats":
        return str(_l("This password repeats too few characters; choose another."))
    return str(
        _l(
            "The password must not contain “%(word)s” (your email or the site's name).",
            word=word,
        )
    )


class SiteTimeField(DateTimeLocalField):
    """A ``datetime-local`` input typed and shown in the site's zone; its data is UTC.

    The browser sends a wall-clock time without a zone: it is read in
    ``KB_TIME_ZONE`` (a time the clocks skip is this field's error, naming
    it), and an aware UTC ``data`` is shown back as that zone's wall clock.
    """

    data: dt.datetime | None

    def process_formdata(self, valuelist: Sequence[Any]) -> None:
        """Parse the wall-clock time, then make it the UTC instant it means there."""
        super().process_formdata(valuelist)
        if not isinstance(self.data, dt.datetime):
            return
        wall, self.data = self.data, None
        try:
            self.data = site_time.from_local(wall)
        except site_time.NonexistentTime:
            raise ValueError(
                _(
                    "%(field)s: %(time)s does not exist in %(zone)s (the clocks "
                    "skip that hour). Choose another time.",
                    field=self.label.text,
                    time=wall.strftime("%Y-%m-%d %H:%M"),
                    zone=site_time.site_zone().key,
                )
            ) from None

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        if not isinstance(self.data, dt.datetime):
            return ""
        return site_time.to_local(self.data).strftime(self.format[0])

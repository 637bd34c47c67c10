"""Files a customer sends by email, kept like files sent through the web.

The inbound mail service knows nothing of the attachment store (it only calls
hooks); this module registers the hook that puts each file through the same
checks as the web forms (type from the content, images re-encoded, limits)
and keeps those that pass. A file that fails is named in the message with the
reason, so the agent can ask for it again: nothing is skipped silently.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from kb.services import attachments, inbound_mail
from kb.services.inbound_parse import Attachment as MailedFile
from kb.storage.models import Message, Ticket


@inbound_mail.on_attachments
def keep_mailed_files(
    db: Session, ticket: Ticket, message: Message, files: Sequence[MailedFile]
) -> None:
    """Keep the files of an answer by email that pass the web's checks."""
    limits = attachments.Limits.from_config(current_app.config)
    kept: list[attachments.Checked] = []
    refused: list[str] = []
    with force_locale(ticket.lang):  # the reasons are read on the ticket
        for item in files[: max(limits.max_files, 0)]:
            used = attachments.ticket_bytes(db, ticket) + sum(len(k.data) for k in kept)
            upload = attachments.Upload(item.filename or "", item.data)
            try:
                kept += attachments.check([upload], limits, used)
            except attachments.AttachmentError as error:
                refused.append(f"{item.filename or item.content_type}: {error}")
        for item in files[max(limits.max_files, 0) :]:
            too_many = _(
                "Attach at most %(num)d files to one message.", num=limits.max_files
            )
            refused.append(f"{item.filename or item.content_type}: {too_many}")
        if refused:
            names = "; ".join(refused)
            note = _("[Files sent by email not kept: %(files)s]", files=names)
            message.body = f"{message.body}\n\n{note}".strip()
    attachments.store(db, message, kept, limits)
    db.commit()

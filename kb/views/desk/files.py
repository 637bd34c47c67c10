"""A ticket's files for staff (internal notes' included)."""

from __future__ import annotations

from flask import abort
from werkzeug.wrappers import Response

from kb.services import agent_tickets, attachments
from kb.storage import db
from kb.storage.models import Attachment
from kb.views.access import role_required
from kb.views.desk import bp
from kb.views.downloads import file_response


def _row(reference: str, attachment_id: int) -> Attachment:
    found = agent_tickets.get(db.session(), reference)
    row = (
        attachments.find(db.session(), found, attachment_id, public=False)
        if found is not None
        else None
    )
    if row is None:
        abort(404)
    return row


@bp.get("/tickets/<reference>/files/<int:attachment_id>")
@role_required("agent")
def attachment(reference: str, attachment_id: int) -> Response:
    """One attached file of a ticket."""
    return file_response(_row(reference, attachment_id))


@bp.get("/tickets/<reference>/files/<int:attachment_id>/thumb")
@role_required("agent")
def attachment_thumb(reference: str, attachment_id: int) -> Response:
    """An attached image's thumbnail."""
    row = _row(reference, attachment_id)
    if row.thumbnail is None:
        abort(404)
    return file_response(row, thumbnail=True)

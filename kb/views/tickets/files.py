"""A ticket's files for the secret-link holder (never an internal note's)."""

from __future__ import annotations

from flask import abort
from werkzeug.wrappers import Response

from kb.services import attachments
from kb.storage import db
from kb.views.downloads import file_response
from kb.views.tickets import bp
from kb.views.tickets.views import shown_ticket


@bp.get("/t/<reference>/<token>/files/<int:attachment_id>")
def attachment(reference: str, token: str, attachment_id: int) -> Response:
    """One attached file, to the holder of the ticket's secret link."""
    found = shown_ticket(reference, token)
    row = attachments.find(db.session(), found, attachment_id, public=True)
    if row is None:
        abort(404)
    return file_response(row)


@bp.get("/t/<reference>/<token>/files/<int:attachment_id>/thumb")
def attachment_thumb(reference: str, token: str, attachment_id: int) -> Response:
    """An attached image's thumbnail, to the holder of the secret link."""
    found = shown_ticket(reference, token)
    row = attachments.find(db.session(), found, attachment_id, public=True)
    if row is None or row.thumbnail is None:
        abort(404)
    return file_response(row, thumbnail=True)

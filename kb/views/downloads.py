"""Answering with an attached file: the headers every download carries."""

from __future__ import annotations

import io

from flask import current_app, send_file
from werkzeug.wrappers import Response

from kb.services import attachments
from kb.storage.models import Attachment

# Nothing in a download may run, load or frame anything.
DOWNLOAD_POLICY = "default-src 'none'; sandbox; frame-ancestors 'none'"


def limits() -> attachments.Limits:
    """This app's attachment limits (``KB_ATTACHMENT_*``)."""
    return attachments.Limits.from_config(current_app.config)


def file_response(row: Attachment, *, thumbnail: bool = False) -> Response:
    """The file (or its thumbnail): inline only for re-encoded images."""
    if thumbnail:
        data, mimetype = row.thumbnail or b"", "image/webp"
        name = row.filename.rsplit(".", 1)[0] + "-thumb.webp"
    else:
        data, mimetype = attachments.read(row, limits()), row.content_type
        name = row.filename
    inline = thumbnail or row.content_type in attachments.IMAGE_TYPES.values()
    response = send_file(
        io.BytesIO(data),
        mimetype=mimetype,
        as_attachment=not inline,
        download_name=name,
        conditional=False,
        etag=False,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = DOWNLOAD_POLICY
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response

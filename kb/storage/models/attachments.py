"""Files customers and agents attach to a ticket's messages.

The bytes live in ``data`` (``KB_ATTACHMENT_STORAGE=db``, the default: several
nodes need no shared disk) or in a file under ``KB_ATTACHMENT_DIR`` named by
``stored_name`` (``files``). Only checked files reach this table: images
re-encoded without their metadata, PDFs that passed the bounded checks.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from kb.storage.models.base import Base, utcnow


class Attachment(Base):
    """One checked file on one message of a ticket."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(120))  # sanitized, true extension
    content_type: Mapped[str] = mapped_column(String(64))  # from the content
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Deferred: a page or a thumbnail never loads the (up to 10 MB) bytes.
    data: Mapped[bytes | None] = mapped_column(
        LargeBinary, nullable=True, deferred=True
    )
    stored_name: Mapped[str | None] = mapped_column(String(80), nullable=True)
    thumbnail: Mapped[bytes | None] = mapped_column(
        LargeBinary, nullable=True, deferred=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )

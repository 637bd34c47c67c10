"""Files on tickets: check, clean, store and read them back.

A file's type comes from its content, never its name. Images are opened by
Pillow (with a decompression-bomb limit), turned upright and re-encoded, so
EXIF, GPS and any other metadata are gone; PDFs must start with ``%PDF-``,
must not be encrypted and their compressed streams are inflated within a
bounded budget, so a zip bomb is refused without being unpacked. Every
problem is an :class:`AttachmentError` naming the file, for the form's field.
"""

from __future__ import annotations

import io
import re
import secrets
import unicodedata
import warnings
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from PIL import Image, ImageOps
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kb.storage.models import Attachment, Message, Ticket

MB = 1024 * 1024
# A photo from a phone is 12-50 megapixels; 60 leaves room and stops bombs.
MAX_PIXELS = 60_000_000
THUMB_SIZE = (320, 320)
# A PDF's streams may inflate to this many times the file's size (text and
# fonts compress 3-10x); a bomb inflates thousands of times.
PDF_INFLATE_RATIO = 40
PDF_INFLATE_FLOOR = 20 * MB
PDF_MAX_STREAMS = 20_000

IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "application/pdf": "pdf",
}
HEIC_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1", b"heim")

Image.MAX_IMAGE_PIXELS = MAX_PIXELS


def heic_supported() -> bool:
    """Whether pillow-heif is installed (the ``heic`` extra) and registered."""
    try:
        from pillow_heif import register_heif_opener  # type: ignore[import-not-found]
    except ImportError:
        return False
    register_heif_opener()
    return True


class AttachmentError(ValueError):
    """A file that cannot be attached; the message is for the form's field."""


@dataclass(frozen=True)
class Limits:
    """How many files a message takes, and how large they may be."""

    max_files: int
    max_bytes: int
    ticket_max_bytes: int
    storage: str = "db"
    folder: str = ""

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Limits:
        """The limits set by the ``KB_ATTACHMENT_*`` keys."""
        return cls(
            max_files=config["ATTACHMENT_MAX_FILES"],
            max_bytes=config["ATTACHMENT_MAX_MB"] * MB,
            ticket_max_bytes=config["ATTACHMENT_TICKET_MAX_MB"] * MB,
            storage=config["ATTACHMENT_STORAGE"],
            folder=config["ATTACHMENT_DIR"],
        )

    def body_limit(self) -> int:
        """The request body a form with the most and largest files needs."""
        return self.max_files * self.max_bytes + MB


@dataclass(frozen=True)
class Upload:
    """A file as the browser sent it: its claimed name and its bytes."""

    filename: str
    data: bytes


@dataclass(frozen=True)
class Checked:
    """A file ready to store: cleaned bytes, the true type, a safe name."""

    filename: str
    content_type: str
    data: bytes
    width: int | None = None
    height: int | None = None
    thumbnail: bytes | None = None


@dataclass(frozen=True)
class Shown:
    """What a ticket page shows of an attachment."""

    id: int
    message_id: int
    filename: str
    content_type: str
    size: int
    width: int | None
    height: int | None
    has_thumbnail: bool

    @property
    def is_image(self) -> bool:
        """Re-encoded images may be shown inline; nothing else is."""
        return self.content_type in IMAGE_TYPES.values()

    @property
    def thumb_size(self) -> tuple[int, int]:
        """The thumbnail's size on the page (within 160 px), kept in proportion."""
        width, height = self.width or 160, self.height or 160
        scale = min(1.0, 160 / width, 160 / height)
        return max(1, round(width * scale)), max(1, round(height * scale))


def safe_filename(claimed: str, content_type: str) -> str:
    """The name without folders, controls or odd characters, with the true extension."""
    name = re.split(r"[\\/]", claimed or "")[-1]
    name = unicodedata.normalize("NFKC", name)
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = "".join(c for c in stem if c.isalnum() or c in " -_().")
    stem = re.sub(r"\s+", " ", stem).strip(" .-_")[:80] or "attachment"
    return f"{stem}.{EXTENSIONS[content_type]}"


def sniff(data: bytes) -> str | None:
    """The type the first bytes say, or None for anything not accepted."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp" and data[8:12] in HEIC_BRANDS:
        return "image/heic"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def check(uploads: Sequence[Upload], limits: Limits, already: int = 0) -> list[Checked]:
    """Check and clean every file, or raise AttachmentError for the first bad one.

    ``already`` is what the ticket's earlier files take (for the per-ticket total).
    """
    uploads = [u for u in uploads if u.filename or u.data]
    if not uploads:
        return []
    if limits.max_files == 0:
        raise AttachmentError(_("Files cannot be attached here."))
    if len(uploads) > limits.max_files:
        raise AttachmentError(
            _("Attach at most %(num)d files to one message.", num=limits.max_files)
        )
    checked = [_check_one(upload, limits) for upload in uploads]
    total = already + sum(len(c.data) for c in checked)
    if total > limits.ticket_max_bytes:
        raise AttachmentError(
            _(
                "This ticket's files may take %(mb)d MB in all; these would go over. "
                "Send fewer or smaller files.",
                mb=limits.ticket_max_bytes // MB,
            )
        )
    return checked


def _check_one(upload: Upload, limits: Limits) -> Checked:
    name = _display_name(upload.filename)
    size = len(upload.data)
    if size == 0:
        raise AttachmentError(_("%(name)s is empty (0 bytes).", name=name))
    if size > limits.max_bytes:
        raise AttachmentError(
            _(
                "%(name)s is larger than %(mb)d MB.",
                name=name,
                mb=limits.max_bytes // MB,
            )
        )
    kind = sniff(upload.data)
    if kind == "application/pdf":
        _check_pdf(upload.data, name)
        return Checked(safe_filename(upload.filename, kind), kind, upload.data)
    if kind == "image/heic" and not heic_supported():
        raise AttachmentError(
            _(
                "%(name)s is a HEIC photo, which this site cannot read. "
                "Send it as JPEG (a screenshot works too).",
                name=name,
            )
        )
    if kind is None:
        raise AttachmentError(
            _(
                "%(name)s is not a JPEG, PNG or WebP image or a PDF "
                "(the file's content decides, not its name).",
                name=name,
            )
        )
    return _reencode(upload, name)


def _display_name(claimed: str) -> str:
    """The claimed name, short and printable, for an error message."""
    name = re.split(r"[\\/]", claimed or "")[-1]
    name = "".join(c for c in name if c.isprintable())[:60]
    return f"“{name}”" if name else _("The file")


def _reencode(upload: Upload, name: str) -> Checked:
    """Open, verify and re-encode an image: upright, no metadata, same format."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(upload.data)) as probe:
                probe.verify()
            opened = Image.open(io.BytesIO(upload.data))
            opened.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise AttachmentError(
            _("%(name)s has too many pixels to be a photo.", name=name)
        ) from None
    except Exception:  # Pillow raises many kinds for a broken file
        raise AttachmentError(
            _("%(name)s could not be read as an image.", name=name)
        ) from None
    try:
        return _encode(opened, upload.filename)
    except (OSError, ValueError):  # a mode or a profile Pillow cannot write back
        raise AttachmentError(
            _("%(name)s could not be read as an image.", name=name)
        ) from None


def _encode(opened: Image.Image, filename: str) -> Checked:
    """Upright, in the same format (HEIC as JPEG), without metadata; a thumbnail."""
    source_format = opened.format or ""
    image: Image.Image = ImageOps.exif_transpose(opened) or opened
    content_type = IMAGE_TYPES.get(source_format, "image/jpeg")  # HEIC → JPEG
    out = io.BytesIO()
    if content_type == "image/jpeg":
        image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    elif content_type == "image/png":
        keep = image if image.mode in {"1", "L", "LA", "P", "RGB", "RGBA"} else None
        (keep or image.convert("RGBA")).save(out, "PNG", optimize=True)
    else:
        mode = "RGBA" if "A" in image.getbands() else "RGB"
        image.convert(mode).save(out, "WEBP", quality=85)
    thumb = image.copy()
    thumb.thumbnail(THUMB_SIZE)
    small = io.BytesIO()
    thumb.convert("RGBA" if "A" in thumb.getbands() else "RGB").save(
        small, "WEBP", quality=75
    )
    return Checked(
        safe_filename(filename, content_type),
        content_type,
        out.getvalue(),
        image.width,
        image.height,
        small.getvalue(),
    )


STREAM = re.compile(rb"stream\r?\n")


def _check_pdf(data: bytes, name: str) -> None:
    """Refuse encrypted PDFs and streams that inflate far beyond the file's size."""
    if b"%%EOF" not in data[-2048:]:
        raise AttachmentError(_("%(name)s is not a complete PDF.", name=name))
    if re.search(rb"/Encrypt\b", data):
        raise AttachmentError(
            _("%(name)s is password-protected; send it without a password.", name=name)
        )
    budget = max(PDF_INFLATE_FLOOR, PDF_INFLATE_RATIO * len(data))
    position, streams = 0, 0
    while (found := STREAM.search(data, position)) is not None:
        streams += 1
        if streams > PDF_MAX_STREAMS:
            raise _bomb(name)
        start = found.end()
        end = data.find(b"endstream", start)
        if end < 0:
            break
        position = end + len(b"endstream")
        inflater = zlib.decompressobj()
        chunk = data[start:end]
        try:
            # max_length bounds the work: never more than the budget left.
            while chunk and budget > 0:
                out = inflater.decompress(chunk, min(budget, MB) + 1)
                budget -= len(out)
                chunk = inflater.unconsumed_tail
        except zlib.error:
            continue  # not a Flate stream (images, plain text): counted by size
        if budget <= 0:
            raise _bomb(name)


def _bomb(name: str) -> AttachmentError:
    return AttachmentError(
        _("%(name)s unpacks to far more than its size; it was refused.", name=name)
    )


def ticket_bytes(db: Session, ticket: Ticket) -> int:
    """What a ticket's files take together."""
    total = db.scalar(
        select(func.coalesce(func.sum(Attachment.size), 0)).where(
            Attachment.ticket_id == ticket.id
        )
    )
    return int(total or 0)


def store(
    db: Session, message: Message, files: Sequence[Checked], limits: Limits
) -> None:
    """Keep checked files on a message (the caller commits)."""
    for item in files:
        row = Attachment(
            ticket_id=message.ticket_id,
            message_id=message.id,
            filename=item.filename,
            content_type=item.content_type,
            size=len(item.data),
            width=item.width,
            height=item.height,
            thumbnail=item.thumbnail,
        )
        if limits.storage == "files":
            row.stored_name = f"{secrets.token_hex(16)}.{EXTENSIONS[item.content_type]}"
            folder = Path(limits.folder)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / row.stored_name).write_bytes(item.data)
        else:
            row.data = item.data
        db.add(row)


def attach(
    db: Session, message: Message, files: Sequence[Checked], limits: Limits
) -> None:
    """Store checked files on a message that is already saved, and commit."""
    if files:
        store(db, message, files, limits)
        db.commit()


def for_ticket(db: Session, ticket: Ticket, *, public: bool) -> dict[int, list[Shown]]:
    """A ticket's files by message id (``public``: none from internal notes)."""
    query = (
        select(
            Attachment.id,
            Attachment.message_id,
            Attachment.filename,
            Attachment.content_type,
            Attachment.size,
            Attachment.width,
            Attachment.height,
            Attachment.thumbnail.is_not(None),
        )
        .join(Message, Message.id == Attachment.message_id)
        .where(Attachment.ticket_id == ticket.id)
        .order_by(Attachment.id)
    )
    if public:
        query = query.where(Message.internal.is_(False))
    shown: dict[int, list[Shown]] = {}
    for row in db.execute(query):
        item = Shown(*row)
        shown.setdefault(item.message_id, []).append(item)
    return shown


def find(
    db: Session, ticket: Ticket, attachment_id: int, *, public: bool
) -> Attachment | None:
    """One of this ticket's files (``public``: not one from an internal note)."""
    row = db.get(Attachment, attachment_id)
    if row is None or row.ticket_id != ticket.id:
        return None
    if public:
        message = db.get(Message, row.message_id)
        if message is None or message.internal:
            return None
    return row


def read(row: Attachment, limits: Limits) -> bytes:
    """The stored bytes of a file, from the database or the folder."""
    if row.data is not None:
        return row.data
    if row.stored_name is None:
        return b""
    return (Path(limits.folder) / Path(row.stored_name).name).read_bytes()


def stored_names(db: Session, ticket_ids: Sequence[int]) -> list[str]:
    """The files under ``KB_ATTACHMENT_DIR`` that these tickets' rows name."""
    if not ticket_ids:
        return []
    return [
        name
        for name in db.scalars(
            select(Attachment.stored_name).where(
                Attachment.ticket_id.in_(ticket_ids),
                Attachment.stored_name.is_not(None),
            )
        )
        if name
    ]


def remove_files(names: Sequence[str], folder: str) -> None:
    """Delete stored files whose rows are gone (``files`` storage)."""
    for name in names:
        (Path(folder) / Path(name).name).unlink(missing_ok=True)


def latest_message(db: Session, ticket: Ticket, author: str) -> Message | None:
    """The ticket's newest message by ``author`` (the one just saved)."""
    return db.scalars(
        select(Message)
        .where(Message.ticket_id == ticket.id, Message.author == author)
        .order_by(Message.id.desc())
        .limit(1)
    ).first()

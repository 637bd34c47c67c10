"""Files on tickets: the contact form, the customer's and the agent's replies, on
SQLite and PostgreSQL; bad files refused at the field with nothing lost; who may
download what, and with which headers."""

from __future__ import annotations

import datetime as dt
import functools
import io
import random
import re
import zlib
from pathlib import Path

import pytest
from helpers import (
    CONTACT_FORM,
    csrf,
    rows,
    signed_in,
    staff_email,
)
from PIL import ExifTags, Image
from sqlalchemy import create_engine, select, update
from sqlalchemy.orm import Session, undefer
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from kb.services import attachments, tickets
from kb.storage.db import standalone_session
from kb.storage.models import Attachment, Ticket, utcnow

MB = 1024 * 1024


def gps_photo(size: tuple[int, int] = (400, 200)) -> bytes:
    """A JPEG with GPS coordinates, a camera maker and a "rotate 90°" tag."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "PhoneMaker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "S"
    gps[ExifTags.GPS.GPSLatitude] = (6.0, 12.0, 30.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (106.0, 49.0, 0.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png(size: tuple[int, int] = (64, 64), mode: str = "RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, "PNG")
    return out.getvalue()


def pdf(body: bytes = b"BT /F1 12 Tf (Invoice 123) Tj ET") -> bytes:
    stream = zlib.compress(body)
    head = b"%PDF-1.4\n1 0 obj\n<< /Length " + str(len(stream)).encode()
    return (
        head
        + b" /Filter /FlateDecode >>\nstream\n"
        + stream
        + b"\nendstream\nendobj\ntrailer\n<< >>\n%%EOF\n"
    )


@functools.cache
def zip_bomb_pdf() -> bytes:
    """A 300 KB PDF whose one stream inflates to 300 MB."""
    return pdf(b"\0" * 300 * MB)


def post_files(client, url: str, data: dict, form_url: str | None = None):
    """Post ``data`` as multipart/form-data, encoded in memory.

    (The test client spools a large body to a temporary file it never closes.)
    """
    fields = {**data, "csrf_token": csrf(client, form_url or url)}
    boundary, body = encode_multipart(MultiDict(fields))
    return client.post(
        url, data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def contact(client, files: list[tuple[bytes, str]], **changes: str):
    """Post the contact form with ``files`` (bytes, claimed name)."""
    data: dict = {**CONTACT_FORM, **changes}
    data["attachments"] = [
        FileStorage(io.BytesIO(body), filename=name) for body, name in files
    ]
    return post_files(client, "/en/contact", data)


def secret_path(client, response) -> tuple[str, str]:
    """The reference and secret path after an accepted contact form."""
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    link = re.search(r"(/t/(JWB-[A-Z0-9]+)/[A-Za-z0-9_-]+)", page)
    assert link, page[:2000]
    return link.group(2), link.group(1)


def stored(app) -> list[Attachment]:
    """Every attachment row with its bytes loaded (they are deferred)."""
    engine = create_engine(app.config["DATABASE_URL"])
    with Session(engine) as db:
        found = list(
            db.scalars(select(Attachment).options(undefer(Attachment.data))).all()
        )
    engine.dispose()
    return found


def file_links(page: str) -> list[str]:
    return re.findall(r'href="([^"]*/files/\d+)"', page)


def test_a_photo_on_the_contact_form_comes_back_upright_without_exif(
    ticket_app,
) -> None:
    client = ticket_app.test_client()
    reference, path = secret_path(
        client, contact(client, [(gps_photo(), "../../IMG_0042.JPG")])
    )
    page = client.get(path).get_data(as_text=True)
    [link] = file_links(page)
    assert "IMG_0042.jpg" in page and f'{link}/thumb"' in page
    served = client.get(link)
    assert served.status_code == 200
    assert served.mimetype == "image/jpeg"
    assert served.headers["Content-Disposition"].startswith("inline")
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in served.headers["Content-Security-Policy"]
    assert "sandbox" in served.headers["Content-Security-Policy"]
    assert "no-store" in served.headers["Cache-Control"]
    image = Image.open(io.BytesIO(served.data))
    assert image.size == (200, 400)  # turned upright
    assert dict(image.getexif()) == {} and b"PhoneMaker" not in served.data
    thumb = client.get(link + "/thumb")
    assert thumb.mimetype == "image/webp"
    assert Image.open(io.BytesIO(thumb.data)).size == (160, 320)
    [row] = stored(ticket_app)
    assert row.filename == "IMG_0042.jpg" and row.data == served.data
    assert row.stored_name is None


# Made when a test runs (a 300 MB inflate and a 50 MB body): not at collection.
BAD_FILES = {
    "php named .jpg": (
        lambda: b"<?php system($_GET['c']); ?>",
        "shell.jpg",
        "is not a JPEG, PNG or WebP",
    ),
    "svg with script": (
        lambda: (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
        ),
        "logo.svg",
        "is not a JPEG, PNG or WebP",
    ),
    "zip-bomb pdf": (zip_bomb_pdf, "invoice.pdf", "unpacks to far more than its size"),
    "0 bytes": (lambda: b"", "empty.png", "is empty (0 bytes)"),
    "50 MB": (
        lambda: b"\xff\xd8\xff" + b"\0" * (50 * MB),
        "huge.jpg",
        "is larger than 10 MB",
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_is_refused_at_the_field_and_nothing_is_lost(
    ticket_app, case: str
) -> None:
    make, name, message = BAD_FILES[case]
    client = ticket_app.test_client()
    response = contact(
        client,
        [(png(), "fine.png"), (make(), name)],
        subject="Parcel arrived broken",
        message="The box was crushed; order 8812 has a cracked screen.",
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    error = re.search(r'<p class="field-error" id="attachments-error">([^<]*)', page)
    assert error and message in error.group(1), page[-3000:]
    assert name in error.group(1)
    assert 'aria-invalid="true"' in page
    # Everything typed is still there.
    assert 'value="Parcel arrived broken"' in page
    assert "The box was crushed; order 8812 has a cracked screen." in page
    assert 'value="Budi Santoso"' in page
    assert rows(ticket_app, Ticket) == [] and rows(ticket_app, Attachment) == []


def test_text_errors_and_file_errors_show_together(ticket_app) -> None:
    client = ticket_app.test_client()
    response = contact(client, [(b"GIF89a", "a.gif")], subject="")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Please add a short subject." in page
    assert "is not a JPEG, PNG or WebP" in page


def test_too_many_files_and_the_per_ticket_total(make_app, database_url) -> None:
    app = make_app(
        DATABASE_URL=database_url,
        ATTACHMENT_MAX_FILES=2,
        ATTACHMENT_MAX_MB=1,
        ATTACHMENT_TICKET_MAX_MB=1,
    )
    client = app.test_client()
    response = contact(client, [(png(), f"{n}.png") for n in range(3)])
    assert "Attach at most 2 files to one message." in response.get_data(as_text=True)
    # Noise does not compress: two ~0.6 MB PNGs pass one by one, not together.
    noise = Image.frombytes("RGB", (450, 450), random.Random(22).randbytes(607_500))
    out = io.BytesIO()
    noise.save(out, "PNG")
    big = out.getvalue()
    assert 0.5 * MB < len(big) < MB
    reference, path = secret_path(client, contact(client, [(big, "one.png")]))
    reply = post_files(
        client,
        path,
        {
            "message": "And another photo.",
            "attachments": [FileStorage(io.BytesIO(big), filename="two.png")],
        },
    )
    assert reply.status_code == 400
    text = reply.get_data(as_text=True)
    assert "This ticket&#39;s files may take 1 MB in all" in text
    assert "And another photo." in text
    assert len(rows(app, Attachment)) == 1


def test_customer_reply_with_a_pdf_is_a_download(ticket_app) -> None:
    client = ticket_app.test_client()
    reference, path = secret_path(client, contact(client, []))
    response = post_files(
        client,
        path,
        {
            "message": "Here is the invoice.",
            "attachments": [
                FileStorage(io.BytesIO(pdf()), filename="Invoice <March>.exe.pdf")
            ],
        },
    )
    assert response.status_code == 302
    page = client.get(path).get_data(as_text=True)
    [link] = file_links(page)
    assert "Invoice March.exe.pdf" in page
    served = client.get(link)
    assert served.mimetype == "application/pdf"
    assert served.headers["Content-Disposition"].startswith("attachment;")
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.data == pdf()
    assert client.get(link + "/thumb").status_code == 404


def test_who_may_download(staff_app) -> None:
    customer = staff_app.test_client()
    reference, path = secret_path(customer, contact(customer, [(png(), "a.png")]))
    [link] = file_links(customer.get(path).get_data(as_text=True))
    attachment_id = link.rsplit("/", 1)[1]
    _other_ref, other_path = secret_path(customer, contact(customer, []))
    stranger = staff_app.test_client()
    assert stranger.get(link).status_code == 200  # the link is the key
    # Another ticket's token, a wrong token, the other ticket's path: nothing.
    token = path.rsplit("/", 1)[1]
    other_token = other_path.rsplit("/", 1)[1]
    assert (
        stranger.get(f"/t/{reference}/{other_token}/files/{attachment_id}").status_code
        == 404
    )
    assert stranger.get(f"{other_path}/files/{attachment_id}").status_code == 404
    assert (
        stranger.get(f"/t/{reference}/{token[:-2]}xx/files/{attachment_id}").status_code
        == 404
    )
    staff_url = f"/agent/tickets/{reference}/files/{attachment_id}"
    anonymous = stranger.get(staff_url)
    assert (
        anonymous.status_code == 302 and "/agent/login" in anonymous.headers["Location"]
    )
    agent = signed_in(staff_app, staff_email("agent"))
    desk_page = agent.get(f"/agent/tickets/{reference}").get_data(as_text=True)
    assert (
        f'href="{staff_url}"' in desk_page and f'src="{staff_url}/thumb"' in desk_page
    )
    served = agent.get(staff_url)
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert (
        agent.get(f"/agent/tickets/{_other_ref}/files/{attachment_id}").status_code
        == 404
    )


def test_agent_reply_and_internal_note_attachments(staff_app) -> None:
    customer = staff_app.test_client()
    reference, path = secret_path(customer, contact(customer, []))
    agent = signed_in(staff_app, staff_email("agent"))
    url = f"/agent/tickets/{reference}"
    for kind, name, body in (
        ("reply", "steps.png", png()),
        ("note", "internal.pdf", pdf()),
    ):
        response = post_files(
            agent,
            url + "/reply",
            {
                "kind": kind,
                "body": f"A {kind} with a file.",
                "attachments": [FileStorage(io.BytesIO(body), filename=name)],
            },
            form_url=url,
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = customer.get(path).get_data(as_text=True)
    assert "steps.png" in page and "internal.pdf" not in page
    assert len(file_links(page)) == 1
    note = [r for r in rows(staff_app, Attachment) if r.filename == "internal.pdf"][0]
    assert customer.get(f"{path}/files/{note.id}").status_code == 404
    desk_page = agent.get(url).get_data(as_text=True)
    assert "steps.png" in desk_page and "internal.pdf" in desk_page
    assert agent.get(f"{url}/files/{note.id}").data == pdf()
    # A bad file on the agent's form: the reply is kept, nothing sent.
    bad = post_files(
        agent,
        url + "/reply",
        {
            "kind": "reply",
            "body": "Keep this text please.",
            "attachments": [
                FileStorage(io.BytesIO(b"MZ\x90\x00"), filename="tool.pdf")
            ],
        },
        form_url=url,
    )
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "Keep this text please." in text and "“tool.pdf” is not a JPEG" in text


def test_files_storage_keeps_bytes_in_the_folder(
    make_app, database_url, tmp_path: Path
) -> None:
    folder = tmp_path / "files"
    app = make_app(
        DATABASE_URL=database_url,
        ATTACHMENT_STORAGE="files",
        ATTACHMENT_DIR=str(folder),
    )
    client = app.test_client()
    _reference, path = secret_path(client, contact(client, [(pdf(), "a.pdf")]))
    [row] = stored(app)
    assert row.data is None and row.stored_name
    assert (folder / row.stored_name).read_bytes() == pdf()
    [link] = file_links(client.get(path).get_data(as_text=True))
    assert client.get(link).data == pdf()


def test_other_pages_keep_their_small_body_limit(ticket_app) -> None:
    client = ticket_app.test_client()
    token = csrf(client, "/en/contact/new-link")
    response = client.post(
        "/en/contact/new-link",
        data={
            "csrf_token": token,
            "reference": "JWB-1",
            "x": (io.BytesIO(b"0" * 200_000), "a.png"),
        },
    )
    assert response.status_code == 413


def test_merged_tickets_files_move_and_open_through_both_links(staff_app) -> None:
    customer = staff_app.test_client()
    old_ref, old_path = secret_path(customer, contact(customer, [(png(), "box.png")]))
    new_ref, new_path = secret_path(customer, contact(customer, []))
    agent = signed_in(staff_app, staff_email("agent"))
    old_url = f"/agent/tickets/{old_ref}"
    response = agent.post(
        old_url + "/merge",
        data={"csrf_token": csrf(agent, old_url), "into": new_ref},
    )
    assert response.status_code == 302
    [row] = rows(staff_app, Attachment)
    assert [t.id for t in rows(staff_app, Ticket) if t.reference == new_ref] == [
        row.ticket_id
    ]
    for path in (old_path, new_path):
        page = customer.get(path).get_data(as_text=True)
        [link] = file_links(page)
        assert link.startswith(path) and customer.get(link).status_code == 200
    desk_page = agent.get(f"/agent/tickets/{new_ref}").get_data(as_text=True)
    assert f"/agent/tickets/{new_ref}/files/{row.id}" in desk_page


def test_purge_removes_stored_files(make_app, database_url, tmp_path: Path) -> None:
    folder = tmp_path / "files"
    app = make_app(
        DATABASE_URL=database_url,
        ATTACHMENT_STORAGE="files",
        ATTACHMENT_DIR=str(folder),
    )
    client = app.test_client()
    contact(client, [(pdf(), "a.pdf")])
    [row] = rows(app, Attachment)
    assert (folder / row.stored_name).exists()
    with app.app_context(), standalone_session() as db:
        db.execute(
            update(Ticket).values(
                status="closed", updated_at=utcnow() - dt.timedelta(days=400)
            )
        )
        db.commit()
        assert tickets.purge(db, 365)[0] == 1
    assert rows(app, Attachment) == [] and list(folder.iterdir()) == []


def test_the_field_and_its_errors_speak_indonesian(ticket_app) -> None:
    client = ticket_app.test_client()
    page = client.get("/id/contact").get_data(as_text=True)
    assert "Lampirkan berkas (opsional)" in page
    assert "Foto disimpan ulang tanpa lokasi" in page
    data = {**CONTACT_FORM, "attachments": [FileStorage(io.BytesIO(b""), "a.png")]}
    response = post_files(client, "/id/contact", data)
    assert "“a.png” kosong (0 byte)." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("mode", "kind"),
    [("I;16", "PNG"), ("CMYK", "JPEG"), ("P", "PNG"), ("LA", "PNG"), ("RGBA", "WEBP")],
)
def test_images_of_every_mode_are_re_encoded(app, mode: str, kind: str) -> None:
    out = io.BytesIO()
    Image.new(mode, (50, 40)).save(out, kind)
    limits = attachments.Limits.from_config(app.config)
    with app.test_request_context("/en/"):
        [checked] = attachments.check(
            [attachments.Upload(f"scan.{kind.lower()}", out.getvalue())], limits
        )
    assert checked.content_type == f"image/{kind.lower()}"
    assert Image.open(io.BytesIO(checked.data)).size == (50, 40)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (gps_photo()[:600], "could not be read as an image"),
        (png((8000, 8000), "1"), "has too many pixels to be a photo"),
        (pdf()[:-8], "is not a complete PDF"),
        (
            pdf().replace(b"trailer\n<< >>", b"trailer\n<< /Encrypt 5 0 R >>"),
            "is password-protected",
        ),
    ],
)
def test_broken_images_pixel_bombs_and_locked_pdfs_are_refused(
    app, body: bytes, message: str
) -> None:
    limits = attachments.Limits.from_config(app.config)
    with (
        app.test_request_context("/en/"),
        pytest.raises(attachments.AttachmentError) as refused,
    ):
        attachments.check([attachments.Upload("file", body)], limits)
    assert message in str(refused.value)

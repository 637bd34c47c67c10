"""Attachments in a real browser: a customer sends a photo with GPS EXIF and gets it
back without; a wrong file is refused at the field with the text kept; the agent
replies with files; both ticket pages show thumbnails, axe-clean at 375 and
1280 px, light and dark.

Set ``JAWAB_SHOTS=<folder>`` to also save a screenshot of every page state.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from axe import describe, violations
from flask import Flask
from helpers import add_staff, browser_sign_in, serve, shot
from PIL import ExifTags, Image
from playwright.sync_api import Page, expect

from kb.services import agent_tickets, attachments, tickets, users
from kb.storage.db import standalone_session

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

AGENT = "sari@tokorona.example"
SIZES = {"phone": (375, 800), "desktop": (1280, 900)}
FIELD = "Attach files (optional)"


def gps_photo(color: tuple[int, int, int] = (30, 120, 200)) -> bytes:
    """A phone photo: GPS coordinates, a camera maker, "rotate 90°"."""
    image = Image.new("RGB", (640, 480), color)
    for x in range(0, 640, 40):  # stripes, so a wrong rotation would show
        image.paste((250, 250, 250), (x, 0, x + 12, 480))
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


PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Length 20 >>\nstream\nBT (Receipt) Tj ET\n"
    b"endstream\nendobj\ntrailer\n<< >>\n%%EOF\n"
)


@pytest.fixture()
def attach_app(make_app, database_url: str) -> Flask:
    app = make_app(DATABASE_URL=database_url)
    add_staff(app, AGENT, "agent", name="Sari Agent")
    return app


@pytest.fixture()
def attach_url(attach_app: Flask) -> Iterator[str]:
    yield from serve(attach_app)


def _fill(page: Page) -> None:
    page.get_by_label("Your name").fill("Ana")
    page.get_by_label("Email", exact=True).fill("ana@example.com")
    page.get_by_label("Subject").fill("Parcel arrived broken")
    page.get_by_label("Message").fill("The box was crushed.\nOrder 8812.")


def test_a_gps_photo_goes_in_and_comes_back_without_exif(
    browser, attach_url: str
) -> None:
    context = browser.new_context()
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{attach_url}/en/contact")
    _fill(page)
    # A PHP script named .jpg: refused at the field, everything typed kept.
    page.get_by_label(FIELD).set_input_files(
        [{"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": b"<?php ?>"}]
    )
    page.get_by_role("button", name="Send privately").click()
    expect(page.locator("#attachments-error")).to_contain_text(
        "“photo.jpg” is not a JPEG, PNG or WebP image or a PDF"
    )
    expect(page.get_by_label("Message")).to_have_value(
        "The box was crushed.\nOrder 8812."
    )
    expect(page.get_by_label("Subject")).to_have_value("Parcel arrived broken")
    shot(page, "contact-file-refused")

    page.get_by_label(FIELD).set_input_files(
        [{"name": "IMG_0042.JPG", "mimeType": "image/jpeg", "buffer": gps_photo()}]
    )
    page.get_by_role("button", name="Send privately").click()
    link = page.get_by_label("Your private link").input_value()
    page.goto(link)
    thumb = page.locator("img.attachment-thumb")
    expect(thumb).to_be_visible()
    # The thumbnail loads lazily and after the page: wait for it rather than
    # read it mid-download (a broken image never gets a width and times out).
    page.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0", arg=thumb.element_handle()
    )
    href = page.get_by_role("link", name=re.compile("IMG_0042.jpg")).get_attribute(
        "href"
    )
    served = page.request.get(attach_url + href)
    assert served.ok and served.headers["content-type"] == "image/jpeg"
    assert served.headers["x-content-type-options"] == "nosniff"
    image = Image.open(io.BytesIO(served.body()))
    assert dict(image.getexif()) == {}
    assert b"PhoneMaker" not in served.body() and b"Exif" not in served.body()
    assert image.size == (480, 640)  # turned upright
    context.close()

    # The agent sees the photo and answers with a PDF and a screenshot.
    staff = browser.new_context()
    staff.set_default_timeout(10_000)
    desk = staff.new_page()
    browser_sign_in(desk, attach_url, AGENT)
    reference = re.search(r"/t/(JWB-[A-Z0-9]+)/", link).group(1)
    desk.goto(f"{attach_url}/agent/tickets/{reference}")
    expect(desk.locator("img.attachment-thumb")).to_have_count(1)
    desk.get_by_label("Message", exact=True).fill("Here is your return label.")
    desk.get_by_label(FIELD).set_input_files(
        [
            {"name": "label.pdf", "mimeType": "application/pdf", "buffer": PDF},
            {"name": "steps.jpg", "mimeType": "image/jpeg", "buffer": gps_photo()},
        ]
    )
    desk.get_by_role("button", name="Send reply").click()
    expect(desk.locator("img.attachment-thumb")).to_have_count(2)
    expect(desk.get_by_role("link", name=re.compile("label.pdf"))).to_be_visible()
    staff.close()


def _seed(app: Flask) -> str:
    """A ticket with a customer's photo, an agent's screenshot and a PDF."""
    limits = attachments.Limits.from_config(app.config)
    with app.test_request_context(), standalone_session() as db:
        opened = tickets.open_ticket(
            db,
            tickets.TicketInput(
                name="Ana",
                email="ana@example.com",
                subject="Parcel arrived broken",
                message="The box was crushed. Order 8812.",
                lang="en",
            ),
            lambda ref, token: f"/t/{ref}/{token}",
        )
        ticket = tickets.find(db, opened.reference, opened.token)
        first = attachments.latest_message(db, ticket, "customer")
        files = attachments.check(
            [
                attachments.Upload("IMG_0042.JPG", gps_photo()),
                attachments.Upload("box side.jpg", gps_photo((180, 90, 40))),
            ],
            limits,
        )
        attachments.attach(db, first, files, limits)
        reply = agent_tickets.add_message(
            db,
            ticket,
            users.find(db, AGENT).id,
            "Sorry about that. Here is your **return label**.",
            internal=False,
            status=None,
            site_root="http://localhost/en/",
            link_for=lambda ref, token: f"http://localhost/t/{ref}/{token}",
        )
        files = attachments.check(
            [
                attachments.Upload("return-label.pdf", PDF),
                attachments.Upload("where-to-cut.png", _screenshot()),
            ],
            limits,
        )
        attachments.attach(db, reply, files, limits)
        return f"/t/{opened.reference}/{opened.token}"


def _screenshot() -> bytes:
    image = Image.new("RGB", (1170, 2532), (245, 245, 245))
    image.paste((11, 110, 99), (0, 0, 1170, 240))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", list(SIZES))
def test_ticket_pages_with_thumbnails_are_axe_clean(
    browser, attach_app: Flask, size: str, scheme: str
) -> None:
    path = _seed(attach_app)
    reference = path.split("/")[2]
    width, height = SIZES[size]
    context = browser.new_context(
        viewport={"width": width, "height": height},
        color_scheme=scheme,
        bypass_csp=True,
    )
    context.set_default_timeout(10_000)
    try:
        for url in serve(attach_app):
            page = context.new_page()
            for name, target in (
                ("customer-ticket", path),
                ("customer-contact", "/en/contact"),
            ):
                page.goto(url + target)
                _check(page, f"{name}-{width}-{scheme}")
            expect(page.locator("img.attachment-thumb")).to_have_count(0)
            page.goto(url + path)
            expect(page.locator("img.attachment-thumb")).to_have_count(3)
            browser_sign_in(page, url, AGENT)
            page.goto(f"{url}/agent/tickets/{reference}")
            expect(page.locator("img.attachment-thumb")).to_have_count(3)
            _check(page, f"agent-ticket-{width}-{scheme}")
    finally:
        context.close()


def _check(page: Page, name: str) -> None:
    page.wait_for_load_state("load")
    shot(page, name)
    found = violations(page)
    assert not found, f"{name}:\n{describe(found)}"
    wide = page.evaluate(
        "() => document.documentElement.scrollWidth - window.innerWidth"
    )
    culprits = page.evaluate(
        """() => {
            const clipped = (e) => {
                for (let p = e.parentElement; p; p = p.parentElement) {
                    if (getComputedStyle(p).overflowX !== 'visible') return true;
                }
                return false;
            };
            return [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > window.innerWidth
                             && !clipped(e))
                .slice(0, 5).map(e => e.tagName + '.' + e.className);
        }"""
    )
    assert wide <= 0, f"{name}: the page scrolls {wide}px sideways: {culprits}"


def test_a_file_over_the_limit_is_named_before_sending(
    browser, attach_url: str
) -> None:
    context = browser.new_context()
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{attach_url}/en/contact")
    _fill(page)
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    big = b"\xff\xd8\xff" + b"\0" * (11 * 1024 * 1024)
    field = page.get_by_label(FIELD)
    field.set_input_files(
        [{"name": "video.jpg", "mimeType": "image/jpeg", "buffer": big}]
    )
    page.get_by_role("button", name="Send privately").click()
    expect(page.locator("#attachments-error")).to_have_text(
        "“video.jpg” is larger than 10 MB."
    )
    expect(field).to_be_focused()
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Message")).to_have_value(
        "The box was crushed.\nOrder 8812."
    )
    assert [u for u in posts if u.endswith("/en/contact")] == []
    context.close()

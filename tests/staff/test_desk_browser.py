"""Issue 22 in a real browser: the agent's and the customer's ticket pages at 375
and 1280 px, light and dark, axe-core clean; the status control on the first
screen at 1280×900; "someone else is replying" between two agents' browsers.

Set ``JAWAB_SHOTS=<folder>`` to save a screenshot of every page state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from axe import describe, violations
from flask import Flask
from helpers import add_staff, browser_sign_in, serve, shot
from playwright.sync_api import Page, expect
from sqlalchemy import select, update

from kb.services import agent_tickets, tickets
from kb.storage.db import standalone_session
from kb.storage.models import Ticket, User

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

ANA = "ana@tokorona.example"
BUDI = "budi@tokorona.example"
LEAD = "lead@tokorona.example"
SIZES = {"phone": (375, 800), "desktop": (1280, 900)}
REPLY = (
    "Halo Siti, dananya sudah kami kirim ulang.\n\n"
    "Ikuti [Refund lewat transfer](http://localhost/id/articles/reset-password) "
    "bila belum masuk dalam 1×24 jam:\n\n- cek mutasi rekening\n- balas tiket ini"
)


def _seed(app: Flask) -> dict[str, str]:
    """A customer with two tickets; the second answered, noted, solved, rated."""
    add_staff(app, ANA, "agent", name="Ana Wijaya")
    add_staff(app, BUDI, "agent", name="Budi")
    add_staff(app, LEAD, "editor", name="Lead")
    made: dict[str, str] = {}
    with app.app_context(), standalone_session() as db:
        ana = db.scalars(select(User).where(User.email == ANA)).one()
        for subject in ("Refund pesanan pertama", "Refund belum masuk"):
            opened = tickets.open_ticket(
                db,
                tickets.TicketInput(
                    name="Siti Aminah",
                    email="siti@mail.example",
                    subject=subject,
                    message="Saya sudah transfer dua minggu lalu.\nBelum ada refund.",
                    lang="id",
                    category="payments",
                    platform="instagram",
                ),
                lambda r, t: f"http://x/t/{r}/{t}",
            )
            made["ref"], made["token"] = opened.reference, opened.token
        ticket = agent_tickets.get(db, made["ref"])
        assert ticket is not None
        agent_tickets.add_message(
            db,
            ticket,
            ana.id,
            REPLY,
            internal=False,
            status="resolved",
            site_root="http://localhost/id",
            link_for=lambda r, t: f"http://x/t/{r}/{t}",
        )
        agent_tickets.add_message(
            db,
            ticket,
            ana.id,
            "Sudah cek ke bank, aman.",
            internal=True,
            status=None,
            site_root="http://localhost/id",
        )
        tickets.rate(db, ticket, "good", "Cepat, terima kasih!", 7)
        db.execute(
            update(Ticket)
            .where(Ticket.reference == made["ref"])
            .values(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=3))
        )
        db.commit()
    return made


@pytest.fixture()
def desk_app(make_app, database_url: str) -> Flask:
    """The app over a migrated SQLite database, without rate limits."""
    return make_app(DATABASE_URL=database_url, RATELIMIT_ENABLED=False)


@pytest.fixture()
def seeded(desk_app: Flask) -> dict[str, str]:
    """What :func:`_seed` made: the rated ticket's reference and token."""
    return _seed(desk_app)


@pytest.fixture()
def desk_url(desk_app: Flask, seeded) -> Iterator[str]:
    """Serve the seeded app on a free loopback port."""
    yield from serve(desk_app)


def _check(page: Page, name: str) -> None:
    found = violations(page)
    assert not found, f"{name}:\n{describe(found)}"
    wide = page.evaluate("() => document.documentElement.scrollWidth - innerWidth")
    assert wide <= 0, f"{name}: the page scrolls {wide}px sideways"
    shot(page, name)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", list(SIZES))
def test_ticket_pages_are_axe_clean_and_fit(
    browser, desk_url: str, seeded, size: str, scheme: str
) -> None:
    width, height = SIZES[size]
    context = browser.new_context(
        viewport={"width": width, "height": height},
        color_scheme=scheme,
        bypass_csp=True,
    )
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        page.goto(f"{desk_url}/t/{seeded['ref']}/{seeded['token']}")
        expect(page.get_by_text("Ana Wijaya · Tim bantuan")).to_be_visible()
        _check(page, f"h22-customer-{width}-{scheme}")
        browser_sign_in(page, desk_url, ANA)
        page.goto(f"{desk_url}/agent/tickets/{seeded['ref']}")
        expect(page.get_by_text("Sudah cek ke bank, aman.")).to_be_visible()
        _check(page, f"h22-agent-{width}-{scheme}")
        page.context.clear_cookies()
        browser_sign_in(page, desk_url, LEAD)
        page.goto(f"{desk_url}/admin/reports/tickets")
        expect(page.get_by_role("heading", name="Tickets per day")).to_be_visible()
        _check(page, f"h22-report-{width}-{scheme}")
    finally:
        context.close()


def test_the_status_control_is_on_the_first_screen(
    browser, desk_url: str, seeded
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        browser_sign_in(page, desk_url, ANA)
        page.goto(f"{desk_url}/agent/tickets/{seeded['ref']}")
        status = page.locator("#status")
        box = status.bounding_box()
        assert box is not None and box["y"] + box["height"] <= 900, box
        # The reply box comes after the last message, never over it.
        last = page.locator(".conversation > li").last.bounding_box()
        reply = page.locator("#reply").bounding_box()
        assert last and reply and last["y"] + last["height"] + 8 <= reply["y"], (
            last,
            reply,
        )
    finally:
        context.close()


def test_a_colleague_typing_is_named_while_i_type(
    browser, desk_url: str, seeded
) -> None:
    url = f"{desk_url}/agent/tickets/{seeded['ref']}"
    budi_context = browser.new_context(viewport={"width": 1280, "height": 900})
    ana_context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        budi = budi_context.new_page()
        browser_sign_in(budi, desk_url, BUDI)
        budi.goto(url)
        with budi.expect_response(lambda r: r.url.endswith("/presence")):
            budi.locator("#body").fill("Halo Siti,")
            budi.locator("#body").press("End")
        ana = ana_context.new_page()
        browser_sign_in(ana, desk_url, ANA)
        ana.goto(url)
        # Shown when the page loads, without waiting for the poll.
        notice = ana.locator("#replying")
        expect(notice).to_have_text("Budi is also writing a reply to this ticket.")
    finally:
        budi_context.close()
        ana_context.close()


def test_rating_from_the_mail_link(browser, desk_url: str, seeded) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 800})
    try:
        page = context.new_page()
        # The solved mail's "Bad" link: the form comes preselected, not sent.
        page.goto(f"{desk_url}/t/{seeded['ref']}/{seeded['token']}?rating=bad#rating")
        expect(page.get_by_label("Buruk")).to_be_checked()
        page.get_by_label("Ada yang ingin ditambahkan? (opsional)").fill("Lama sekali")
        page.get_by_role("button", name="Ubah penilaian").click()
        expect(page.get_by_text("Terima kasih atas penilaian Anda.")).to_be_visible()
        rated = page.get_by_text("Penilaian Anda untuk jawaban kami: Buruk.")
        expect(rated).to_be_visible()
        shot(page, "h22-customer-rated-375")
    finally:
        context.close()

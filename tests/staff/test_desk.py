"""Issue 22: who wrote what, the customer's other tickets, merging, a colleague
replying, satisfaction, times in the site's zone — over SQLite and PostgreSQL."""

from __future__ import annotations

import html

import pytest
from flask import Flask
from helpers import add_staff, csrf, signed_in
from sqlalchemy import select, update

from kb.services import tickets
from kb.storage.db import standalone_session
from kb.storage.models import Message, Ticket

ANA = "ana@tokorona.example"
BUDI = "budi@tokorona.example"


def _open(app: Flask, subject: str, message: str, **fields) -> tickets.Opened:
    data = tickets.TicketInput(
        name=fields.pop("name", "Siti Aminah"),
        email=fields.pop("email", "siti@mail.example"),
        subject=subject,
        message=message,
        lang=fields.pop("lang", "en"),
        category=fields.pop("category", ""),
        platform=fields.pop("platform", None),
    )
    with app.app_context(), standalone_session() as db:
        opened = tickets.open_ticket(db, data, lambda r, t: f"http://x/t/{r}/{t}")
        if fields:
            db.execute(
                update(Ticket)
                .where(Ticket.reference == opened.reference)
                .values(**fields)
            )
            db.commit()
    return opened


def _post(client, url: str, form_url: str, **data: str):
    return client.post(url, data={"csrf_token": csrf(client, form_url), **data})


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture()
def desk(ticket_app: Flask) -> Flask:
    """Two agents, Ana and Budi."""
    add_staff(ticket_app, ANA, "agent", name="Ana")
    add_staff(ticket_app, BUDI, "agent", name="Budi")
    return ticket_app


# -- 1. authorship -----------------------------------------------------------------


def test_every_reply_and_note_names_its_author(desk: Flask) -> None:
    opened = _open(desk, "Refund", "where is my refund")
    url = f"/agent/tickets/{opened.reference}"
    ana, budi = signed_in(desk, ANA), signed_in(desk, BUDI)
    _post(ana, url + "/reply", url, kind="reply", body="It is on its way.")
    _post(budi, url + "/reply", url, kind="note", body="Budi: checked the bank.")
    with desk.app_context(), standalone_session() as db:
        # A reply written before authors were recorded: it stays "the team".
        ticket = db.scalars(select(Ticket)).one()
        db.add(Message(ticket_id=ticket.id, author="agent", body="Old team reply"))
        db.commit()
    page = _text(ana.get(url))
    assert "<strong>Ana</strong>" in page and "<strong>Budi</strong>" in page
    assert "<strong>Support team</strong>" in page  # the old reply
    customer = desk.test_client()
    shown = _text(customer.get(f"/t/{opened.reference}/{opened.token}"))
    assert "Ana · Support team" in shown
    assert "Budi" not in shown  # a note is never shown, nor its author
    desk.config["PUBLIC_AGENT_NAMES"] = False
    shown = _text(customer.get(f"/t/{opened.reference}/{opened.token}"))
    assert "Ana ·" not in shown and "Support team" in shown


def test_history_names_customers_and_staff(desk: Flask) -> None:
    opened = _open(desk, "Late parcel", "still not here")
    url = f"/agent/tickets/{opened.reference}"
    ana = signed_in(desk, ANA)
    _post(ana, url + "/reply", url, kind="reply", body="It left the warehouse.")
    customer = desk.test_client()
    link = f"/t/{opened.reference}/{opened.token}"
    _post(customer, link + "/close", link)
    _post(customer, link + "/reopen", link)
    page = _text(ana.get(url))
    assert "Ana changed status from new to waiting" in page
    assert "Siti Aminah (customer) changed status from waiting to closed" in page
    assert "Siti Aminah (customer) changed status from closed to open" in page

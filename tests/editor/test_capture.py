""" "Draft an article from this reply": the customer's data goes, the article's
substance (amounts, hours, dates, links) stays — one detector decides."""

from __future__ import annotations

import html

from helpers import csrf, open_ticket

REPLY = (
    "Hi Budi, refunds up to Rp 1.500.000 reach your bank in 3-7 working days. "
    "Our team answers 08.00-17.00 WIB; the new rule applies from 2026-12-07. "
    "Details: http://localhost:5301/en/articles/refund-times?s=bank-transfer "
    "or call us back on +62 812 3456 7890 / mail budi.santoso@mail.example "
    "about order INV/20261207/XYZ/123456."
)


def test_the_draft_keeps_the_substance_and_drops_the_customer(auth) -> None:
    reference = open_ticket(auth.app.test_client()).reference
    agent = auth.login("agent")
    agent.post(
        f"/agent/tickets/{reference}/reply",
        data={
            "csrf_token": csrf(agent, f"/agent/tickets/{reference}"),
            "body": REPLY,
            "status": "",
        },
    )
    page = agent.get(f"/editor/new?from_ticket={reference}").get_data(as_text=True)
    body = html.unescape(page.split('name="body"')[1].split("</textarea>")[0])
    for kept in (
        "Rp 1.500.000",
        "3-7 working days",
        "08.00-17.00 WIB",
        "2026-12-07",
        "http://localhost:5301/en/articles/refund-times?s=bank-transfer",
    ):
        assert kept in body, kept
    for gone in ("Budi", "3456", "budi.santoso@", "123456", "20261207"):
        assert gone not in body, gone
    assert "[phone]" in body and "[email]" in body and "[order]" in body

"""Issue 22: who wrote what, the customer's other tickets, merging, a colleague
replying, satisfaction, times in the site's zone — over SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
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


# -- 2. the customer's other tickets, 3. merge ---------------------------------------


def test_other_tickets_of_the_customer_are_listed_for_staff_only(desk: Flask) -> None:
    first = _open(desk, "Refund for order 1", "money please")
    second = _open(desk, "Refund again", "still waiting", email="SITI@mail.example")
    _open(desk, "Someone else", "hello", email="other@mail.example", name="Other")
    ana = signed_in(desk, ANA)
    page = _text(ana.get(f"/agent/tickets/{second.reference}"))
    side = page.split('id="other-tickets"')[1].split("</ul>")[0]
    assert first.reference in side and "Refund for order 1" in side
    assert "Someone else" not in side
    customer = _text(desk.test_client().get(f"/t/{second.reference}/{second.token}"))
    assert first.reference not in customer


def test_merge_moves_the_conversation_and_old_links_still_open(desk: Flask) -> None:
    old = _open(desk, "Broken blender", "It arrived broken.")
    new = _open(desk, "Blender again", "Any news about the blender?")
    ana = signed_in(desk, ANA)
    old_url = f"/agent/tickets/{old.reference}"
    _post(ana, old_url + "/reply", old_url, kind="note", body="Photo requested.")
    confirm = ana.get(old_url + "/merge", query_string={"into": new.reference})
    assert confirm.status_code == 200
    assert "will be merged into" in _text(confirm)
    response = ana.post(
        old_url + "/merge",
        data={"csrf_token": csrf(ana, old_url), "into": new.reference.lower()},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/agent/tickets/{new.reference}")
    page = _text(ana.get(f"/agent/tickets/{new.reference}"))
    for text in ("It arrived broken.", "Photo requested.", "Any news about"):
        assert text in page
    assert f"Ana merged {old.reference} into this ticket" in page
    # The old reference opens the merged ticket for staff...
    moved = ana.get(old_url)
    assert moved.status_code == 302 and new.reference in moved.headers["Location"]
    # ...and the customer's old secret link shows the whole conversation.
    customer = desk.test_client()
    link = f"/t/{old.reference}/{old.token}"
    shown = _text(customer.get(link))
    assert "It arrived broken." in shown and "Any news about" in shown
    assert "Photo requested." not in shown
    assert (
        customer.post(
            link, data={"csrf_token": csrf(customer, link), "message": "Thanks!"}
        ).status_code
        == 302
    )
    with desk.app_context(), standalone_session() as db:
        merged = db.scalars(select(Ticket).where(Ticket.reference == new.reference))
        assert merged.one().messages[-1].body == "Thanks!"
        source = db.scalars(select(Ticket).where(Ticket.reference == old.reference))
        assert source.one().status == "closed"


def test_merge_refusals_are_explained(desk: Flask) -> None:
    one = _open(desk, "One", "first")
    other = _open(desk, "Other person", "x", email="x@mail.example", name="Xena")
    ana = signed_in(desk, ANA)
    url = f"/agent/tickets/{one.reference}"
    itself = ana.get(url + "/merge", query_string={"into": one.reference})
    assert itself.status_code == 400 and "cannot be merged into itself" in _text(itself)
    unknown = ana.get(url + "/merge", query_string={"into": "JWB-ZZZZZ"})
    assert unknown.status_code == 400 and "no ticket with that reference" in _text(
        unknown
    )
    # Another customer's ticket: allowed after a warning, and the old link then
    # says where the ticket went without showing the other conversation.
    warned = _text(ana.get(url + "/merge", query_string={"into": other.reference}))
    assert "different email addresses" in warned
    _post(ana, url + "/merge", url, into=other.reference)
    shown = _text(desk.test_client().get(f"/t/{one.reference}/{one.token}"))
    assert "was merged" in shown and other.reference in shown
    assert "Other person" not in shown and "first" not in shown.split("<main")[-1]


# -- 4. someone else is replying ----------------------------------------------------


def test_a_colleague_with_a_draft_is_named(desk: Flask) -> None:
    opened = _open(desk, "Voucher", "my voucher fails")
    url = f"/agent/tickets/{opened.reference}"
    ana, budi = signed_in(desk, ANA), signed_in(desk, BUDI)
    # Without JavaScript: Budi's draft round trip (inserting a link) counts.
    _post(budi, url + "/draft", url, kind="reply", body="Dear Siti,", insert="[x](y)")
    page = _text(ana.get(url))
    assert "Budi is also writing a reply to this ticket." in page
    # With JavaScript: the poll says who else is replying.
    polled = ana.post(
        url + "/presence", data={"csrf_token": csrf(ana, url), "active": "1"}
    )
    assert polled.get_json()["replying"] == ["Budi"]
    # Budi sends: the notice goes away.
    _post(budi, url + "/reply", url, kind="reply", body="Here is a new voucher.")
    assert "is also writing" not in _text(ana.get(url))
    assert "Ana is also writing" in _text(budi.get(url))


# -- 5. satisfaction ----------------------------------------------------------------


def _solve(app: Flask, opened: tickets.Opened) -> None:
    ana = signed_in(app, ANA)
    url = f"/agent/tickets/{opened.reference}"
    _post(ana, url + "/update", url, status="resolved", priority="normal", assignee="")


def test_a_solved_ticket_is_rated_once_and_can_be_changed(desk: Flask) -> None:
    opened = _open(desk, "Voucher", "it fails")
    link = f"/t/{opened.reference}/{opened.token}"
    customer = desk.test_client()
    assert 'id="rating"' not in _text(customer.get(link))  # not solved yet
    _solve(desk, opened)
    with desk.app_context(), standalone_session() as db:
        from kb.storage.models import OutboxMail

        solved = db.scalars(
            select(OutboxMail).where(OutboxMail.subject.contains("How did we do"))
        ).one()
        assert "#rating" in solved.body and solved.html_body
    assert 'id="rating"' in _text(customer.get(link))
    missing = customer.post(link + "/rate", data={"csrf_token": csrf(customer, link)})
    assert missing.status_code == 400
    assert "Choose good, okay or bad." in _text(missing)
    _post(customer, link + "/rate", link, rating="okay", comment="Slow but fine")
    page = _text(customer.get(link))
    assert "You rated our answer: Okay." in page and "Slow but fine" in page
    _post(customer, link + "/rate", link, rating="good", comment="")
    with desk.app_context(), standalone_session() as db:
        ticket = db.scalars(select(Ticket)).one()
        assert (ticket.rating, ticket.rating_comment) == ("good", None)
    agent_page = _text(signed_in(desk, BUDI).get(f"/agent/tickets/{opened.reference}"))
    assert "Siti Aminah (customer) rated the answer: Okay" in agent_page
    assert "Siti Aminah (customer) rated the answer: Good" in agent_page
    # After KB_RATING_DAYS the rating stays but can no longer change.
    with desk.app_context(), standalone_session() as db:
        old = tickets.utcnow() - dt.timedelta(days=8)
        db.execute(update(Ticket).values(rated_at=old, resolved_at=old))
        db.commit()
    late = _post(customer, link + "/rate", link, rating="bad")
    print(_text(late).split("<main")[1][:3000])
    assert late.status_code == 400 and "can no longer be rated" in _text(late)
    assert "You rated our answer: Good." in _text(customer.get(link))


def test_a_bad_rating_value_is_refused_at_the_field(desk: Flask) -> None:
    opened = _open(desk, "Voucher", "it fails")
    _solve(desk, opened)
    customer = desk.test_client()
    link = f"/t/{opened.reference}/{opened.token}"
    response = _post(customer, link + "/rate", link, rating="excellent")
    assert response.status_code == 400 and "Not a valid choice" in _text(response)
    too_long = _post(customer, link + "/rate", link, rating="good", comment="x" * 1001)
    assert too_long.status_code == 400 and "at most 1,000" in _text(too_long)


# -- 6. time -----------------------------------------------------------------------


def test_times_are_in_the_site_zone_in_one_format_per_language(desk: Flask) -> None:
    opened = _open(desk, "Refund", "where is it", lang="id")
    with desk.app_context(), standalone_session() as db:
        # 23:30 UTC is 06:30 the next morning in Jakarta.
        moment = dt.datetime(2026, 3, 9, 23, 30, tzinfo=dt.UTC)
        db.execute(update(Ticket).values(created_at=moment))
        db.execute(update(Message).values(created_at=moment))
        db.commit()
    customer = _text(desk.test_client().get(f"/t/{opened.reference}/{opened.token}"))
    assert "10 Mar 2026 06.30 WIB" in customer
    assert 'datetime="2026-03-09T23:30:00+00:00"' in customer  # UTC underneath
    url = f"/agent/tickets/{opened.reference}"
    ana = signed_in(desk, ANA)
    _post(ana, url + "/update", url, status="open", priority="high", assignee="")
    page = _text(ana.get(url))
    assert "Mar 10, 2026, 6:30\u202fAM GMT+7" in page  # CLDR: a narrow space
    # The history's times are written the same way as the messages'.
    history = page.split('id="history"')[1]
    assert "GMT+7</time>" in history and "UTC" not in history
    desk.config["TIME_ZONE"] = "UTC"
    assert "Mar 9, 2026, 11:30\u202fPM UTC" in _text(ana.get(url))


def test_priority_normal_is_translated_in_indonesian(desk: Flask) -> None:
    opened = _open(desk, "Refund", "where is it")
    ana = signed_in(desk, ANA, lang="id")
    queue = _text(ana.get("/agent/"))
    assert 'pill--priority-normal">Biasa<' in queue
    page = _text(ana.get(f"/agent/tickets/{opened.reference}"))
    assert 'pill--priority-normal">Biasa<' in page


# -- 7. ticket reports -----------------------------------------------------------------


def test_support_seconds_count_only_support_hours() -> None:
    from kb.support_hours import parse_hours, support_seconds

    hours = parse_hours("mon-fri 08:00-17:00 Asia/Jakarta")
    # Friday 16:00 WIB to Monday 09:00 WIB: one hour on Friday, one on Monday.
    friday = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)
    monday = dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC)
    assert support_seconds(friday, monday, hours) == 2 * 3600
    assert support_seconds(friday, monday, None) == (monday - friday).total_seconds()
    assert support_seconds(monday, friday, hours) == 0


def _csv(client, url: str) -> list[list[str]]:
    import csv
    import io

    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_ticket_report_counts_volume_backlog_times_and_ratings(desk: Flask) -> None:
    add_staff(desk, "lead@tokorona.example", "editor", name="Lead")
    # Day 1 (Tue 1 Dec 2026, WIB): two tickets; day 2: one more.
    day1 = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)  # 09:00 WIB
    day2 = dt.datetime(2026, 12, 2, 2, 0, tzinfo=dt.UTC)
    made = [
        _open(desk, "A", "a", category="payments", platform="instagram"),
        _open(desk, "B", "b", category="payments", email="b@mail.example"),
        _open(desk, "C", "c", category="shipping", email="c@mail.example"),
        _open(desk, "Dup", "d", category="payments"),  # merged: not counted
    ]
    with desk.app_context(), standalone_session() as db:
        from kb.storage.models import User

        ana = db.scalars(select(User).where(User.email == ANA)).one().id
        h = dt.timedelta(hours=1)
        values = [
            # created, first response, solved, rating
            (day1, day1 + 2 * h, day1 + 4 * h, "good"),
            (day1, day1 + 6 * h, None, None),
            (day2, None, None, None),
            (day1, None, None, None),
        ]
        for opened, (created, first, solved, rating) in zip(made, values, strict=True):
            db.execute(
                update(Ticket)
                .where(Ticket.reference == opened.reference)
                .values(
                    created_at=created,
                    first_response_at=first,
                    resolved_at=solved,
                    status="resolved" if solved else "open",
                    rating=rating,
                    rated_at=solved,
                    assignee_id=ana,
                )
            )
        dup = db.scalars(select(Ticket).where(Ticket.reference == made[3].reference))
        keep = db.scalars(select(Ticket).where(Ticket.reference == made[0].reference))
        dup.one().merged_into_id = keep.one().id
        db.commit()
    lead = signed_in(desk, "lead@tokorona.example")
    url = "/admin/reports/tickets?start=2026-12-01&end=2026-12-03"
    page = _text(lead.get(url))
    assert "Tickets per day" in page and "By topic" in page
    rows = _csv(lead, url + "&format=csv")
    header, *data = rows
    assert header[:5] == ["group", "key", "new", "solved", "open_backlog"]
    days = {r[1]: r[2:5] for r in data if r[0] == "day"}
    assert days == {
        "2026-12-01": ["2", "1", "1"],
        "2026-12-02": ["1", "0", "2"],
        "2026-12-03": ["0", "0", "2"],
    }
    (total,) = [r for r in data if r[0] == "all"]
    assert total[2:4] == ["3", "1"]
    assert float(total[5]) == 4.0 and float(total[7]) == 4.0  # medians, hours
    assert float(total[6]) == pytest.approx(5.6)  # p90 of 2 h and 6 h
    assert total[9:] == ["1", "0", "0"]
    topics = {r[1]: r[2] for r in data if r[0] == "topic"}
    assert topics == {"payments": "2", "shipping": "1"}
    agents = {r[1]: r[2] for r in data if r[0] == "agent"}
    assert agents == {"Ana": "3"}
    # The JSON API has the same columns; agents see neither.
    api = lead.get("/api/v1/reports/tickets?start=2026-12-01&end=2026-12-03")
    assert api.status_code == 200 and api.get_json()["columns"] == header
    assert signed_in(desk, ANA).get(url).status_code == 403


def test_a_reopened_ticket_is_in_the_backlog_while_it_is_open_again(
    desk: Flask,
) -> None:
    """Solved day 2, reopened day 4, solved day 6: open at the end of 1, 4, 5."""
    from kb.services import agent_tickets
    from kb.storage.models import TicketEvent, User

    add_staff(desk, "lead@tokorona.example", "editor", name="Lead")
    twice = _open(desk, "Solved twice", "a")
    still = _open(desk, "Reopened, still open", "b", email="b@mail.example")

    def day(n: int, hour: int = 9) -> dt.datetime:  # hour in WIB (UTC+7)
        return dt.datetime(2026, 12, n, hour - 7, 0, tzinfo=dt.UTC)

    with desk.app_context(), standalone_session() as db:
        ana = db.scalars(select(User.id).where(User.email == ANA)).one()

        def ticket(opened: tickets.Opened) -> Ticket:
            return db.scalars(
                select(Ticket).where(Ticket.reference == opened.reference)
            ).one()

        def agent_sets(opened: tickets.Opened, status: str) -> None:
            changes = agent_tickets.Changes(status, "normal", ana)
            agent_tickets.update(db, ticket(opened), ana, changes)

        # The history as the app writes it: the agent solves, the customer
        # reopens, the agent solves again (and the second ticket stays open).
        agent_sets(twice, "resolved")
        tickets.reopen(db, ticket(twice))
        agent_sets(twice, "resolved")
        agent_sets(still, "resolved")
        tickets.reopen(db, ticket(still))
        # ... then put on the days of the story.
        for opened, created, changed_on in (
            (twice, day(1), [day(2), day(4), day(6)]),
            (still, day(3), [day(3, 15), day(5)]),
        ):
            row = ticket(opened)
            events = db.scalars(
                select(TicketEvent)
                .where(TicketEvent.ticket_id == row.id, TicketEvent.field == "status")
                .order_by(TicketEvent.id)
            ).all()
            assert len(events) == len(changed_on)
            for event, when in zip(events, changed_on, strict=True):
                event.created_at = when
            row.created_at = created
            row.resolved_at = changed_on[-1] if row.status == "resolved" else None
        db.commit()
        assert [e.new_value for e in events] == ["resolved", "open"]
    lead = signed_in(desk, "lead@tokorona.example")
    rows = _csv(
        lead, "/admin/reports/tickets?start=2026-12-01&end=2026-12-07&format=csv"
    )
    days = {r[1]: r[2:5] for r in rows[1:] if r[0] == "day"}
    # new, solved (a ticket counts as solved once: on its last solving), backlog:
    # the first ticket is in it at the end of days 1, 4 and 5 only, the second
    # at the end of days 5, 6 and 7.
    assert days == {
        "2026-12-01": ["1", "0", "1"],
        "2026-12-02": ["0", "0", "0"],
        "2026-12-03": ["1", "0", "0"],
        "2026-12-04": ["0", "0", "1"],
        "2026-12-05": ["0", "0", "2"],
        "2026-12-06": ["0", "1", "1"],
        "2026-12-07": ["0", "0", "1"],
    }


# -- 8. the reply mail's secret link ------------------------------------------------


def test_a_mailed_link_opens_the_ticket_until_a_new_link_is_opened(
    desk: Flask,
) -> None:
    opened = _open(desk, "Refund", "where is it")
    links: list[str] = []
    with desk.app_context(), standalone_session() as db:
        ticket = db.scalars(select(Ticket)).one()
        mailed = tickets.mailed_link(db, ticket, lambda r, t: f"/t/{r}/{t}")
        db.commit()
        assert mailed != f"/t/{opened.reference}/{opened.token}"
        tickets.request_new_link(db, opened.reference, "siti@mail.example", "")
        tickets.process_link_requests(
            db, lambda _base, r, t: links.append(f"/t/{r}/{t}") or ""
        )
    client = desk.test_client()
    assert client.get(mailed).status_code == 200
    assert client.get(f"/t/{opened.reference}/{opened.token}").status_code == 200
    (fresh,) = links
    assert client.get(fresh).status_code == 200  # the new link replaces the others
    assert client.get(mailed).status_code == 404
    assert client.get(f"/t/{opened.reference}/{opened.token}").status_code == 404
    assert client.get(fresh).status_code == 200


def test_presence_and_merge_need_their_csrf_token(desk: Flask) -> None:
    opened = _open(desk, "Refund", "where is it")
    other = _open(desk, "Refund 2", "again")
    ana = signed_in(desk, ANA)
    url = f"/agent/tickets/{opened.reference}"
    assert ana.post(url + "/presence", data={"active": "1"}).status_code == 400
    assert ana.post(url + "/merge", data={"into": other.reference}).status_code == 400
    _post(ana, url + "/merge", url, into=other.reference)
    # Merged once: merging the same ticket again is refused with the reason.
    third = _open(desk, "Refund 3", "and again")
    again = _post(
        ana, url + "/merge", f"/agent/tickets/{other.reference}", into=third.reference
    )
    assert again.status_code == 400
    assert "already merged into another one" in _text(again)

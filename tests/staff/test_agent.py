"""The agents' workspace: queue, ticket page, replies, notes, changes, links."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from flask import Flask
from helpers import add_staff, csrf, queue_refs, signed_in, user_id
from sqlalchemy import select, update

from kb.config import ConfigError, _targets
from kb.services import tickets
from kb.storage.db import standalone_session
from kb.storage.models import LinkedArticle, OutboxMail, Ticket

ANA = "ana@tokorona.example"


def _open(app: Flask, subject: str, message: str, **fields) -> tickets.Opened:
    data = tickets.TicketInput(
        name=fields.pop("name", "Siti Aminah"),
        email=fields.pop("email", "siti@mail.example"),
        subject=subject,
        message=message,
        lang="en",
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


@pytest.fixture()
def desk(ticket_app: Flask) -> Flask:
    """Two agents, Ana and Budi."""
    add_staff(ticket_app, ANA, "agent", name="Ana")
    add_staff(ticket_app, "budi@tokorona.example", "agent", name="Budi")
    return ticket_app


def test_first_response_targets_are_parsed_with_clear_errors() -> None:
    parsed = _targets(
        "KB_FIRST_RESPONSE_TARGETS", "urgent=30m,high=4h,normal=1d,low=3d"
    )
    assert parsed == {"urgent": 1800, "high": 14400, "normal": 86400, "low": 259200}
    for bad in ("urgent=1h", "urgent=soon,high=4h,normal=1d,low=3d", "x=1h"):
        with pytest.raises(ConfigError, match="KB_FIRST_RESPONSE_TARGETS"):
            _targets("KB_FIRST_RESPONSE_TARGETS", bad)


def test_queue_filters_search_sort_and_overdue_mark(desk: Flask) -> None:
    ana = user_id(desk, "ana@tokorona.example")
    now = dt.datetime.now(dt.UTC)
    late = _open(
        desk,
        "Cannot sign in",
        "help",
        priority="urgent",
        created_at=now - dt.timedelta(hours=2),
    )
    cheap = _open(
        desk,
        "Refund 50% please",
        "half",
        priority="low",
        email="joko@mail.example",
        created_at=now - dt.timedelta(minutes=5),
    )
    mine = _open(
        desk,
        "Payment question",
        "my paylater code fails",
        category="payments",
        platform="instagram",
        assignee_id=ana,
        created_at=now - dt.timedelta(minutes=30),
    )
    client = signed_in(desk, ANA)

    def refs(query: str) -> list[str]:
        return queue_refs(client.get(f"/agent/?{query}").get_data(as_text=True))

    assert refs("") == [late.reference, mine.reference, cheap.reference]
    assert refs("sort=newest") == [cheap.reference, mine.reference, late.reference]
    assert refs("sort=priority") == [late.reference, mine.reference, cheap.reference]
    assert refs("q=PAYLATER") == [mine.reference]  # message text, any case
    assert refs("q=joko%40mail") == [cheap.reference]
    assert refs(f"q={late.reference.lower()}") == [late.reference]
    assert refs("q=%25") == [cheap.reference]  # a literal %, not a wildcard
    assert refs("q=_") == []
    assert refs("assignee=mine") == [mine.reference]
    assert refs("assignee=unassigned") == [late.reference, cheap.reference]
    assert refs("priority=urgent") == [late.reference]
    assert refs("category=payments&platform=instagram") == [mine.reference]
    page = client.get("/agent/").get_data(as_text=True)
    assert page.count("Overdue: no first response yet") == 1
    overdue_row = re.search(r'<tr class="is-overdue">.*?</tr>', page, re.S).group(0)
    assert late.reference in overdue_row and "2 hours" in overdue_row


def test_reply_reaches_the_customer_by_page_and_mail(desk: Flask) -> None:
    opened = _open(desk, "Forgot password", "I cannot log in")
    client = signed_in(desk, ANA)
    url = f"/agent/tickets/{opened.reference}"
    link = "http://localhost/en/articles/reset-password#if-you-forgot-your-password"
    body = f"Please follow [Reset your password — If you forgot]({link}) and retry."
    response = client.post(
        url + "/reply",
        data={"csrf_token": csrf(client, url), "kind": "reply", "body": body},
    )
    assert response.status_code == 302
    customer = desk.test_client().get(f"/t/{opened.reference}/{opened.token}")
    assert "Please follow" in customer.get_data(as_text=True)
    with desk.app_context(), standalone_session() as db:
        ticket = db.scalars(select(Ticket)).one()
        assert ticket.status == "waiting" and ticket.first_response_at is not None
        mails = db.scalars(
            select(OutboxMail).where(OutboxMail.to_address == "siti@mail.example")
        ).all()
        reply = [m for m in mails if "New reply" in m.subject]
        assert len(reply) == 1
        assert "Please follow" in reply[0].body
        assert "/en/contact/new-link" in reply[0].body
        linked = db.scalars(select(LinkedArticle)).one()
        assert (linked.article_slug, linked.section) == (
            "reset-password",
            "if-you-forgot-your-password",
        )
        assert linked.context == "ticket" and linked.ticket_id == ticket.id
        assert linked.message_id == ticket.messages[-1].id
        assert linked.user_id == user_id(desk, "ana@tokorona.example")
    agent_page = client.get(url).get_data(as_text=True)
    assert "Ana changed status from new to waiting" in agent_page


def test_internal_note_stays_internal(desk: Flask) -> None:
    opened = _open(desk, "Order late", "where is it")
    client = signed_in(desk, ANA)
    url = f"/agent/tickets/{opened.reference}"
    client.post(
        url + "/reply",
        data={
            "csrf_token": csrf(client, url),
            "kind": "note",
            "body": "Courier says Tuesday",
        },
    )
    customer = desk.test_client().get(f"/t/{opened.reference}/{opened.token}")
    assert "Courier says Tuesday" not in customer.get_data(as_text=True)
    agent_page = client.get(url).get_data(as_text=True)
    assert "Courier says Tuesday" in agent_page and "Internal note" in agent_page
    with desk.app_context(), standalone_session() as db:
        subjects = db.scalars(select(OutboxMail.subject)).all()
        assert len(subjects) == 1 and "received" in subjects[0]  # only the opening
        ticket = db.scalars(select(Ticket)).one()
        assert ticket.first_response_at is None and ticket.status == "new"


def test_changes_are_recorded_in_the_history(desk: Flask) -> None:
    opened = _open(desk, "Account locked", "locked out")
    budi = user_id(desk, "budi@tokorona.example")
    client = signed_in(desk, ANA)
    url = f"/agent/tickets/{opened.reference}"
    response = client.post(
        url + "/update",
        data={
            "csrf_token": csrf(client, url),
            "status": "open",
            "priority": "high",
            "assignee": str(budi),
        },
    )
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Ana changed status from new to open" in page
    assert "Ana changed priority from normal to high" in page
    assert "Ana changed assignee from nobody to Budi" in page


def test_link_picker_without_javascript(desk: Flask) -> None:
    # Issue 10: without JavaScript the picker's choices are buttons of the reply
    # form (a draft round trip), so the typed reply is never lost.
    opened = _open(desk, "Password", "help")
    client = signed_in(desk, ANA)
    url = f"/agent/tickets/{opened.reference}"
    results = client.get(url, query_string={"lq": "password"}).get_data(as_text=True)
    assert "Reset your password" in results
    assert 'name="la" value="reset-password"' in results
    token = csrf(client, url)
    typed = {"csrf_token": token, "kind": "reply", "body": "Hi Siti, see:"}
    sections = client.post(url + "/draft", data={**typed, "la": "reset-password"})
    text = html.unescape(sections.get_data(as_text=True))
    assert "/en/articles/reset-password#if-you-forgot-your-password" in text
    assert "If the code does not arrive" in text and 'name="insert"' in text
    assert "Hi Siti, see:</textarea>" in text
    link = "[Reset your password](http://localhost/en/articles/reset-password)"
    inserted = client.post(url + "/draft", data={**typed, "insert": link})
    body = html.unescape(inserted.get_data(as_text=True))
    assert f"Hi Siti, see: {link}</textarea>" in body
    assert client.post(url + "/draft", data={"body": "x"}).status_code == 400


def test_access_rules_csrf_and_unknown_tickets(desk: Flask) -> None:
    opened = _open(desk, "Hello", "hi")
    url = f"/agent/tickets/{opened.reference}"
    anonymous = desk.test_client()
    response = anonymous.get(url)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/agent/login?next={url}"
    api = anonymous.get(url, headers={"Accept": "application/json"})
    assert api.status_code == 401
    # CSRF is checked first, so a forged POST is refused before anything else.
    assert anonymous.post(url + "/reply", data={"body": "x"}).status_code == 400
    client = signed_in(desk, ANA)
    no_csrf = client.post(url + "/reply", data={"kind": "reply", "body": "sneaky"})
    assert no_csrf.status_code == 400
    no_csrf = client.post(url + "/update", data={"status": "closed"})
    assert no_csrf.status_code == 400
    customer = desk.test_client().get(f"/t/{opened.reference}/{opened.token}")
    assert "sneaky" not in customer.get_data(as_text=True)
    assert client.get("/agent/tickets/JWB-00000").status_code == 404


@pytest.fixture()
def staff_app_for_canned(desk: Flask):
    """Ana signed in, one ticket, one canned response."""
    from kb.services import composer

    opened = _open(desk, "Where is my refund", "Paid last week.", name="Budi Santoso")
    with desk.app_context(), standalone_session() as db:
        composer.save_canned(
            db,
            None,
            "Greeting",
            "en",
            "Hello {customer_name}, about {reference}: {agent_name} here.",
        )
    return desk, signed_in(desk, ANA), opened.reference


def test_canned_response_fills_the_reply_box(staff_app_for_canned) -> None:
    app, client, reference = staff_app_for_canned
    page = client.get(f"/agent/tickets/{reference}").get_data(as_text=True)
    canned_id = re.search(r'<option value="(\d+)"', page).group(1)
    filled = client.get(f"/agent/tickets/{reference}?canned={canned_id}").get_data(
        as_text=True
    )
    assert f"Hello Budi Santoso, about {reference}: Ana here." in filled
    assert "Write a public reply for the thread" in filled


def test_search_results_link_the_composer_for_agents(staff_app_for_canned) -> None:
    app, client, _ = staff_app_for_canned
    page = client.get("/en/search?q=password").get_data(as_text=True)
    assert "/agent/reply?article=reset-password" in page
    outsider = app.test_client().get("/en/search?q=password").get_data(as_text=True)
    assert "/agent/reply" not in outsider


def test_agent_replies_show_links_customers_text_stays_text(desk: Flask) -> None:
    client = signed_in(desk, ANA)
    opened = _open(desk, "Code", "<b>not bold</b> [x](javascript:alert(1))")
    token = csrf(client, f"/agent/tickets/{opened.reference}")
    client.post(
        f"/agent/tickets/{opened.reference}/reply",
        data={
            "csrf_token": token,
            "kind": "reply",
            "next_status": "",
            "body": "See [Reset your password](http://localhost/en/articles/reset-password)"
            " <script>alert(1)</script>",
        },
    )
    customer = desk.test_client().get(f"/t/{opened.reference}/{opened.token}")
    page = customer.get_data(as_text=True)
    assert '<a href="http://localhost/en/articles/reset-password"' in page
    assert "<script>alert(1)</script>" not in page
    assert "&lt;b&gt;not bold&lt;/b&gt;" in page  # the customer's own text is plain
    assert 'href="javascript' not in page


def test_agent_markdown_is_rendered_once_when_saved(desk: Flask, monkeypatch) -> None:
    from kb import markdown

    opened = _open(desk, "Forgot password", "I cannot log in")
    client = signed_in(desk, ANA)
    url = f"/agent/tickets/{opened.reference}"
    body = "Please **retry** with [the guide](https://example.com/guide)."
    response = client.post(
        url + "/reply",
        data={"csrf_token": csrf(client, url), "kind": "reply", "body": body},
    )
    assert response.status_code == 302
    with desk.app_context(), standalone_session() as db:
        ticket = db.scalars(select(Ticket)).one()
        stored = ticket.messages[-1].body_html
    assert (
        "<strong>retry</strong>" in stored
        and 'href="https://example.com/guide"' in stored
    )

    calls: list[str] = []
    real = markdown.render

    def counting(source: str, **options):
        calls.append(source)
        return real(source, **options)

    monkeypatch.setattr(markdown, "render", counting)
    customer = desk.test_client().get(f"/t/{opened.reference}/{opened.token}")
    agent_page = client.get(url)
    assert customer.status_code == agent_page.status_code == 200
    assert stored in customer.get_data(as_text=True)
    assert stored in agent_page.get_data(as_text=True)
    assert calls == []  # the views show the stored HTML; nothing is re-rendered


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[" * 5000, "Line 1: 5000 brackets ([, ( or <) are never closed"),
        (
            "Hi\n\n" + "".join(f"{'    ' * n}- step {n}\n" for n in range(12)),
            "Line 11: lists, quotes or indentation are nested 12 levels deep",
        ),
    ],
    ids=["brackets", "nesting"],
)
def test_agent_markdown_over_the_limits_is_refused_at_the_field(
    desk: Flask, body: str, message: str
) -> None:
    opened = _open(desk, "Forgot password", "I cannot log in")
    client = signed_in(desk, ANA)
    url = f"/agent/tickets/{opened.reference}"
    response = client.post(
        url + "/reply",
        data={"csrf_token": csrf(client, url), "kind": "reply", "body": body},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in html.unescape(page), re.findall(r"Line \d+:[^<]*", page)
    assert body[:50] in page  # what the agent typed is kept in the box
    with desk.app_context(), standalone_session() as db:
        ticket = db.scalars(select(Ticket)).one()
        assert [m.author for m in ticket.messages] == ["customer"]


def test_migration_backfills_html_of_existing_agent_messages(tmp_path) -> None:
    from sqlalchemy import create_engine, text

    from kb.storage import migrate

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    migrate.upgrade(url, "0003")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO tickets (id, reference, token_hash, name, email, subject,"
                " category, lang, status, priority, created_at, updated_at) VALUES (1, "
                "'JWB-AAAAA', 'h', 'n', 'e@x.example', 's', '', 'en', 'open', 'normal',"
                " '2026-01-01', '2026-01-01')"
            )
        )
        for n, (author, body) in enumerate(
            [
                ("customer", "**not markdown**"),
                ("agent", "**bold**"),
                ("agent", "[" * 5000),
            ]
        ):
            conn.execute(
                text(
                    "INSERT INTO messages (id, ticket_id, author, body, internal, "
                    "created_at) VALUES (:id, 1, :author, :body, 0, '2026-01-01')"
                ),
                {"id": n + 1, "author": author, "body": body},
            )
    migrate.upgrade(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT body_html FROM messages ORDER BY id")).all()
    engine.dispose()
    assert rows[0][0] is None  # customers' text is always shown escaped
    assert rows[1][0] == "<p><strong>bold</strong></p>"
    assert rows[2][0] == "<p>" + "[" * 5000 + "</p>"  # too complex: plain text

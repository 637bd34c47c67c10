"""Private tickets through the browser-facing routes, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest
from helpers import CONTACT_FORM, csrf, open_ticket, rows, submit_form, wait_for_mail
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from kb.services import events
from kb.services.mail import mask_email
from kb.services.tickets import hash_token
from kb.storage.models import Case, Deflection, Ticket

FORM = CONTACT_FORM


def submit(client, **changes):
    """Post the contact form with ``changes``."""
    return submit_form(client, "/en/contact", {**FORM, **changes})


def acknowledged(client, **changes) -> tuple[str, str]:
    """Open a ticket; its reference and the path of its secret link."""
    opened = open_ticket(client, **changes)
    return opened.reference, opened.path


def test_handoff_link_prefills_the_form(ticket_app) -> None:
    client = ticket_app.test_client()
    response = client.get(
        "/contact?article=reset-password&thread=https://x.com/a/1&platform=x&case=C-12"
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You are continuing from our answer “Reset your password”." in page
    assert 'value="https://x.com/a/1"' in page
    assert '<option selected value="x">X</option>' in page
    assert 'name="case" type="hidden" value="C-12"' in page


def add_case(app, code: str = "C-12") -> None:
    engine = create_engine(app.config["DATABASE_URL"])
    with Session(engine) as db:
        db.add(Case(code=code, thread_url="https://x.com/a/1", platform="x"))
        db.commit()
    engine.dispose()


def test_a_ticket_is_acknowledged_and_opens_through_its_link(ticket_app) -> None:
    client = ticket_app.test_client()
    add_case(ticket_app)  # a hidden case code counts only when the case exists
    reference, link = acknowledged(
        client, platform="x", thread_url="https://x.com/a/1", case="C-12"
    )
    page = client.get(link)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Refund not received" in text and "two weeks ago" in text
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "budi.santoso@mail.example" not in text
    assert mask_email("budi.santoso@mail.example") in text
    (ticket,) = rows(ticket_app, Ticket)
    assert ticket.reference == reference
    assert (ticket.platform, ticket.thread_url, ticket.case_code) == (
        "x",
        "https://x.com/a/1",
        "C-12",
    )
    token = link.rsplit("/", 1)[1]
    assert len(token) >= 43 and ticket.token_hash == hash_token(token)
    assert token not in ticket.token_hash


def test_acknowledgement_is_shown_once(ticket_app) -> None:
    client = ticket_app.test_client()
    acknowledged(client)
    again = client.get("/en/contact/sent")
    assert again.status_code == 302 and again.headers["Location"] == "/en/contact"


def test_only_the_forms_fields_are_accepted(ticket_app) -> None:
    client = ticket_app.test_client()
    acknowledged(
        client,
        status="closed",
        priority="urgent",
        assignee="1",
        token_hash="0" * 64,
        reference="JWB-AAAAA",
    )
    (ticket,) = rows(ticket_app, Ticket)
    assert (ticket.status, ticket.priority) == ("new", "normal")
    assert ticket.reference != "JWB-AAAAA"


def test_errors_are_per_field_and_keep_what_was_typed(ticket_app) -> None:
    client = ticket_app.test_client()
    response = submit(client, email="not-an-email", subject="")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "This doesn&#39;t look like an email address." in page or (
        "This doesn't look like an email address." in page
    )
    assert "Please add a short subject." in page
    assert 'aria-invalid="true"' in page
    assert 'value="Budi Santoso"' in page and "two weeks ago" in page
    assert rows(ticket_app, Ticket) == []


def test_csrf_is_required(ticket_app) -> None:
    client = ticket_app.test_client()
    response = client.post("/en/contact", data=FORM)
    assert response.status_code == 400
    assert rows(ticket_app, Ticket) == []


def test_honeypot_stops_bots(ticket_app) -> None:
    client = ticket_app.test_client()
    response = submit(client, website="http://spam.example")
    assert response.status_code == 400
    assert "We could not send this form." in response.get_data(as_text=True)
    assert rows(ticket_app, Ticket) == []


def test_too_large_a_body_gets_a_friendly_413(ticket_app) -> None:
    client = ticket_app.test_client()
    response = submit(client, message="x" * 70_000)
    assert response.status_code == 413
    assert "Your message is too large" in response.get_data(as_text=True)


def test_wrong_token_and_unknown_ticket_look_the_same(ticket_app) -> None:
    client = ticket_app.test_client()
    reference, link = acknowledged(client)
    wrong = client.get(f"/t/{reference}/{'A' * 43}")
    unknown = client.get(f"/t/JWB-ZZZZZ/{link.rsplit('/', 1)[1]}")
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.get_data() == unknown.get_data()


def test_too_many_wrong_tokens_get_429(ticket_app) -> None:
    client = ticket_app.test_client()
    statuses = [
        client.get(f"/t/JWB-ZZZZZ/{'B' * 43}{n}").status_code for n in range(12)
    ]
    assert statuses[:10] == [404] * 10
    assert statuses[-1] == 429
    blocked = client.get("/t/JWB-ZZZZZ/x", headers={"Accept-Language": "en"})
    assert "Too many attempts" in blocked.get_data(as_text=True)


def test_submissions_are_rate_limited(ticket_app) -> None:
    client = ticket_app.test_client()
    for _ in range(5):
        acknowledged(client)
    assert submit(client).status_code == 429


def test_rate_limits_can_be_switched_off(make_app, database_url) -> None:
    client = make_app(DATABASE_URL=database_url, RATELIMIT_ENABLED=False).test_client()
    for _ in range(7):
        acknowledged(client)


def test_reply_close_and_reopen(ticket_app) -> None:
    client = ticket_app.test_client()
    _, link = acknowledged(client)
    token = csrf(client, link)
    reply = client.post(
        link, data={"csrf_token": token, "message": "Any news? Thank you."}
    )
    assert reply.status_code == 302
    assert "Any news? Thank you." in client.get(link).get_data(as_text=True)
    assert client.post(link, data={"message": "no csrf"}).status_code == 400
    closed = client.post(f"{link}/close", data={"csrf_token": token})
    assert closed.status_code == 302
    page = client.get(link).get_data(as_text=True)
    assert "You closed this ticket." in page and "Reopen this ticket" in page
    client.post(f"{link}/reopen", data={"csrf_token": token})
    assert "You reopened this ticket." in client.get(link).get_data(as_text=True)


def _wait_for_mail() -> None:
    import threading

    for thread in threading.enumerate():
        if thread.name == "jawab-mail":
            thread.join(timeout=10)


def test_new_link_replaces_the_old_one_when_first_opened(ticket_app, capsys) -> None:
    client = ticket_app.test_client()
    reference, old_link = acknowledged(client)
    token = csrf(client, "/en/contact/new-link")
    page = client.post(
        "/en/contact/new-link",
        data={
            "csrf_token": token,
            "reference": reference.lower(),
            "email": FORM["email"].upper(),
        },
    ).get_data(as_text=True)
    assert "If the reference and email match a ticket" in page
    _wait_for_mail()
    mailed = re.findall(
        r"http://localhost(/t/JWB-[0-9A-Z]{5}/\S+)", capsys.readouterr().out
    )
    new_link = mailed[-1]
    assert new_link != old_link
    # Asking for a new link must not cut the customer off: the old one works
    # until the new one is first opened (a stranger who knows the reference
    # and email could otherwise revoke it at will).
    assert client.get(old_link).status_code == 200
    assert client.get(new_link).status_code == 200
    assert client.get(old_link).status_code == 404
    assert client.get(new_link).status_code == 200
    (ticket,) = rows(ticket_app, Ticket)
    assert ticket.token_hash == hash_token(new_link.rsplit("/", 1)[1])
    assert ticket.pending_token_hash is None


def test_new_link_answers_the_same_for_wrong_details(ticket_app) -> None:
    client = ticket_app.test_client()
    reference, link = acknowledged(client)
    token = csrf(client, "/en/contact/new-link")
    page = client.post(
        "/en/contact/new-link",
        data={
            "csrf_token": token,
            "reference": reference,
            "email": "someone@else.example",
        },
    )
    assert "If the reference and email match a ticket" in page.get_data(as_text=True)
    assert client.get(link).status_code == 200


def test_ticket_text_never_enters_the_search_index(ticket_app) -> None:
    client = ticket_app.test_client()
    acknowledged(client, subject="Zebracorn refund", message="zebracorn secret text")
    data = client.get("/api/search?q=zebracorn").get_json()
    assert data["total"] == 0
    assert client.get("/api/suggest?q=zebrac").get_json()["suggestions"] == []


def test_opening_a_suggested_article_is_a_deflection(ticket_app) -> None:
    client = ticket_app.test_client()
    token = csrf(client, "/en/contact")
    # A GET that wrote could be inflated by any site's <img>: POST with CSRF only.
    assert client.get("/en/contact/deflect/reset-password").status_code == 405
    assert client.post("/en/contact/deflect/reset-password").status_code == 400
    assert rows(ticket_app, Deflection) == []
    for _ in range(3):  # counted once per visit
        response = client.post(
            "/en/contact/deflect/reset-password", data={"csrf_token": token}
        )
        assert response.status_code == 204
    events.recorder(ticket_app).flush()  # deflections are queued events
    assert [d.article_slug for d in rows(ticket_app, Deflection)] == ["reset-password"]
    missing = client.post("/en/contact/deflect/paylater", data={"csrf_token": token})
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("email", "masked"),
    [("budi.santoso@mail.example", "b***o@m***.example"), ("a@b.co", "a***@b***.co")],
)
def test_email_masking(email: str, masked: str) -> None:
    assert mask_email(email) == masked


def test_header_links_to_the_contact_form(client) -> None:
    assert 'href="/en/contact"' in client.get("/en/").get_data(as_text=True)


def test_ticket_count_query(ticket_app) -> None:
    client = ticket_app.test_client()
    acknowledged(client)
    engine = create_engine(ticket_app.config["DATABASE_URL"])
    with Session(engine) as db:
        assert db.scalar(select(func.count()).select_from(Ticket)) == 1
    engine.dispose()


def test_sent_mail_keeps_no_working_link(ticket_app, capsys) -> None:
    from kb.services import mail
    from kb.storage.models import OutboxMail

    client = ticket_app.test_client()
    _, link = acknowledged(client)
    wait_for_mail()  # the background delivery may hold the row's lease
    engine = create_engine(ticket_app.config["DATABASE_URL"])
    with Session(engine) as db:
        mail.deliver_pending(db, mail.ConsoleSender())
    engine.dispose()
    mails = rows(ticket_app, OutboxMail)
    assert mails and all(row.sent_at is not None for row in mails)
    assert all(link not in row.body for row in mails)
    assert all("[link removed after sending]" in row.body for row in mails)


def _redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis(host="127.0.0.1", port=6379, socket_timeout=2).ping())
    except redis.RedisError:
        return False


def test_rate_limits_are_shared_through_redis(make_app, tmp_path) -> None:
    if not _redis_reachable():
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    import uuid

    from kb.storage import migrate

    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    migrate.upgrade(url)
    prefix = f"jawab-test-{uuid.uuid4().hex}"
    nodes = [
        make_app(
            DATABASE_URL=url,
            RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379",
            RATELIMIT_KEY_PREFIX=prefix,
        ).test_client()
        for _ in range(2)
    ]
    # Wrong tokens on two "nodes" count against one limit of 10 a minute.
    statuses = [
        nodes[n % 2].get(f"/t/JWB-ZZZZZ/{'C' * 43}{n}").status_code for n in range(11)
    ]
    assert statuses[:10] == [404] * 10 and statuses[10] == 429


def test_purge_removes_old_closed_tickets_only(ticket_app) -> None:
    import datetime as dt

    from sqlalchemy import update

    client = ticket_app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.1.1.1"
    old, _ = acknowledged(client, subject="Old closed one")
    recent, _ = acknowledged(client, subject="Recent closed one")
    open_ref, _ = acknowledged(client, subject="Old but open")
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
    engine = create_engine(ticket_app.config["DATABASE_URL"])
    with Session(engine) as db:
        db.execute(
            update(Ticket)
            .where(Ticket.reference.in_([old, recent]))
            .values(status="closed")
        )
        db.execute(
            update(Ticket)
            .where(Ticket.reference.in_([old, open_ref]))
            .values(updated_at=long_ago)
        )
        db.commit()
    engine.dispose()
    result = ticket_app.test_cli_runner().invoke(
        args=["tickets", "purge", "--older-than", "365"]
    )
    assert result.exit_code == 0 and "purged 1 closed ticket(s)" in result.output
    left = {t.reference for t in rows(ticket_app, Ticket)}
    assert left == {recent, open_ref}

"""Outgoing mail through the outbox, delivered to a real SMTP server (aiosmtpd).

Every test runs on SQLite and PostgreSQL. Waiting is always a bounded poll.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import parseaddr

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from helpers import CONTACT_FORM, csrf, wait_for_mail
from helpers import open_ticket as open_ticket_through_the_form
from sqlalchemy import func, select, update

from kb.services import mail
from kb.services.tickets import hash_token
from kb.storage.db import standalone_session
from kb.storage.models import OutboxMail, Ticket, utcnow

MAIL_FROM = "Jawab Help <help@jawab.example>"
FORM = {**CONTACT_FORM, "category": ""}
LINK = re.compile(r"http://localhost/t/JWB-[0-9A-Z]{5}/[A-Za-z0-9_-]+")
SAME_ANSWER = "If the reference and email match a ticket, we have emailed a new link"


# -- a real SMTP server --------------------------------------------------------
@dataclass
class Received:
    """One message as the SMTP server got it."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: EmailMessage

    @property
    def body(self) -> str:
        return self.message.get_body(("plain",)).get_content()


@dataclass
class SmtpServer:
    """aiosmtpd on 127.0.0.1 and a free port; ``start`` it when a test wants."""

    port: int
    received: list[Received] = field(default_factory=list)
    controller: Controller | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, _server, _session, envelope) -> str:
        message = email.message_from_bytes(
            envelope.content, policy=email.policy.default
        )
        with self.lock:
            self.received.append(
                Received(
                    envelope.mail_from,
                    list(envelope.rcpt_tos),
                    envelope.content,
                    message,
                )
            )
        return "250 Message accepted for delivery"

    def start(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def messages(self) -> list[Received]:
        with self.lock:
            return list(self.received)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """The first ``count`` messages, once they have all arrived."""
        poll(lambda: len(self.messages()) >= count, timeout, f"{count} mail(s)")
        return self.messages()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture()
def smtp_down() -> Iterator[SmtpServer]:
    """A server that is not listening yet (connections are refused)."""
    server = SmtpServer(free_port())
    yield server
    server.stop()


@pytest.fixture()
def smtp(smtp_down: SmtpServer) -> SmtpServer:
    """A listening server."""
    smtp_down.start()
    return smtp_down


# -- helpers -------------------------------------------------------------------
def poll(predicate: Callable[[], object], timeout: float = 10.0, what: str = "it"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what}")
        time.sleep(0.01)


def join_mail_threads(timeout: float = 10.0) -> None:
    """Wait for the background deliveries started by ``mail.wake``."""
    wait_for_mail(timeout, must_finish=True)


def aware(moment: dt.datetime) -> dt.datetime:
    """SQLite hands back naive UTC datetimes, PostgreSQL aware ones."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def outbox(app: Flask) -> list[OutboxMail]:
    with app.app_context(), standalone_session() as db:
        return list(db.scalars(select(OutboxMail).order_by(OutboxMail.id)))


def open_ticket(client, **changes: str) -> tuple[str, str]:
    """Submit :data:`FORM`; the reference and the link the sent page shows."""
    return open_ticket_through_the_form(client, **{"category": "", **changes})


def path(link: str) -> str:
    return link.removeprefix("http://localhost")


def _smtp_app(make_app, database_url: str, port: int, **overrides) -> Flask:
    return make_app(
        index=False,
        DATABASE_URL=database_url,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=port,
        SMTP_TLS=False,
        MAIL_FROM=MAIL_FROM,
        **overrides,
    )


@pytest.fixture()
def mail_app(make_app, database_url: str, smtp_down: SmtpServer) -> Iterator[Flask]:
    """The app over a migrated database, sending to the test SMTP server."""
    app = _smtp_app(make_app, database_url, smtp_down.port)
    yield app
    join_mail_threads()  # before the database goes away


# -- tests ---------------------------------------------------------------------
def test_opening_a_ticket_mails_the_acknowledgement(mail_app, smtp) -> None:
    reference, link = open_ticket(mail_app.test_client())

    (received,) = smtp.wait_for(1)  # delivered by the background thread
    assert received.rcpt_tos == [FORM["email"]]
    assert received.message["To"] == FORM["email"]
    assert reference in received.message["Subject"]
    assert received.message["Subject"] == f"[{reference}] We received your message"
    assert LINK.findall(received.body) == [link]  # the one the sent page showed
    # Multipart (issue 22): the HTML part carries the same link.
    assert received.message.get_content_type() == "multipart/alternative"
    assert f'href="{link}"' in received.message.get_body(("html",)).get_content()
    assert FORM["subject"] in received.body and FORM["name"] in received.body

    (row,) = poll(lambda: [r for r in outbox(mail_app) if r.sent_at], what="sent_at")
    assert row.attempts == 1 and row.last_error is None
    assert row.to_address == FORM["email"]


def test_smtp_down_loses_nothing(mail_app, smtp_down) -> None:
    client = mail_app.test_client()
    reference, link = open_ticket(client)  # acknowledged although mail fails
    (row,) = poll(
        lambda: [r for r in outbox(mail_app) if r.attempts == 1], what="a failure"
    )
    join_mail_threads()
    assert client.get(path(link)).status_code == 200
    assert row.sent_at is None
    assert "ConnectionRefusedError" in row.last_error
    assert aware(row.next_attempt_at) > utcnow() + dt.timedelta(seconds=30)

    smtp_down.start()
    runner = mail_app.test_cli_runner()
    result = runner.invoke(args=["outbox", "send"])  # not due yet: backoff holds
    assert result.exit_code == 0, result.output
    assert "outbox: 0 sent, 0 failed" in result.output
    assert smtp_down.messages() == []

    with mail_app.app_context(), standalone_session() as db:
        db.execute(
            update(OutboxMail).values(
                next_attempt_at=utcnow() - dt.timedelta(seconds=1)
            )
        )
        db.commit()
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert "outbox: 1 sent, 0 failed" in result.output
    (received,) = smtp_down.messages()
    assert received.message["Subject"] == f"[{reference}] We received your message"
    assert LINK.findall(received.body) == [link]
    (row,) = outbox(mail_app)
    assert row.sent_at is not None and row.attempts == 2


def test_two_deliverers_never_send_a_mail_twice(mail_app, smtp, monkeypatch) -> None:
    count = 8
    with mail_app.app_context(), standalone_session() as db:
        for n in range(count):
            mail.enqueue(db, mail.Mail(f"c{n}@mail.example", f"mail {n}", "body\n"))
        db.commit()

    # Both deliverers select every due row before either claims one, so each
    # row is contested and only the lease decides who sends it.
    barrier = threading.Barrier(2, timeout=10)
    waited = threading.local()
    claim = mail._claim

    def contested_claim(db, row) -> bool:
        if not getattr(waited, "done", False):
            waited.done = True
            barrier.wait()
        return claim(db, row)

    monkeypatch.setattr(mail, "_claim", contested_claim)
    results: list[tuple[int, int]] = []
    errors: list[BaseException] = []

    def deliver() -> None:
        try:
            with mail_app.app_context(), standalone_session() as db:
                results.append(
                    mail.deliver_pending(db, mail.sender_for(mail_app.config))
                )
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    workers = [threading.Thread(target=deliver) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(15)
    assert not errors and len(results) == 2
    assert sum(sent for sent, _ in results) == count
    assert all(failed == 0 for _, failed in results)
    subjects = sorted(m.message["Subject"] for m in smtp.messages())
    assert subjects == sorted(f"mail {n}" for n in range(count))  # once each
    rows = outbox(mail_app)
    assert all(r.sent_at is not None and r.attempts == 1 for r in rows)


def test_email_me_a_new_link(mail_app, smtp) -> None:
    client = mail_app.test_client()
    reference, old_link = open_ticket(client)
    smtp.wait_for(1)

    response = client.post(
        "/en/contact/new-link",
        data={
            "csrf_token": csrf(client, "/en/contact/new-link"),
            "reference": reference,
            "email": FORM["email"],
        },
    )
    assert response.status_code == 200
    right_page = response.get_data(as_text=True)
    assert SAME_ANSWER in right_page
    _, received = smtp.wait_for(2)
    assert received.rcpt_tos == [FORM["email"]]
    assert received.message["Subject"] == f"[{reference}] Your new link"
    (new_link,) = LINK.findall(received.body)
    assert new_link != old_link
    # The old link works until the new one is first opened, then stops.
    assert client.get(path(old_link)).status_code == 200
    assert client.get(path(new_link)).status_code == 200
    assert client.get(path(old_link)).status_code == 404
    poll(lambda: all(r.sent_at for r in outbox(mail_app)), what="both sent")

    response = client.post(
        "/en/contact/new-link",
        data={
            "csrf_token": csrf(client, "/en/contact/new-link"),
            "reference": reference,
            "email": "someone@else.example",
        },
    )
    assert response.status_code == 200
    assert response.get_data(as_text=True) == right_page  # the same answer
    join_mail_threads()
    assert len(outbox(mail_app)) == 2  # nothing was queued
    with mail_app.app_context(), standalone_session() as db:
        assert mail.deliver_pending(db, mail.sender_for(mail_app.config)) == (0, 0)
    assert len(smtp.messages()) == 2
    assert client.get(path(new_link)).status_code == 200  # still works


def test_development_prints_mail_to_the_console(
    make_app, database_url, monkeypatch, capsys
) -> None:
    monkeypatch.delenv("KB_SMTP_HOST", raising=False)
    app = make_app(index=False, DATABASE_URL=database_url)
    assert app.config["KB_ENV"] == "development" and not app.config["SMTP_HOST"]
    sender = mail.sender_for(app.config)
    assert isinstance(sender, mail.ConsoleSender)
    with app.app_context(), standalone_session() as db:
        mail.enqueue(db, mail.Mail("budi@mail.example", "[JWB-ABCDE] Hi", "Hello\n"))
        db.commit()
        assert mail.deliver_pending(db, sender) == (1, 0)
    printed = capsys.readouterr().out
    assert "--- mail to budi@mail.example: [JWB-ABCDE] Hi\nHello\n---" in printed
    (row,) = outbox(app)
    assert row.sent_at is not None and row.attempts == 1


def test_mail_carries_the_link_never_the_token_hash(mail_app, smtp) -> None:
    reference, link = open_ticket(mail_app.test_client())
    (received,) = smtp.wait_for(1)
    token = link.rsplit("/", 1)[1]
    with mail_app.app_context(), standalone_session() as db:
        stored = db.scalars(select(Ticket.token_hash)).one()
        assert db.scalar(select(func.count()).select_from(Ticket)) == 1
    assert stored == hash_token(token)
    text = received.raw.decode() + received.body
    assert stored not in text and stored.upper() not in text
    assert link in received.body
    assert received.message["From"] == MAIL_FROM
    assert received.mail_from == parseaddr(MAIL_FROM)[1]
    assert re.fullmatch(r"<[^<>@\s]+@jawab\.example>", received.message["Message-ID"])
    assert reference in received.message["Subject"]
    join_mail_threads()
    (row,) = outbox(mail_app)
    assert stored not in row.body and stored not in row.subject


# -- one delivery thread per process ---------------------------------------------
@dataclass
class HangingSmtpServer(SmtpServer):
    """A server that accepts a message, then says nothing until ``release``."""

    release: threading.Event = field(default_factory=threading.Event)
    entered: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server, session, envelope) -> str:
        import asyncio

        self.entered.set()
        deadline = time.monotonic() + 15  # below smtplib's 20 s timeout
        while not self.release.is_set() and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture()
def hanging_app(
    make_app, database_url: str
) -> Iterator[tuple[Flask, HangingSmtpServer]]:
    """The app sending to an SMTP server that hangs until released."""
    smtp = HangingSmtpServer(free_port())
    smtp.start()
    # Many submissions from one test client: no rate limit.
    app = _smtp_app(make_app, database_url, smtp.port, RATELIMIT_ENABLED=False)
    yield app, smtp
    smtp.release.set()
    join_mail_threads()
    smtp.stop()


def _mail_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "jawab-mail"]


def test_a_hanging_smtp_server_holds_one_thread_not_one_per_request(
    hanging_app,
) -> None:
    app, smtp = hanging_app
    client = app.test_client()
    count = 6
    most = 0
    references = []
    for _ in range(count):
        reference, _link = open_ticket(client)  # acknowledged at once
        references.append(reference)
        most = max(most, len(_mail_threads()))
        if len(references) == 1:
            assert smtp.entered.wait(10), "the first mail never reached the server"
    assert len(set(references)) == count
    assert most == 1 and len(_mail_threads()) == 1
    assert smtp.messages() == []  # still hanging on the first one

    smtp.release.set()  # the server recovers
    received = smtp.wait_for(count, timeout=20)
    subjects = sorted(m.message["Subject"] for m in received)
    assert subjects == sorted(f"[{r}] We received your message" for r in references)
    poll(lambda: all(r.sent_at for r in outbox(app)), 10, "every mail sent")
    join_mail_threads()  # the thread ends once nothing is due
    assert _mail_threads() == []
    assert len(smtp.messages()) == count  # each once


def test_stopping_finishes_the_mail_in_flight_and_keeps_the_rest(
    hanging_app,
) -> None:
    app, smtp = hanging_app
    with app.app_context(), standalone_session() as db:
        for n in range(3):
            mail.enqueue(db, mail.Mail(f"c{n}@mail.example", f"mail {n}", "body\n"))
        db.commit()
    mail.wake(app)
    assert smtp.entered.wait(10)
    stopper = threading.Thread(target=mail.stop_deliveries, args=(15,))
    stopper.start()  # what atexit does when a worker exits
    time.sleep(0.2)
    smtp.release.set()
    stopper.join(20)
    assert not stopper.is_alive() and _mail_threads() == []
    rows = outbox(app)
    assert [r.sent_at is not None for r in rows] == [True, False, False]
    assert [m.message["Subject"] for m in smtp.messages()] == ["mail 0"]
    mail.wake(app)  # a stopped process starts no new delivery
    assert _mail_threads() == []

    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert "outbox: 2 sent, 0 failed" in result.output  # nothing was lost


def test_a_reply_mail_is_multipart_from_one_markdown_with_the_secret_link(
    mail_app, smtp
) -> None:
    # Issue 22: the "new reply" mail had no link ("use the earlier link") and
    # showed raw Markdown. Now: text and HTML from the same Markdown, and a
    # secret link that opens the ticket (and, when solved, its rating form).
    from helpers import add_staff, signed_in

    reference, _link = open_ticket(mail_app.test_client())
    smtp.wait_for(1)
    add_staff(mail_app, "ana@tokorona.example", "agent", name="Ana")
    agent = signed_in(mail_app, "ana@tokorona.example")
    url = f"/agent/tickets/{reference}"
    article = "http://localhost/en/articles/reset-password#if-you-forgot-your-password"
    body = f"Please follow **[Reset your password]({article})** and retry."
    agent.post(
        url + "/reply",
        data={
            "csrf_token": csrf(agent, url),
            "kind": "reply",
            "body": body,
            "next_status": "resolved",
        },
    )
    _ack, received = smtp.wait_for(2)
    message = received.message
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert f"Reset your password ({article})" in text
    assert "[Reset" not in text and "**" not in text
    assert f'<a href="{article}"' in html and "<strong>" in html
    assert "Ana from" in text and "Ana from" in html
    assert "earlier link" not in text
    (secret,) = {m for m in LINK.findall(text)}
    assert secret in html
    page = mail_app.test_client().get(path(secret))
    assert page.status_code == 200 and "Please follow" in page.get_data(as_text=True)
    assert f"{secret}#rating" in text
    rated = mail_app.test_client().get(path(secret) + "?rating=good")
    assert re.search(r'<input checked[^>]*value="good"', rated.get_data(as_text=True))
    # Sent: the stored copy no longer holds a working link, in either part.
    (row,) = poll(
        lambda: [r for r in outbox(mail_app) if r.sent_at and "New reply" in r.subject],
        what="sent_at",
    )
    assert secret not in row.body and secret not in (row.html_body or "")

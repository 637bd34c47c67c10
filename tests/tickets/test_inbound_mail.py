"""Customers answer ticket mail by email: Reply-To out, IMAP and SMTP/LMTP in.

Real parts throughout: the app's mail goes to an aiosmtpd server, answers come
back through a private Dovecot (tests/dovecot.py; skipped with the reason when
it is not installed) or into ``kb mail serve``'s receiver over SMTP and LMTP,
on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import hashlib
import io
import os
import signal
import smtplib
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr

import pytest
from aiosmtpd.controller import Controller
from dovecot import Imap, dovecot
from flask import Flask
from helpers import PROJECT, csrf, open_ticket, rows, wait_for_mail
from PIL import Image
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from kb import config
from kb.cli import inbound_handler
from kb.services import inbound_mail, mail_inbox, mail_receiver, tickets
from kb.services.inbound_parse import html_to_text, strip_quoted
from kb.storage.db import standalone_session
from kb.storage.models import (
    Attachment,
    InboundMail,
    OutboxMail,
    ReplyToken,
    Ticket,
    utcnow,
)

MAIL_FROM = "Jawab Help <help@jawab.example>"
REPLY_ADDRESS = "help+{token}@jawab.example"
CUSTOMER = "budi@example.com"  # helpers.CONTACT_FORM's address


# -- a real SMTP server catching what the app sends ----------------------------
class Catcher:
    """aiosmtpd on a free port, keeping every message it is given."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=_free_port())

    async def handle_DATA(self, _server, _session, envelope) -> str:  # noqa: N802
        message = email.message_from_bytes(
            envelope.content, policy=email.policy.default
        )
        with self.lock:
            self.messages.append(message)
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.02)
        raise AssertionError(f"waited {timeout} s for {count} mail(s)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture()
def catcher() -> Iterator[Catcher]:
    found = Catcher()
    found.controller.start()
    yield found
    found.controller.stop()


@pytest.fixture()
def imap() -> Iterator[Imap]:
    with dovecot() as server:
        yield server


def _app(make_app, database_url: str, catcher: Catcher, **overrides) -> Flask:
    settings = {
        "DATABASE_URL": database_url,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": catcher.controller.port,
        "SMTP_TLS": False,
        "MAIL_BACKEND": "smtp",
        "MAIL_FROM": MAIL_FROM,
        "MAIL_REPLY_ADDRESS": REPLY_ADDRESS,
        "BASE_URL": "https://help.example.com",
    }
    return make_app(index=False, **{**settings, **overrides})


@pytest.fixture()
def mail_app(make_app, database_url: str, catcher: Catcher) -> Iterator[Flask]:
    app = _app(make_app, database_url, catcher)
    yield app
    wait_for_mail(must_finish=True)


def _acknowledgement(app: Flask, catcher: Catcher) -> tuple[str, EmailMessage]:
    """Open a ticket through the contact form; its reference and mailed reply."""
    reference = open_ticket(app.test_client()).reference
    (sent,) = catcher.wait_for(1)
    return reference, sent


def answer(
    to: EmailMessage | str,
    text: str,
    *,
    sender: str = f"Budi <{CUSTOMER}>",
    html: str | None = None,
    **headers: str,
) -> bytes:
    """A customer's answer to ``to`` (a mail we sent, or an address)."""
    message = EmailMessage()
    message["From"] = sender
    if isinstance(to, str):
        message["To"] = to
        message["Subject"] = "Question"
    else:
        message["To"] = str(to["Reply-To"])
        message["Subject"] = "Re: " + str(to["Subject"])
        message["In-Reply-To"] = str(to["Message-ID"])
        message["References"] = f"{to['References']} {to['Message-ID']}"
    message["Message-ID"] = make_msgid(domain="example.com")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    if html is None:
        message.set_content(text)
    else:
        message.set_content(html, subtype="html")
    return message.as_bytes()


def messages(app: Flask, reference: str) -> list[tuple[str, str]]:
    with app.app_context(), standalone_session() as db:
        ticket = db.scalars(select(Ticket).where(Ticket.reference == reference)).one()
        return [(m.author, m.body) for m in ticket.messages]


def status(app: Flask, reference: str) -> str:
    with app.app_context(), standalone_session() as db:
        return db.scalars(
            select(Ticket.status).where(Ticket.reference == reference)
        ).one()


def set_status(app: Flask, reference: str, value: str) -> None:
    with app.app_context(), standalone_session() as db:
        db.execute(
            update(Ticket).where(Ticket.reference == reference).values(status=value)
        )
        db.commit()


def receive(app: Flask, raw: bytes) -> inbound_mail.Outcome:
    return inbound_handler(app)(raw)


def fetch(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["mail", "fetch"])
    assert result.exit_code == 0, result.output
    return result.output


QUOTED = (
    "\n\nOn Mon, 7 Dec 2026 at 10:00, Jawab Help <help@jawab.example>\nwrote:\n"
    "> We received your message\n> about your order\n"
)


# -- the reply address ---------------------------------------------------------
def test_ticket_mail_carries_a_reply_address_of_its_own(mail_app, catcher) -> None:
    reference, sent = _acknowledgement(mail_app, catcher)
    reply_to = parseaddr(str(sent["Reply-To"]))[1]
    local, _, domain = reply_to.partition("@")
    token = local.removeprefix("help+")
    assert domain == "jawab.example" and len(token) == 32 and token.islower()
    assert str(sent["Message-ID"]) == f"<jawab.{token}@jawab.example>"
    assert reference.lower() in str(sent["References"])
    assert sent["X-Jawab"] == reference
    # Only its hash is kept, and the outbox forgets the headers once sent.
    hashes = [row.token_hash for row in rows(mail_app, ReplyToken)]
    assert hashes == [hashlib.sha256(token.encode()).hexdigest()]
    (row,) = rows(mail_app, OutboxMail)
    assert row.sent_at is not None and row.headers is None
    # The reply token is not the secret link's token.
    body = sent.get_body(("plain",)).get_content()
    assert token not in body
    assert "You can also simply answer this email" in body


# -- answers by email ----------------------------------------------------------
def test_an_emailed_answer_lands_on_the_ticket_and_reopens_it(
    mail_app, catcher
) -> None:
    reference, sent = _acknowledgement(mail_app, catcher)
    set_status(mail_app, reference, "waiting")
    outcome = receive(mail_app, answer(sent, "Still not paid." + QUOTED))
    assert (outcome.kind, outcome.reference) == ("added", reference)
    assert messages(mail_app, reference)[-1] == ("customer", "Still not paid.")
    assert status(mail_app, reference) == "open"


def test_an_answer_matched_by_in_reply_to_alone(
    make_app, database_url, catcher
) -> None:
    app = _app(make_app, database_url, catcher, MAIL_REPLY_ADDRESS="")
    reference, sent = _acknowledgement(app, catcher)
    assert sent["Reply-To"] is None  # no reply address configured
    assert "answer this email" not in sent.get_body(("plain",)).get_content()
    raw = answer("help@jawab.example", "Any news?", In_Reply_To=str(sent["Message-ID"]))
    assert receive(app, raw).kind == "added"
    assert messages(app, reference)[-1] == ("customer", "Any news?")


def test_an_html_only_answer_becomes_text_without_its_quote(mail_app, catcher) -> None:
    reference, sent = _acknowledgement(mail_app, catcher)
    html = (
        "<div dir='ltr'>Sudah saya transfer.<br>Terima kasih</div>"
        "<div class='gmail_quote'><div>Pada Sen, 7 Des 2026 Jawab menulis:</div>"
        "<blockquote>Kami menerima pesan Anda</blockquote></div>"
    )
    assert receive(mail_app, answer(sent, "", html=html)).kind == "added"
    assert messages(mail_app, reference)[-1] == (
        "customer",
        "Sudah saya transfer.\nTerima kasih",
    )


def test_the_same_mail_delivered_twice_is_added_once(mail_app, catcher) -> None:
    reference, sent = _acknowledgement(mail_app, catcher)
    raw = answer(sent, "Once, please.")
    assert receive(mail_app, raw).kind == "added"
    assert receive(mail_app, raw).kind == "duplicate"
    assert [b for a, b in messages(mail_app, reference) if a == "customer"][1:] == [
        "Once, please."
    ]


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto_Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"X_Autoreply": "yes"},
    ],
    ids=["auto-submitted", "precedence", "x-autoreply"],
)
def test_auto_replies_are_ignored(mail_app, catcher, headers) -> None:
    reference, sent = _acknowledgement(mail_app, catcher)
    raw = answer(sent, "I am out of the office until Monday.", **headers)
    assert receive(mail_app, raw).kind == "ignored"
    assert len(messages(mail_app, reference)) == 1


def test_a_bounce_is_ignored(mail_app, catcher) -> None:
    reference, sent = _acknowledgement(mail_app, catcher)
    reply_to = str(sent["Reply-To"])
    bounce = (
        "From: Mail Delivery System <postmaster@mx.example.com>\r\n"
        f"To: {reply_to}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n'
        "\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
        "Your message could not be delivered.\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.com\r\n\r\n--b--\r\n"
    ).encode()
    assert receive(mail_app, bounce).kind == "ignored"
    from_daemon = answer(sent, "Delivery failed", sender="MAILER-DAEMON@mx.example")
    assert receive(mail_app, from_daemon).kind == "ignored"
    assert len(messages(mail_app, reference)) == 1


def test_a_wrong_token_is_refused(mail_app, catcher) -> None:
    reference, sent = _acknowledgement(mail_app, catcher)
    token = parseaddr(str(sent["Reply-To"]))[1].partition("+")[2].partition("@")[0]
    forged = ("a" if token[0] != "a" else "b") + token[1:]
    outcome = receive(mail_app, answer(f"help+{forged}@jawab.example", "Let me in"))
    assert outcome.kind == "refused" and "matches no ticket" in outcome.reason
    assert len(messages(mail_app, reference)) == 1


def test_our_own_mail_coming_back_is_a_loop(mail_app, catcher) -> None:
    reference, sent = _acknowledgement(mail_app, catcher)
    assert receive(mail_app, sent.as_bytes()).kind == "loop"  # bounced back whole
    own = answer(sent, "From ourselves", sender=MAIL_FROM)
    assert receive(mail_app, own).kind == "loop"
    assert len(messages(mail_app, reference)) == 1


def test_unknown_senders_open_no_ticket(mail_app, catcher) -> None:
    raw = answer("help@jawab.example", "Where is my order?", sender="x@example.org")
    outcome = receive(mail_app, raw)
    assert outcome.kind == "refused" and "KB_MAIL_NEW_TICKETS" in outcome.reason
    assert rows(mail_app, Ticket) == []


def test_unknown_senders_open_a_ticket_when_allowed(
    make_app, database_url, catcher
) -> None:
    app = _app(make_app, database_url, catcher, MAIL_NEW_TICKETS=True)
    raw = answer(
        "help@jawab.example", "Where is my order?", sender="Sri <sri@example.org>"
    )
    outcome = receive(app, raw)
    assert outcome.kind == "opened"
    (ticket,) = rows(app, Ticket)
    assert (ticket.email, ticket.name, ticket.subject) == (
        "sri@example.org",
        "Sri",
        "Question",
    )
    (ack,) = catcher.wait_for(1)  # the acknowledgement, with its secret link
    assert ack["To"] == "sri@example.org" and ticket.reference in str(ack["Subject"])
    assert "https://help.example.com/t/" in ack.get_body(("plain",)).get_content()
    wait_for_mail(must_finish=True)


# -- IMAP: kb mail fetch against a real Dovecot ------------------------------------
def test_kb_mail_fetch_brings_an_answer_to_the_agent(
    make_app, database_url, catcher, imap, auth
) -> None:
    app = _app(make_app, database_url, catcher, **imap.config())
    auth.app = app
    reference, sent = _acknowledgement(app, catcher)
    set_status(app, reference, "waiting")
    imap.deliver(
        answer(sent, "Here is my receipt number: 12345." + QUOTED),
        answer(sent, "Out of office", Auto_Submitted="auto-replied"),
        answer("help+" + "a" * 32 + "@jawab.example", "Guessing"),
    )
    output = fetch(app)
    assert output.strip() == "mail fetch: 1 added, 1 ignored, 1 refused"
    assert imap.count("UNSEEN") == 0 and imap.count("ALL") == 3  # all marked read
    assert fetch(app).strip() == "mail fetch: no new mail"
    agent = auth.login("agent")
    page = agent.get(f"/agent/tickets/{reference}").get_data(as_text=True)
    assert "Here is my receipt number: 12345." in page
    assert "We received your message" not in page.split("12345.")[1][:200]
    assert status(app, reference) == "open"


def test_kb_mail_fetch_moves_handled_mail(
    make_app, database_url, catcher, imap
) -> None:
    app = _app(make_app, database_url, catcher, **imap.config(IMAP_DONE_FOLDER="Done"))
    imap.create("Done")
    reference, sent = _acknowledgement(app, catcher)
    imap.deliver(answer(sent, "Moved along."))
    assert fetch(app).strip() == "mail fetch: 1 added"
    assert imap.count("ALL") == 0 and imap.count("ALL", folder="Done") == 1
    assert messages(app, reference)[-1] == ("customer", "Moved along.")


def test_kb_mail_fetch_says_when_imap_cannot_be_used(make_app, database_url, catcher):
    app = _app(
        make_app,
        database_url,
        catcher,
        IMAP_HOST="127.0.0.1",
        IMAP_PORT=_free_port(),
        IMAP_SSL=False,
    )
    result = app.test_cli_runner().invoke(args=["mail", "fetch"])
    assert result.exit_code == 1
    assert "IMAP 127.0.0.1" in result.output and "Connection refused" in result.output


# -- SMTP and LMTP: kb mail serve's receiver -----------------------------------
@pytest.mark.parametrize("lmtp", [False, True], ids=["smtp", "lmtp"])
def test_the_receiver_takes_answers_and_refuses_strangers(
    mail_app, catcher, lmtp
) -> None:
    reference, sent = _acknowledgement(mail_app, catcher)
    token = parseaddr(str(sent["Reply-To"]))[1].partition("+")[2].partition("@")[0]
    forged = f"help+{'a' if token[0] != 'a' else 'b'}{token[1:]}@jawab.example"
    port = _free_port()
    server = mail_receiver.receiver(
        inbound_handler(mail_app),
        "127.0.0.1",
        port,
        lmtp=lmtp,
        contact_url="https://help.example.com/contact",
    )
    server.start()
    refusals = {}
    try:
        client = (
            smtplib.LMTP("127.0.0.1", port) if lmtp else smtplib.SMTP("127.0.0.1", port)
        )
        with client:
            reply_to = parseaddr(str(sent["Reply-To"]))[1]
            client.sendmail(CUSTOMER, [reply_to], answer(sent, "By SMTP."))
            for to, sender in (
                ("help@jawab.example", "x@example.org"),  # answers no ticket
                (forged, CUSTOMER),  # a reply address that matches none
            ):
                with pytest.raises(smtplib.SMTPDataError) as refused:
                    client.sendmail(sender, [to], answer(to, "Hello?", sender=sender))
                assert refused.value.smtp_code == 550
                refusals[to] = refused.value.smtp_error.decode()
    finally:
        server.stop()
    assert messages(mail_app, reference)[-1] == ("customer", "By SMTP.")
    # What the sender's bounce shows: which address, why, and what to do.
    stranger, wrong = refusals["help@jawab.example"], refusals[forged]
    assert stranger.startswith("5.7.1 <help@jawab.example>: this address only takes")
    assert "answers none" in stranger
    assert wrong.startswith(f"5.1.1 <{forged}>: this reply address belongs to no")
    for text in (stranger, wrong):
        assert "Not delivered" in text
        assert "through the contact form at https://help.example.com/contact" in text
        assert "KB_" not in text and "\n" not in text and len(text) < 400


def test_a_refusal_without_a_base_url_still_says_what_to_do() -> None:
    outcome = inbound_mail.Outcome("refused", "why", refusal="unknown-token")
    text = mail_receiver.refusal(outcome, "help+x@jawab.example\r\nRSET", "")
    assert text.startswith("550 5.1.1 <help+x@jawab.exampleRSET>: ")
    assert text.endswith(
        "the contact form on our help site, with your ticket number if you have one"
    )


# -- the parser on its own -----------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Thanks!\n\nOn Mon, Dec 7, 2026 at 9:00 AM Jawab <a@b.c> wrote:\n> old",
        "Thanks!\n\nPada Sen, 7 Des 2026 pukul 09.00 Jawab <a@b.c> menulis:\n> lama",
        "Thanks!\n\n-----Original Message-----\nFrom: Jawab\nSent: Monday",
        "Thanks!\n\n________________________________\nFrom: Jawab <a@b.c>\nSent: x",
        "Thanks!\n\nFrom: Jawab <a@b.c>\nSent: Monday, 7 December 2026\nTo: Budi",
        "Thanks!\n-- \nBudi Santoso\nToko Budi",
        "Thanks!\n\nSent from my iPhone",
        "Thanks!\n\nDikirim dari iPhone saya",
        "> earlier text\nThanks!",
    ],
    ids=[
        "gmail",
        "gmail-id",
        "outlook",
        "outlook-rule",
        "outlook-from",
        "sig",
        "iphone",
        "iphone-id",
        "quote-first",
    ],
)
def test_quoted_history_is_stripped(text: str) -> None:
    assert strip_quoted(text) == "Thanks!"


def test_html_becomes_readable_text() -> None:
    html = (
        "<html><head><style>p{}</style></head><body><p>Line one</p>"
        "<p>Line &amp; two<br>three</p><script>x()</script></body></html>"
    )
    assert html_to_text(html) == "Line one\n\nLine & two\nthree"


def test_a_mail_that_is_only_quote_adds_nothing(mail_app, catcher) -> None:
    reference, sent = _acknowledgement(mail_app, catcher)
    assert receive(mail_app, answer(sent, "> only the quote")).kind == "ignored"
    assert len(messages(mail_app, reference)) == 1


@pytest.mark.parametrize(
    "value", ["help@jawab.example", "{token}{token}@x.example", "help+{token}"]
)
def test_the_reply_address_setting_needs_one_token(value: str) -> None:
    with pytest.raises(config.ConfigError, match="KB_MAIL_REPLY_ADDRESS"):
        config.from_environment({"KB_MAIL_REPLY_ADDRESS": value})
    assert config.from_environment({"KB_MAIL_REPLY_ADDRESS": REPLY_ADDRESS}) == {
        "MAIL_REPLY_ADDRESS": REPLY_ADDRESS
    }


def test_a_failure_mid_fetch_leaves_the_rest_unread(
    make_app, database_url, catcher, imap
) -> None:
    app = _app(make_app, database_url, catcher, **imap.config())
    reference, sent = _acknowledgement(app, catcher)
    imap.deliver(*(answer(sent, f"Answer {n}.") for n in range(3)))
    real = inbound_handler(app)
    seen: list[bytes] = []

    def database_goes_down(raw: bytes) -> inbound_mail.Outcome:
        seen.append(raw)
        if len(seen) == 2:
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        return real(raw)

    with pytest.raises(OperationalError):
        mail_inbox.fetch({**app.config, **imap.config()}, database_goes_down)
    assert imap.count("UNSEEN") == 2  # the first was stored and marked read
    assert fetch(app).strip() == "mail fetch: 2 added"
    customer = [b for a, b in messages(app, reference) if a == "customer"]
    assert customer[1:] == ["Answer 0.", "Answer 1.", "Answer 2."]


def test_purge_forgets_old_received_mail(mail_app, catcher) -> None:
    reference, sent = _acknowledgement(mail_app, catcher)
    assert receive(mail_app, answer(sent, "Old news.")).kind == "added"
    old = utcnow() - dt.timedelta(days=400)
    with mail_app.app_context(), standalone_session() as db:
        db.execute(update(InboundMail).values(received_at=old))
        db.commit()
        tickets.purge(db, 365)
    assert rows(mail_app, InboundMail) == []
    assert messages(mail_app, reference)[-1] == ("customer", "Old news.")


def test_kb_mail_serve_runs_until_stopped(
    mail_app, catcher, database_url, articles_dir, tmp_path
) -> None:
    reference, sent = _acknowledgement(mail_app, catcher)
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT),
        "KB_DATABASE_URL": database_url,
        "KB_ARTICLES_DIR": str(articles_dir),
        "KB_SEARCH_INDEX_DIR": str(tmp_path / "serve-index"),
        "KB_SECRET_KEY": "test-secret",
        "KB_MAIL_FROM": MAIL_FROM,
        "KB_MAIL_REPLY_ADDRESS": REPLY_ADDRESS,
        "KB_MAIL_BACKEND": "log",
        "KB_BASE_URL": "https://help.example.com",
    }
    command = [sys.executable, "-c", "from kb.cli import main; main()"]
    server = subprocess.Popen(
        [*command, "mail", "serve", "--port", str(port)],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                client = smtplib.SMTP("127.0.0.1", port, timeout=10)
                break
            except OSError:
                assert server.poll() is None, server.communicate()[0].decode()
                assert time.monotonic() < deadline, "kb mail serve did not listen"
                time.sleep(0.1)
        with client:
            reply_to = parseaddr(str(sent["Reply-To"]))[1]
            client.sendmail(CUSTOMER, [reply_to], answer(sent, "Through kb."))
            with pytest.raises(smtplib.SMTPDataError) as refused:
                client.sendmail(
                    CUSTOMER,
                    ["help@jawab.example"],
                    answer("help@jawab.example", "New question", sender=CUSTOMER),
                )
            # The contact form of KB_BASE_URL, for the sender's bounce.
            assert b"https://help.example.com/contact" in refused.value.smtp_error
        assert messages(mail_app, reference)[-1] == ("customer", "Through kb.")
    finally:
        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=15)[0].decode()
    assert server.returncode == 0, output
    assert f"receiving mail (SMTP) on 127.0.0.1:{port}" in output


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\xff\xfe garbage without headers",
        b"From: =?utf-8?q?=E2=28?= <\r\nTo: help+\xff@jawab.example\r\n"
        b"Subject: =?unknown-8bit?b?////?=\r\nContent-Type: text/plain; "
        b"charset=nonexistent\r\n\r\n\xff\xfe\xfd body",
        b"From: a@b.example\r\nTo: <<<@@@>>>\r\nIn-Reply-To: <jawab.\r\n"
        b"Content-Type: multipart/alternative; boundary=x\r\n\r\n--x\r\n",
    ],
    ids=["empty", "garbage", "bad-encodings", "broken-multipart"],
)
def test_unreadable_mail_is_ignored_not_fatal(mail_app, catcher, raw: bytes) -> None:
    outcome = receive(mail_app, raw)
    assert outcome.kind in {"ignored", "refused"}, outcome
    assert rows(mail_app, Ticket) == []


def test_control_characters_are_dropped_from_an_answer(mail_app, catcher) -> None:
    reference, sent = _acknowledgement(mail_app, catcher)
    assert (
        receive(mail_app, answer(sent, "Paid\x00 at\x07 noon.\tThanks")).kind == "added"
    )
    assert messages(mail_app, reference)[-1] == ("customer", "Paid at noon.\tThanks")


def test_the_customer_answers_the_agents_reply_through_imap(
    make_app, database_url, catcher, imap, auth
) -> None:
    app = _app(make_app, database_url, catcher, **imap.config())
    auth.app = app
    reference, _ack = _acknowledgement(app, catcher)
    agent = auth.login("agent")
    url = f"/agent/tickets/{reference}"
    body = "Please send the **transfer receipt** number."
    response = agent.post(
        url + "/reply",
        data={"csrf_token": csrf(agent, url), "kind": "reply", "body": body},
    )
    assert response.status_code == 302
    reply = catcher.wait_for(2)[1]
    assert "New reply" in str(reply["Subject"])
    assert reply["Reply-To"] != _ack["Reply-To"]  # a token of its own
    text = reply.get_body(("plain",)).get_content()
    html = reply.get_body(("html",)).get_content()
    for part in (text, html):
        assert "You can also simply answer this email" in part
    assert status(app, reference) == "waiting"

    # The customer answers through the real IMAP server, with a screenshot.
    answered = email.message_from_bytes(
        answer(reply, "Receipt TRX-20261207-77." + QUOTED), policy=email.policy.default
    )
    screenshot = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(screenshot, "PNG")
    answered.add_attachment(
        screenshot.getvalue(), maintype="image", subtype="png", filename="receipt.png"
    )
    imap.deliver(answered.as_bytes())
    assert fetch(app).strip() == "mail fetch: 1 added"
    page = agent.get(url).get_data(as_text=True)
    assert "Receipt TRX-20261207-77." in page
    assert "receipt.png" in page  # the agent sees the file on the ticket
    assert status(app, reference) == "open"
    # The earlier mail's address still reaches the ticket.
    imap.deliver(answer(_ack, "And one more thing."))
    assert fetch(app).strip() == "mail fetch: 1 added"
    assert messages(app, reference)[-1] == ("customer", "And one more thing.")


def test_files_sent_by_email_are_kept_or_named_with_the_reason(
    mail_app, catcher
) -> None:
    reference, sent = _acknowledgement(mail_app, catcher)
    photo = io.BytesIO()  # a real picture: it is re-encoded like the web's
    Image.new("RGB", (40, 30), "red").save(photo, "PNG")
    with_file = email.message_from_bytes(
        answer(sent, "Receipt attached."), policy=email.policy.default
    )
    with_file.add_attachment(
        photo.getvalue(), maintype="image", subtype="png", filename="receipt.png"
    )
    assert receive(mail_app, with_file.as_bytes()).kind == "added"
    # A file that is not what it claims is refused by the web's own checks,
    # named in the message with the reason (never dropped silently).
    only_file = email.message_from_bytes(answer(sent, ""), policy=email.policy.default)
    only_file.add_attachment(
        b"<?php system($_GET['c']); ?>",
        maintype="image",
        subtype="jpeg",
        filename="invoice.jpg",
    )
    assert receive(mail_app, only_file.as_bytes()).kind == "added"
    last_two = [b for a, b in messages(mail_app, reference)][-2:]
    assert last_two[0] == "Receipt attached."
    assert last_two[1].startswith("[Files sent by email not kept: invoice.jpg: ")
    stored = rows(mail_app, Attachment)
    assert [(f.filename, f.content_type) for f in stored] == [
        ("receipt.png", "image/png")
    ]

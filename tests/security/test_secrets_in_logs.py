"""No secret link, customer address or message in the log (issue 19, M3).

A production build drives every ticket flow — open, read, reply, a wrong link,
a new link, an agent's answer, close, a failing database, a crashing page and
mail delivery — while everything logged or printed is captured; then no ticket
token, no customer address and no customer text may appear in it. The mail goes
out through ``KB_MAIL_BACKEND=log`` or to an SMTP server that is down (its
failures are logged), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import logging
import re
import socket
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient
from helpers import (
    CONTACT_FORM,
    PASSWORD,
    csrf,
    make_staff,
    open_ticket,
    rows,
    staff_email,
    wait_for_mail,
)
from sqlalchemy import event

from kb.services import mail
from kb.storage.models import OutboxMail

BASE = "https://help.tokorona.example"
ANY_LINK = re.compile(r"/t/JWB-[0-9A-Z]{5}/[A-Za-z0-9_-]{20,}")
REPLY = "My order number is 4711 and the refund still did not arrive."


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


BACKENDS = {
    "log": {"MAIL_BACKEND": "log"},
    # Nothing listens on the port: every send fails and is logged.
    "smtp-down": {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": _free_port(),
        "SMTP_TLS": False,
    },
}


@pytest.fixture(params=sorted(BACKENDS))
def production_app(request, make_app, database_url: str) -> Flask:
    """A production build over a migrated database, mailing per ``BACKENDS``."""
    app = make_app(
        DATABASE_URL=database_url,
        KB_ENV="production",
        BASE_URL=BASE,
        **BACKENDS[request.param],
    )
    make_staff(app, "agent")
    return app


class Https:
    """A client of the production build: HTTPS, its host, a same-site Referer."""

    def __init__(self, app: Flask) -> None:
        self.client: FlaskClient = app.test_client()

    def get(self, url: str) -> Any:
        """GET ``url`` on the site."""
        return self.client.get(url, base_url=BASE)

    def post(self, url: str, data: dict[str, str], form_url: str | None = None):
        """POST ``data`` with the CSRF token of the form on ``form_url``."""
        token = csrf(self.client, form_url or url, base_url=BASE)
        return self.client.post(
            url,
            data={**data, "csrf_token": token},
            base_url=BASE,
            headers={"Referer": f"{BASE}{form_url or url}"},
        )


def _fail_outbox_inserts(app: Flask):
    """Make the database refuse to queue mail, as a full disk would."""
    from kb.storage import db

    with app.app_context():
        engine = db.engine()
    error = engine.dialect.loaded_dbapi.OperationalError

    def refuse(_cursor, statement, _parameters, _context) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO OUTBOX"):
            raise error("simulated: disk I/O error")

    event.listen(engine, "do_execute", refuse)
    return lambda: event.remove(engine, "do_execute", refuse)


def test_no_ticket_flow_logs_a_secret(
    production_app, caplog, capfd, monkeypatch
) -> None:
    app = production_app
    customer = Https(app)
    with caplog.at_level(logging.DEBUG):
        opened = open_ticket(customer.client, base_url=BASE)
        path = opened.path
        assert customer.get(path).status_code == 200
        assert customer.post(path, {"message": REPLY}).status_code == 302
        assert customer.get(path[:-3] + "xyz").status_code == 404  # a wrong link
        new_link = customer.post(
            "/en/contact/new-link",
            {"reference": opened.reference, "email": CONTACT_FORM["email"]},
        )
        assert new_link.status_code == 200

        agent = Https(app)
        signed = agent.post(
            "/agent/login", {"email": staff_email("agent"), "password": PASSWORD}
        )
        assert signed.status_code == 302
        ticket_url = f"/agent/tickets/{opened.reference}"
        answer = agent.post(
            ticket_url + "/reply",
            {"kind": "reply", "body": "We sent it again today."},
            form_url=ticket_url,
        )
        assert answer.status_code == 302
        closed = customer.post(path + "/close", {}, form_url=path)
        assert closed.status_code == 302

        # The database fails while a new ticket's mail is queued: a 503 ...
        restore = _fail_outbox_inserts(app)
        try:
            failed = customer.post(
                "/en/contact", {**CONTACT_FORM, "subject": "Second question"}
            )
        finally:
            restore()
        assert failed.status_code == 503

        # ... and a secret-link page crashes: a 500, logged by Flask.
        def crash(_ticket) -> list:
            raise RuntimeError("simulated bug")

        monkeypatch.setattr("kb.services.tickets.public_messages", crash)
        app.config["PROPAGATE_EXCEPTIONS"] = False
        assert customer.get(path).status_code == 500

        wait_for_mail()
        with app.app_context():
            from kb.storage.db import standalone_session

            with standalone_session() as db:
                mail.deliver_pending(db, mail.sender_for(app.config))

    logged = caplog.text
    printed = "".join(capfd.readouterr())
    assert "Exception on /t/" in logged  # the crash was logged, path cut
    secrets = {opened.link.rsplit("/", 1)[1]}
    for row in rows(app, OutboxMail):  # links still queued (SMTP down)
        secrets |= {link.rsplit("/", 1)[1] for link in ANY_LINK.findall(row.body)}
    for text in (logged, printed):
        assert not ANY_LINK.search(text), ANY_LINK.search(text)
        for secret in secrets:
            assert secret not in text
        assert CONTACT_FORM["email"] not in text
        assert CONTACT_FORM["message"] not in text and REPLY not in text


def test_the_log_backend_names_only_a_masked_recipient_and_the_subject(
    make_app, database_url, caplog, capfd
) -> None:
    app = make_app(
        DATABASE_URL=database_url,
        KB_ENV="production",
        BASE_URL=BASE,
        MAIL_BACKEND="log",
    )
    with caplog.at_level(logging.INFO, logger="kb"):
        opened = open_ticket(app.test_client(), base_url=BASE)
        wait_for_mail()
    lines = [
        r.getMessage() for r in caplog.records if "mail not sent" in r.getMessage()
    ]
    assert lines == [
        "mail not sent (KB_MAIL_BACKEND=log): to b***o@m***.example, subject "
        f"'[{opened.reference}] We received your message'"
    ]
    assert opened.link.rsplit("/", 1)[1] not in caplog.text + "".join(
        capfd.readouterr()
    )
    (row,) = rows(app, OutboxMail)
    assert row.sent_at is not None  # handled: nothing waits for a server


class RefusingSmtp:
    """A real SMTP server (aiosmtpd) that refuses every recipient, naming it."""

    async def handle_RCPT(self, _server, _session, _envelope, address, _options):
        return f"550 5.1.1 <{address}>: Recipient address rejected"


def test_smtp_errors_are_logged_without_the_address(
    make_app, database_url, caplog
) -> None:
    port = _free_port()
    controller = Controller(RefusingSmtp(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        app = make_app(
            DATABASE_URL=database_url,
            KB_ENV="production",
            BASE_URL=BASE,
            SMTP_HOST="127.0.0.1",
            SMTP_PORT=port,
            SMTP_TLS=False,
        )
        with caplog.at_level(logging.WARNING):
            open_ticket(app.test_client(), base_url=BASE)
            wait_for_mail()
    finally:
        controller.stop()
    warnings = [r.getMessage() for r in caplog.records if "not sent" in r.getMessage()]
    assert warnings and "SMTPRecipientsRefused (1 recipient(s))" in warnings[0]
    assert CONTACT_FORM["email"] not in caplog.text
    (row,) = rows(app, OutboxMail)
    assert row.sent_at is None and row.attempts == 1  # kept for a retry

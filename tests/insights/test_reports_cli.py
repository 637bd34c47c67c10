"""``kb reports rollup|purge|digest``: the nightly jobs, and the digest mailed to
editors through a real SMTP server (aiosmtpd), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from helpers import make_staff, rows

from kb.services import events
from kb.storage.db import standalone_session
from kb.storage.models import DailyCount, SearchLog


class Inbox:
    """aiosmtpd on a free loopback port, keeping what it receives."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.messages: list[email.message.EmailMessage] = []
        self.lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, _server, _session, envelope) -> str:
        message = email.message_from_bytes(
            envelope.content, policy=email.policy.default
        )
        with self.lock:
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 10.0) -> list:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.05)
        raise AssertionError(f"{count} mail(s) did not arrive")


@pytest.fixture()
def inbox() -> Iterator[Inbox]:
    server = Inbox()
    server.controller.start()
    yield server
    server.controller.stop()


@pytest.fixture()
def cli_app(make_app, database_url: str, inbox: Inbox):
    return make_app(
        DATABASE_URL=database_url,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=inbox.port,
        SMTP_TLS=False,
        BASE_URL="https://help.example",
    )


def _old_searches(app, days_ago: int, n: int, query: str = "ongkir") -> None:
    with app.app_context(), standalone_session() as db:
        when = dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago)
        events.write(
            db,
            [
                events.SearchPerformed(
                    events.new_key(),
                    query,
                    "id",
                    0,
                    False,
                    False,
                    "page",
                    f"visit-cli{days_ago:03d}{i:04d}",
                )
                for i in range(n)
            ],
            now=when,
        )


def test_rollup_then_purge_keeps_the_counts(cli_app) -> None:
    _old_searches(cli_app, 200, 3)
    _old_searches(cli_app, 2, 4)
    runner = cli_app.test_cli_runner()
    result = runner.invoke(args=["reports", "rollup"])
    assert result.exit_code == 0 and "rolled up" in result.output
    assert any(r.metric == "search_zero" for r in rows(cli_app, DailyCount))
    again = runner.invoke(args=["reports", "rollup"])
    assert "rolled up 0 day(s)" in again.output  # nothing left to close
    purged = runner.invoke(args=["reports", "purge", "--older-than", "180"])
    assert purged.exit_code == 0, purged.output
    assert "purged 3 search(es)" in purged.output
    assert len(rows(cli_app, SearchLog)) == 4
    bad = runner.invoke(args=["reports", "purge", "--older-than", "0"])
    assert bad.exit_code != 0 and "--older-than" in bad.output


def test_digest_mails_editors_the_gaps(cli_app, inbox: Inbox) -> None:
    make_staff(cli_app, "agent", "editor", "admin")
    _old_searches(cli_app, 1, 3, "garansi gadget")
    result = cli_app.test_cli_runner().invoke(args=["reports", "digest"])
    assert result.exit_code == 0, result.output
    assert "digest for 2 editor(s): 2 sent" in result.output
    received = inbox.wait_for(2)
    to = sorted(m["To"] for m in received)
    assert to == ["admin@tokorona.example", "editor@tokorona.example"]
    body = received[0].get_body(("plain",)).get_content()
    assert "garansi gadget (id)" in body
    assert "https://help.example/admin/reports/search" in body


def test_digest_works_in_production(make_app, database_url: str, inbox: Inbox) -> None:
    # It crashed: url_for outside a request (production trusts only its own host).
    app = make_app(
        DATABASE_URL=database_url,
        KB_ENV="production",
        BASE_URL="https://help.tokorona.example",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=inbox.port,
        SMTP_TLS=False,
    )
    make_staff(app, "editor")
    _old_searches(app, 1, 3, "garansi gadget")
    result = app.test_cli_runner().invoke(args=["reports", "digest"])
    assert result.exit_code == 0, result.output
    assert "digest for 1 editor(s): 1 sent" in result.output
    [mail] = inbox.wait_for(1)
    body = mail.get_body(("plain",)).get_content()
    assert "garansi gadget (id)" in body
    assert "https://help.tokorona.example/admin/reports/search" in body
    assert "localhost" not in body

"""Inbound mail: ``kb mail fetch`` of 1,000 answers from a real IMAP server.

    .venv/bin/python bench/bench_mail.py [--count 1000] [--repeat 3]

Starts a private Dovecot (as the tests do: tests/dovecot.py; Debian's
``dovecot-imapd`` must be installed) and an app over a fresh SQLite file with 50
tickets. Each round, in the same run and against the same tickets:

1. ``--count`` customers' answers (quoted history included) are put in the
   inbox by IMAP APPEND (not timed), and ``mail_inbox.fetch`` (what
   ``kb mail fetch`` runs) reads, parses, stores and marks them read: the time
   per mail, its IMAP sign-in included.
2. The baseline: the same number of customer replies through the web (``POST``
   of the ticket page's reply form with its CSRF token, the test client), the
   time per reply.

Both run interleaved in batches of 100 so they see the same machine load.

The figure is the ratio fetch-per-mail / web-reply-per-reply (lower is better;
about 1 means an emailed answer costs what a web answer does).
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import tempfile
import time
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

TICKETS = 50
BATCH = 100  # answers per fetch, then as many web replies
QUOTE = (
    "\n\nOn Mon, 7 Dec 2026 at 10:00, Toko Rona Help <bantuan@tokorona.example>\n"
    "wrote:\n> We received your message\n> " + "earlier text " * 40 + "\n"
)
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _answer(reply_to: str, number: int) -> bytes:
    message = EmailMessage()
    message["From"] = f"Customer {number} <customer{number}@example.com>"
    message["To"] = reply_to
    message["Subject"] = "Re: [JWB] We received your message"
    message["Message-ID"] = make_msgid(domain="example.com")
    message.set_content(f"Answer number {number}: the payment went through." + QUOTE)
    return message.as_bytes()


def _tickets(app: Any) -> list[tuple[str, str, str]]:
    """Open :data:`TICKETS` tickets; (reference, secret token, Reply-To) each."""
    import json

    from sqlalchemy import select

    from kb.services import tickets
    from kb.storage.db import standalone_session
    from kb.storage.models import OutboxMail

    opened = []
    with app.test_request_context(), standalone_session() as db:
        for number in range(TICKETS):
            ticket = tickets.open_ticket(
                db,
                tickets.TicketInput(
                    name=f"Customer {number}",
                    email=f"customer{number}@example.com",
                    subject=f"Payment {number}",
                    message="My payment is stuck, please help.",
                ),
                lambda reference, token: f"http://localhost/t/{reference}/{token}",
            )
            row = db.scalars(select(OutboxMail).order_by(OutboxMail.id.desc())).first()
            assert row is not None and row.headers
            reply_to = json.loads(row.headers)["Reply-To"]
            opened.append((ticket.reference, ticket.token, reply_to))
    return opened


def _web_client(app: Any, opened: list[tuple[str, str, str]]) -> tuple[Any, dict]:
    """A customer's client and the CSRF token of each ticket page's form."""
    client = app.test_client()
    tokens = {}
    for reference, token, _ in opened:
        path = f"/t/{reference}/{token}"
        page = client.get(path).get_data(as_text=True)
        found = _CSRF.search(page)
        assert found, page[:500]
        tokens[path] = found.group(1)
    return client, tokens


def _web_replies(client: Any, tokens: dict[str, str], first: int, count: int) -> float:
    """Seconds for ``count`` customer replies through the ticket page's form."""
    paths = list(tokens)
    started = time.perf_counter()
    for number in range(first, first + count):
        path = paths[number % len(paths)]
        response = client.post(
            path,
            data={
                "csrf_token": tokens[path],
                "message": f"Web answer {number}: the payment went through.",
            },
        )
        assert response.status_code == 302, response.status_code
    return time.perf_counter() - started


def _fetch(
    app: Any, imap: Any, opened: list[tuple[str, str, str]], first: int, count: int
) -> float:
    """Seconds for ``kb mail fetch``'s work on ``count`` answers in the inbox."""
    from kb.cli import inbound_handler
    from kb.services import mail_inbox

    numbers = range(first, first + count)
    imap.deliver(*(_answer(opened[n % len(opened)][2], n) for n in numbers))
    config = {**app.config, **imap.config()}
    started = time.perf_counter()
    counts = mail_inbox.fetch(config, inbound_handler(app))
    seconds = time.perf_counter() - started
    assert counts == {"added": count}, counts
    return seconds


def main() -> int:
    """Run the rounds and print per-mail times and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()

    import logging

    import dovecot

    # KB_MAIL_BACKEND=log logs a line per acknowledgement; the figures matter here.
    logging.getLogger("kb.services.mail").setLevel(logging.ERROR)

    if dovecot.DOVECOT is None:
        print("dovecot is not installed (apt-get install dovecot-imapd)")
        return 1
    from kb import create_app
    from kb.storage import migrate

    tmp = Path(tempfile.mkdtemp(prefix="jawab-bench-mail-"))
    try:
        url = f"sqlite:///{tmp / 'kb.sqlite3'}"
        migrate.upgrade(url)
        app = create_app(
            {
                "SECRET_KEY": "bench",
                "ARTICLES_DIR": str(ROOT / "tests" / "data" / "articles"),
                "SEARCH_INDEX_DIR": str(tmp / "index"),
                "DATABASE_URL": url,
                "MAIL_BACKEND": "log",
                "MAIL_REPLY_ADDRESS": "bantuan+{token}@tokorona.example",
                "RATELIMIT_ENABLED": False,
            }
        )
        opened = _tickets(app)
        ratios = []
        with dovecot.dovecot() as imap:
            client, tokens = _web_client(app, opened)
            for round_ in range(args.repeat):
                # Interleaved in batches, so both sides see the same load.
                fetch = web = 0.0
                for first in range(0, args.count, BATCH):
                    size = min(BATCH, args.count - first)
                    fetch += _fetch(app, imap, opened, first, size)
                    web += _web_replies(client, tokens, first, size)
                fetch, web = fetch / args.count, web / args.count
                ratios.append(fetch / web)
                print(
                    f"round {round_ + 1}: kb mail fetch {fetch * 1000:.2f} ms/mail, "
                    f"web reply {web * 1000:.2f} ms/reply, ratio {fetch / web:.2f}"
                )
        print(
            f"ratio fetch/web over {args.repeat} round(s): "
            f"{min(ratios):.2f}-{max(ratios):.2f} (median "
            f"{statistics.median(ratios):.2f}), {args.count} mails each"
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

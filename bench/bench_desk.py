"""The agents' ticket page against the article page (issue 22), in one process.

    .venv/bin/python bench/bench_desk.py --repeat 3

A ticket with 20 messages (10 from the customer, 10 replies and notes by two
agents, each with its author) carrying 10 attachments (photos and PDFs, checked
and re-encoded as an upload would be), 5 other tickets from the same customer, a
colleague's draft (the "also replying" notice) and a rating; then, through
Flask's test client in one process (like one worker), the agent's ticket page,
the customer's ticket page and the ticket report (cache off) against the
sample article page, both as an anonymous visitor gets it (from the page cache)
and as signed-in staff get it (rendered each time). Figures are ratios of the
same run, with the range over ``--repeat`` runs; "thumbnail" is one image's
thumbnail through the customer's link. ``--tickets N`` adds N tickets over the
last 30 days, each solved, reopened and solved again (every other one still
open), for the report's backlog, read from that history. Not run by CI.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench.timing import load_average, span, timed  # noqa: E402


def _seed(app, folder: Path) -> tuple[str, str]:
    from sqlalchemy import select

    from kb.services import agent_tickets, ticket_presence, tickets, users
    from kb.storage.db import standalone_session
    from kb.storage.models import User

    with app.app_context(), standalone_session() as db:
        for email, name, role in (
            ("ana@x.example", "Ana", "editor"),  # an editor: the report too
            ("budi@x.example", "Budi", "agent"),
        ):
            users.create(db, email, role, "correct horse battery staple", name)
        ana, budi = (
            db.scalars(select(User).where(User.email == e)).one().id
            for e in ("ana@x.example", "budi@x.example")
        )

        def link(r: str, t: str) -> str:
            return f"http://x/t/{r}/{t}"

        for n in range(6):
            opened = tickets.open_ticket(
                db,
                tickets.TicketInput(
                    name="Siti Aminah",
                    email="siti@mail.example",
                    subject=f"Refund belum masuk {n}",
                    message="Saya sudah transfer dua minggu lalu. Belum ada refund.",
                    lang="en",
                ),
                link,
            )
        ticket = agent_tickets.get(db, opened.reference)
        assert ticket is not None
        for n in range(9):
            agent_tickets.add_message(
                db,
                ticket,
                ana if n % 2 else budi,
                f"Step {n}: see [Reset your password](http://localhost/en/articles/"
                "reset-password#if-you-forgot-your-password) and **retry**.",
                internal=n % 3 == 0,
                status=None,
                site_root="http://localhost/en",
                link_for=link,
            )
            tickets.add_customer_reply(db, ticket, f"Reply {n}: still nothing.\n" * 3)
        agent_tickets.add_message(
            db,
            ticket,
            ana,
            "Solved.",
            internal=False,
            status="resolved",
            site_root="http://localhost/en",
            link_for=link,
        )
        _attach(app, db, ticket)
        tickets.rate(db, ticket, "good", "Thanks", 7)
        ticket_presence.seen(db, ticket.id, budi)
        return opened.reference, opened.token


def _history(app, count: int) -> None:
    """``count`` more tickets over the last 30 days, each solved, reopened, solved
    again (every other one still open): the ticket report's backlog reads it."""
    import datetime as dt
    import secrets

    from kb.storage.db import standalone_session
    from kb.storage.models import Ticket, TicketEvent

    now = dt.datetime.now(dt.UTC)
    with app.app_context(), standalone_session() as db:
        for n in range(count):
            opened = now - dt.timedelta(days=30) + dt.timedelta(hours=n * 700 / count)
            times = [opened + dt.timedelta(days=d) for d in (1, 3, 5)]
            still_open = n % 2 == 1
            ticket = Ticket(
                reference=f"BENCH{n:06d}",
                token_hash=secrets.token_hex(32),
                subject=f"History {n}",
                name="Siti",
                email=f"s{n}@mail.example",
                lang="en",
                status="open" if still_open else "resolved",
                created_at=opened,
                resolved_at=None if still_open else times[2],
            )
            db.add(ticket)
            db.flush()
            changes = [("open", "resolved"), ("resolved", "open")]
            if not still_open:
                changes.append(("open", "resolved"))
            for (old, new), when in zip(changes, times, strict=False):
                db.add(
                    TicketEvent(
                        ticket_id=ticket.id,
                        field="status",
                        old_value=old,
                        new_value=new,
                        created_at=when,
                    )
                )
        db.commit()


def _attach(app, db, ticket) -> None:
    """10 files on the first 10 messages: photos and PDFs."""
    import io

    from PIL import Image

    from kb.services import attachments

    limits = attachments.Limits.from_config(app.config)
    for n, message in enumerate(ticket.messages[:10]):
        if n % 3 == 2:
            name, data = (
                f"receipt-{n}.pdf",
                (
                    b"%PDF-1.4\n1 0 obj\n<< /Length 9 >>\nstream\nBT () Tj\n"
                    b"endstream\nendobj\ntrailer\n<< >>\n%%EOF\n"
                ),
            )
        else:
            image = Image.new("RGB", (1200, 1600), (30 + 20 * n, 120, 200))
            out = io.BytesIO()
            image.save(out, "JPEG")
            name, data = f"photo-{n}.jpg", out.getvalue()
        files = attachments.check([attachments.Upload(name, data)], limits)
        attachments.attach(db, message, files, limits)


def run(repeat: int, calls: int, history: int = 0) -> None:
    """Build the app and data once per run, then time the pages."""
    from kb import create_app
    from kb.storage import migrate

    ratios: dict[str, list[float]] = {
        "agent": [],
        "customer": [],
        "thumbnail": [],
        "report": [],
    }
    rendered: dict[str, list[float]] = {k: [] for k in ratios}
    medians: dict[str, list[float]] = {
        "article": [],
        "rendered": [],
        **{k: [] for k in ratios},
    }
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            url = f"sqlite:///{folder / 'kb.sqlite3'}"
            migrate.upgrade(url)
            app = create_app(
                {
                    "TESTING": False,
                    "SECRET_KEY": "bench",
                    "ARTICLES_DIR": str(ROOT / "articles"),
                    "SEARCH_INDEX_DIR": str(folder / "search_index"),
                    "DATABASE_URL": url,
                    "EVENTS_ENABLED": False,
                    "RATELIMIT_ENABLED": False,
                    "REPORT_CACHE_SECONDS": 0,
                    "MAIL_BACKEND": "log",
                }
            )
            reference, token = _seed(app, folder)
            _history(app, history)
            agent = app.test_client()
            # The sign-in form with its CSRF token (templates render the token).
            form = agent.get("/agent/login").get_data(as_text=True)
            csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)
            assert csrf, "no CSRF token on the sign-in page"
            signed = agent.post(
                "/agent/login",
                data={
                    "csrf_token": csrf.group(1),
                    "email": "ana@x.example",
                    "password": "correct horse battery staple",
                },
            )
            assert signed.status_code == 302, "sign-in failed"
            customer = app.test_client()
            with app.app_context():
                from sqlalchemy import select

                from kb.storage.db import standalone_session
                from kb.storage.models import Attachment

                with standalone_session() as db:
                    image = db.scalars(
                        select(Attachment.id).where(Attachment.thumbnail.is_not(None))
                    ).first()
            pages = {
                "article": (customer, "/en/articles/reset-password"),
                # Signed in, the article page is rendered on every request.
                "rendered": (agent, "/en/articles/reset-password"),
                "agent": (agent, f"/agent/tickets/{reference}"),
                "customer": (customer, f"/t/{reference}/{token}"),
                "thumbnail": (customer, f"/t/{reference}/{token}/files/{image}/thumb"),
                "report": (agent, "/admin/reports/tickets"),
            }
            for client, path in pages.values():  # warm: templates, caches
                for _ in range(5):
                    assert client.get(path).status_code == 200, path
            run_medians = {}
            for name, (client, path) in pages.items():
                run_medians[name] = statistics.median(
                    timed(lambda c=client, p=path: c.get(p), calls)
                )
                medians[name].append(run_medians[name] * 1000)
            for name in ratios:
                ratios[name].append(run_medians[name] / run_medians["article"])
                rendered[name].append(run_medians[name] / run_medians["rendered"])
    print(
        f"# bench_desk: {load_average()}; {calls} calls per page, {repeat} runs, "
        f"{history} tickets with a history"
    )
    for name, values in medians.items():
        print(f"{name:9} median {span(values)} ms")
    for name, values in ratios.items():
        print(
            f"{name:9} ÷ article page (cached): {span(values)}×, "
            f"÷ article page rendered: {span(rendered[name])}×"
        )


def main() -> None:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument(
        "--tickets",
        type=int,
        default=0,
        help="more tickets, each solved, reopened and solved (the report's backlog)",
    )
    args = parser.parse_args()
    run(args.repeat, args.calls, args.tickets)


if __name__ == "__main__":
    main()

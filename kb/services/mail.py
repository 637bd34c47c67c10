"""Outgoing mail through an outbox table, so a failed send never loses anything.

A mail is written in the same transaction as the change it reports (a new
ticket, a new link). Delivery happens afterwards: by the one delivery thread of
each worker process, which :func:`wake` starts (or, when it is already busy,
tells to look again) and which ends when nothing is due, and by
``kb outbox send`` (run it from cron or with ``--loop``). A hanging SMTP server
therefore holds one thread per worker, never one per request. Each row is
claimed with a conditional UPDATE (a lease), so two workers never send the same
mail; a failure is retried with backoff.
"""

from __future__ import annotations

import atexit
import datetime as dt
import json
import logging
import os
import re
import smtplib
import ssl
import threading
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr
from typing import Any

from flask import Flask, current_app, has_request_context, render_template
from flask_babel import force_locale
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from kb.services import mail_threading
from kb.storage.models import OutboxMail, Ticket, utcnow

log = logging.getLogger(__name__)
LEASE = dt.timedelta(minutes=5)
SECRET_LINK = re.compile(r"/t/(JWB-[0-9A-Z]+)/[A-Za-z0-9_-]{20,}")
# An invitation's or password reset's one-time link (kb.services.account_links).
ACCOUNT_LINK = re.compile(r"/agent/(welcome|reset)/[A-Za-z0-9_-]{20,}")
MAX_BACKOFF = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Mail:
    """One email to send."""

    to: str
    subject: str
    body: str
    html: str | None = None  # the HTML part of a multipart mail
    # Extra headers (a ticket mail's Reply-To, Message-ID, References, X-Jawab).
    headers: tuple[tuple[str, str], ...] = ()


def _render(ticket: Ticket, template: str, **values: object) -> Mail:
    # Every mail is written here, in the ticket's language, from mail/*.txt:
    # the first paragraph is the subject.
    with force_locale(ticket.lang):
        text = render_template(
            f"mail/{template}.txt",
            ticket=ticket,
            site_name=current_app.config["SITE_NAME"],
            **values,
        )
    subject, _, body = text.strip().partition("\n\n")
    return Mail(ticket.email, subject.strip(), body.strip() + "\n")


def ticket_opened(ticket: Ticket, link: str) -> Mail:
    """The acknowledgement with the reference and the secret link (text and HTML)."""
    text = _render(ticket, "ticket_opened", link=link)
    return _with_html(text, ticket, "ticket_opened", link=link)


def new_link(ticket: Ticket, link: str) -> Mail:
    """A replacement secret link, the old one no longer works (text and HTML)."""
    text = _render(ticket, "new_link", link=link)
    return _with_html(text, ticket, "new_link", link=link)


def _with_html(mail: Mail, ticket: Ticket, template: str, **values: object) -> Mail:
    # The HTML part: mail/<template>.html, autoescaped; ``values`` as for the text.
    with force_locale(ticket.lang):
        html = render_template(
            f"mail/{template}.html",
            ticket=ticket,
            site_name=current_app.config["SITE_NAME"],
            subject=mail.subject,
            **values,
        )
    return Mail(mail.to, mail.subject, mail.body, html)


def agent_reply(
    ticket: Ticket,
    body_html: str,
    link: str,
    rate_link: str | None = None,
    author: str | None = None,
    new_link_url: str = "",
) -> Mail:
    """An agent's answer, text and HTML from its Markdown, with the secret link.

    ``rate_link`` (the rating form) when the reply solved the ticket; ``author``
    is named only when customers are shown agents' names (KB_PUBLIC_AGENT_NAMES).
    """
    from markupsafe import Markup

    from kb.services.mail_format import plain_text

    shown = author if current_app.config.get("PUBLIC_AGENT_NAMES", True) else None
    values: dict[str, object] = {
        "link": link,
        "rate_link": rate_link,
        "author": shown,
        "new_link_url": new_link_url,
    }
    text = _render(ticket, "agent_reply", body=plain_text(body_html), **values)
    # Sanitized when the message was saved (kb.markdown.message_html).
    html = Markup(body_html)  # noqa: S704
    return _with_html(text, ticket, "agent_reply", body=html, **values)


def ticket_solved(ticket: Ticket, link: str, rate_link: str) -> Mail:
    """The ticket was solved: how did we do? (links to the rating form)."""
    values: dict[str, object] = {"link": link, "rate_link": rate_link}
    text = _render(ticket, "ticket_solved", **values)
    return _with_html(text, ticket, "ticket_solved", **values)


def reports_digest(to: str, lang: str, **values: object) -> Mail:
    """The week's top search gaps and worst-rated sections, for an editor."""
    with force_locale(lang):
        text = render_template(
            "mail/reports_digest.txt",
            site_name=current_app.config["SITE_NAME"],
            **values,
        )
    subject, _, body = text.strip().partition("\n\n")
    return Mail(to, subject.strip(), body.strip() + "\n")


def draft_reopened(to: str, **values: object) -> Mail:
    """A draft someone scheduled was changed: it is back to being written."""
    with force_locale(current_app.config["DEFAULT_LANG"]):
        text = render_template(
            "mail/draft_reopened.txt",
            site_name=current_app.config["SITE_NAME"],
            **values,
        )
    subject, _, body = text.strip().partition("\n\n")
    return Mail(to, subject.strip(), body.strip() + "\n")


def _staff_mail(to: str, template: str, **values: object) -> Mail:
    # Staff mail is in the site's default language (staff choose theirs per page).
    with force_locale(current_app.config["DEFAULT_LANG"]):
        text = render_template(
            f"mail/{template}.txt",
            site_name=current_app.config["SITE_NAME"],
            **values,
        )
    subject, _, body = text.strip().partition("\n\n")
    return Mail(to, subject.strip(), body.strip() + "\n")


def staff_invite(to: str, **values: object) -> Mail:
    """An invitation to join the staff: a one-time link to set a password."""
    return _staff_mail(to, "staff_invite", **values)


def password_reset(to: str, **values: object) -> Mail:
    """A one-time link to choose a new staff password."""
    return _staff_mail(to, "password_reset", **values)


_QUEUED = "jawab.mail_queued"
# What runs at the start of every delivery round, registered by the services
# that queue mail there (tickets mails new links): the outbox imports none of them.
_BEFORE_DELIVERY: list[Callable[[Session], object]] = []


def before_delivery(hook: Callable[[Session], object]) -> Callable[[Session], object]:
    """Run ``hook(db)`` at the start of every delivery round; returns it.

    Registering the same hook twice (a module imported again) keeps one.
    """
    if hook not in _BEFORE_DELIVERY:
        _BEFORE_DELIVERY.append(hook)
    return hook


def mask_email(email: str) -> str:
    """``budi.santoso@mail.com`` → ``b***o@m***.com`` for logs and non-agent pages."""
    local, _, domain = email.partition("@")
    host, dot, tld = domain.rpartition(".")
    masked_local = local[:1] + "***" + (local[-1:] if len(local) > 1 else "")
    return f"{masked_local}@{host[:1]}***{dot}{tld}" if host else masked_local


def enqueue(db: Session, mail: Mail, ticket: Ticket | None = None) -> None:
    """Add a mail to the outbox in the caller's transaction.

    A mail about ``ticket`` gets its threading headers and a new reply token
    (:mod:`kb.services.mail_threading`), so the customer can answer it.
    Delivery starts by itself when that transaction commits (see
    :func:`_wake_after_commit`): no caller has to remember to start it.
    """
    headers = dict(mail.headers)
    if ticket is not None:
        headers.update(mail_threading.ticket_headers(db, ticket, current_app.config))
    db.add(
        OutboxMail(
            to_address=mail.to,
            subject=mail.subject,
            body=mail.body,
            headers=json.dumps(headers) if headers else None,
            html_body=mail.html,
        )
    )
    deliver_after_commit(db)


def deliver_after_commit(db: Session) -> None:
    """Wake delivery once ``db``'s transaction commits (mail or link requests)."""
    db.info[_QUEUED] = True


@event.listens_for(Session, "after_commit")
def _wake_after_commit(db: Session) -> None:
    # Only a web request hands mail to the background thread; the CLI and the
    # deliverer itself send in the same run (``deliver_pending``).
    if db.info.pop(_QUEUED, False) and has_request_context():
        wake(current_app._get_current_object())  # type: ignore[attr-defined]


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(db: Session) -> None:
    db.info.pop(_QUEUED, None)  # nothing was queued after all


class ConsoleSender:
    """Development: print mail instead of sending it (never in production)."""

    def send(self, mail: Mail) -> None:
        """Print the mail to standard output."""
        print(f"--- mail to {mail.to}: {mail.subject}\n{mail.body}---", flush=True)


class LogSender:
    """``KB_MAIL_BACKEND=log``: send nothing, log that a mail was due.

    Only the masked recipient and the subject are logged: bodies carry secret
    links and customers' words, and the log is read by more people than mail.
    Subjects are Jawab's own text (the ticket reference and a fixed phrase).
    """

    def send(self, mail: Mail) -> None:
        """Log one line for the mail instead of sending it."""
        log.warning(
            "mail not sent (KB_MAIL_BACKEND=log): to %s, subject %r",
            mask_email(mail.to),
            mail.subject,
        )


@dataclass
class SmtpSender:
    """Send through an SMTP server (STARTTLS when ``tls``)."""

    host: str
    port: int
    user: str
    password: str
    tls: bool
    sender: str

    def send(self, mail: Mail) -> None:
        """Deliver one mail or raise."""
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = mail.to
        message["Subject"] = mail.subject
        address = parseaddr(self.sender)[1]
        for name, value in mail.headers:
            message[name] = value
        if "Message-ID" not in message:
            domain = address.rpartition("@")[2] or None
            message["Message-ID"] = make_msgid(domain=domain)
        message.set_content(mail.body)
        if mail.html:
            message.add_alternative(mail.html, subtype="html")
        with smtplib.SMTP(self.host, self.port, timeout=20) as smtp:
            if self.tls:
                smtp.starttls(context=ssl.create_default_context())
            if self.user:
                smtp.login(self.user, self.password)
            smtp.send_message(message)


Sender = ConsoleSender | LogSender | SmtpSender


def sender_for(config: Mapping[str, Any]) -> Sender:
    """The sender ``KB_MAIL_BACKEND`` names (see :func:`kb.config.validate`)."""
    if config["MAIL_BACKEND"] == "console":
        return ConsoleSender()
    if config["MAIL_BACKEND"] == "log":
        return LogSender()
    return SmtpSender(
        config["SMTP_HOST"],
        config["SMTP_PORT"],
        config["SMTP_USER"],
        config["SMTP_PASSWORD"],
        config["SMTP_TLS"],
        config["MAIL_FROM"],
    )


def _claim(db: Session, row: OutboxMail) -> bool:
    """Lease a row for this sender; False when another sender got it first."""
    now = utcnow()
    claimed = db.execute(
        update(OutboxMail)
        .where(
            OutboxMail.id == row.id,
            OutboxMail.sent_at.is_(None),
            OutboxMail.next_attempt_at == row.next_attempt_at,
        )
        .values(next_attempt_at=now + LEASE)
    ).rowcount  # type: ignore[attr-defined]  # a CursorResult
    db.commit()
    return claimed == 1


def describe(exc: BaseException) -> str:
    """What went wrong with a send, for the log: never an address or a text.

    smtplib's errors carry the refused recipients and the server's answer
    (which may quote the address); the log gets the kind and the code only.
    """
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return f"SMTPRecipientsRefused ({len(exc.recipients)} recipient(s))"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{type(exc).__name__} (SMTP {exc.smtp_code})"
    if isinstance(exc, OSError) and exc.strerror:
        return f"{type(exc).__name__}: {exc.strerror}"
    return type(exc).__name__


def deliver_pending(
    db: Session,
    sender: Sender,
    limit: int = 100,
    stop: Callable[[], bool] = lambda: False,
) -> tuple[int, int]:
    """Send due mail; return (sent, failed). Failures are retried later.

    The :func:`before_delivery` hooks run first (tickets matches new-link
    requests there), so the mail they queue goes out in this round.
    ``stop`` is asked before each mail: when it answers True, the mail in
    flight is finished and recorded, and the rest stays queued.
    """
    for hook in _BEFORE_DELIVERY:
        hook(db)
    due = db.scalars(
        select(OutboxMail)
        .where(OutboxMail.sent_at.is_(None), OutboxMail.next_attempt_at <= utcnow())
        .order_by(OutboxMail.id)
        .limit(limit)
    ).all()
    sent = failed = 0
    for row in due:
        if stop():
            break
        if not _claim(db, row):
            continue
        try:
            headers = tuple(json.loads(row.headers).items()) if row.headers else ()
            sender.send(
                Mail(
                    row.to_address,
                    row.subject,
                    row.body,
                    row.html_body,
                    headers=headers,
                )
            )
        except Exception as exc:  # noqa: BLE001 - one bad row must not stop the rest
            row.attempts += 1
            backoff = min(dt.timedelta(seconds=30 * 2**row.attempts), MAX_BACKOFF)
            row.next_attempt_at = utcnow() + backoff
            row.last_error = f"{type(exc).__name__}: {exc}"[:1000]
            failed += 1
            log.warning(
                "mail %s not sent, retry in %s: %s", row.id, backoff, describe(exc)
            )
        else:
            row.sent_at = utcnow()
            row.attempts += 1
            row.headers = None  # its Reply-To holds a working reply token
            # Only the customer should hold a working secret link, not our tables.
            row.body = SECRET_LINK.sub(r"/t/\1/[link removed after sending]", row.body)
            row.body = ACCOUNT_LINK.sub(
                r"/agent/\1/[link removed after sending]", row.body
            )
            if row.html_body:
                row.html_body = SECRET_LINK.sub(
                    r"/t/\1/[link removed after sending]", row.html_body
                )
                row.html_body = ACCOUNT_LINK.sub(
                    r"/agent/\1/[link removed after sending]", row.html_body
                )
            sent += 1
        db.commit()
    return sent, failed


THREAD_NAME = "jawab-mail"


class _Deliverer:
    """The one delivery thread of this process for one app.

    :meth:`wake` sets ``wanted``; the thread runs while it is set (clearing it
    before each pass, so mail queued during a pass gets another) and ends when
    nothing new was queued. The lock makes "start a thread" and "the thread
    ends" exclusive, so a wake is never lost and never starts a second thread.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.wanted = threading.Event()
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None

    def wake(self) -> None:
        """Have the thread look at the outbox (starting it when idle)."""
        with self.lock:
            if self.stopping.is_set():
                return  # the process is exiting: the outbox keeps the mail
            self.wanted.set()
            if self.thread is None:
                self.thread = threading.Thread(
                    target=self._run, name=THREAD_NAME, daemon=True
                )
                self.thread.start()

    def _run(self) -> None:
        while True:
            with self.lock:
                if not self.wanted.is_set() or self.stopping.is_set():
                    self.thread = None
                    return
                self.wanted.clear()
            self._deliver()

    def _deliver(self) -> None:
        from kb.storage.db import standalone_session

        try:
            with self.app.app_context(), standalone_session() as db:
                deliver_pending(
                    db, sender_for(self.app.config), stop=self.stopping.is_set
                )
        except Exception:  # noqa: BLE001 - the outbox retries; never crash
            log.exception("background mail delivery failed")

    def stop(self, timeout: float) -> None:
        """Finish the mail in flight, start no other, wait up to ``timeout`` s."""
        with self.lock:
            self.stopping.set()
            thread = self.thread
        if thread is not None:
            thread.join(timeout)

    def after_fork(self) -> None:
        # A forked child has none of its parent's threads, and may have copied
        # the lock while held.
        self.lock = threading.Lock()
        self.thread = None


_deliverers: weakref.WeakSet[_Deliverer] = weakref.WeakSet()
_deliverers_lock = threading.Lock()


def _deliverer(app: Flask) -> _Deliverer:
    found = app.extensions.get("jawab.mail")
    if found is None:
        with _deliverers_lock:
            found = app.extensions.get("jawab.mail")
            if found is None:
                found = app.extensions["jawab.mail"] = _Deliverer(app)
                _deliverers.add(found)
    return found


def wake(app: Flask) -> None:
    """Deliver due mail soon, on this process's one delivery thread."""
    _deliverer(app).wake()


def stop_deliveries(timeout: float = 10.0) -> None:
    """Stop every delivery thread of this process, finishing mail in flight."""
    for deliverer in list(_deliverers):
        deliverer.stop(timeout)


def _reset_after_fork() -> None:
    global _deliverers_lock
    _deliverers_lock = threading.Lock()
    for deliverer in list(_deliverers):
        deliverer.after_fork()


os.register_at_fork(after_in_child=_reset_after_fork)
# A worker stopping normally (gunicorn's SIGTERM, sys.exit) lets mail in flight
# be marked sent, so it is not sent again when its lease expires (delivery is
# at least once, not twice).
atexit.register(stop_deliveries)

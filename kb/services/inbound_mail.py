"""Customers' answers by email: onto their ticket, or refused, or ignored.

:func:`receive` takes one raw mail, from ``kb mail fetch`` (IMAP) or
``kb mail serve`` (SMTP/LMTP), and decides once:

- a mail Jawab sent itself (``X-Jawab``, our Message-ID): a loop, dropped;
- a machine's mail (auto-reply, bulk, bounce, delivery report): ignored;
- a reply token (:mod:`kb.services.mail_threading`) that matches a ticket: the
  new text (quoted history stripped) is added as the customer's message, which
  reopens the ticket as an answer through the web does;
- a token that matches nothing: refused;
- no token at all: refused, unless ``KB_MAIL_NEW_TICKETS`` opens a ticket.

Each mail's Message-ID is remembered, so one delivered twice is added once.
Attachments go to the hooks registered with :func:`on_attachments` (the
attachments service stores them); with none registered they are not kept.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kb.services import mail, mail_threading, tickets
from kb.services.inbound_parse import Attachment, Inbound, automatic_reason, parse
from kb.storage.models import InboundMail, Message, Ticket

log = logging.getLogger(__name__)
MAX_TEXT = 20_000  # characters kept of one answer (the web form takes 5,000)
CUT = "\n\n[…]"

AttachmentHook = Callable[[Session, Ticket, Message, list[Attachment]], object]
_ATTACHMENT_HOOKS: list[AttachmentHook] = []


@dataclass(frozen=True)
class Outcome:
    """What became of one mail: ``kind`` and, for people, why."""

    kind: str  # added, opened, ignored, refused, loop, duplicate
    reason: str
    reference: str | None = None
    # Why a refused mail was refused, for the sender's bounce: "unknown-token"
    # (a reply address that matches no ticket) or "no-ticket" (none at all).
    refusal: str = ""

    @property
    def refused(self) -> bool:
        """True when the sender should hear that the mail reached no ticket."""
        return self.kind == "refused"


def on_attachments(hook: AttachmentHook) -> AttachmentHook:
    """Call ``hook(db, ticket, message, attachments)`` for mail with files."""
    if hook not in _ATTACHMENT_HOOKS:
        _ATTACHMENT_HOOKS.append(hook)
    return hook


def _fingerprint(inbound: Inbound, raw: bytes) -> str:
    key = inbound.message_id.encode() if inbound.message_id else raw
    return hashlib.sha256(key).hexdigest()


def _text(inbound: Inbound) -> str:
    text = inbound.text
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT].rstrip() + CUT


def receive(
    db: Session,
    raw: bytes,
    config: Mapping[str, Any],
    link_for: Callable[[str, str], str],
) -> Outcome:
    """Handle one received mail and say what became of it (see the module).

    ``link_for(reference, token)`` builds a new ticket's secret link for its
    acknowledgement (only with ``KB_MAIL_NEW_TICKETS``).
    """
    try:
        inbound = parse(raw)
        early = _classify(inbound, config)
        fingerprint = _fingerprint(inbound, raw)
    except Exception:  # noqa: BLE001 - one unreadable mail must not block the rest
        log.warning("inbound mail ignored: it could not be read", exc_info=True)
        return Outcome("ignored", "the mail could not be read")
    if db.scalars(
        select(InboundMail.id).where(InboundMail.message_id_hash == fingerprint)
    ).first():
        return Outcome("duplicate", "this mail was handled before")
    # Recorded in the transaction that adds the message: both or neither.
    record = InboundMail(message_id_hash=fingerprint, outcome="pending")
    db.add(record)
    try:
        if isinstance(early, Outcome):
            outcome = early
        else:
            outcome = _decide(db, inbound, early, config, link_for, record)
        record.outcome = outcome.kind
        db.commit()
    except IntegrityError:  # another receiver took the same mail meanwhile
        db.rollback()
        return Outcome("duplicate", "this mail was handled before")
    log.info(
        "inbound mail from %s: %s (%s)",
        mail.mask_email(inbound.sender),
        outcome.kind,
        outcome.reason,
    )
    return outcome


def _classify(inbound: Inbound, config: Mapping[str, Any]) -> Outcome | list[str]:
    """What the mail alone says: a loop, a machine's mail, or its reply tokens."""
    own = parseaddr(config["MAIL_FROM"])[1].lower()
    if mail_threading.is_our_own(inbound.message) or (own and inbound.sender == own):
        return Outcome("loop", "sent by Jawab itself")
    reason = automatic_reason(inbound)
    if reason is not None:
        return Outcome("ignored", f"automatic mail ({reason})")
    return mail_threading.tokens_in(inbound.message, config)


def _decide(
    db: Session,
    inbound: Inbound,
    tokens: list[str],
    config: Mapping[str, Any],
    link_for: Callable[[str, str], str],
    record: InboundMail,
) -> Outcome:
    if tokens:
        ticket = mail_threading.find_ticket(db, tokens)
        if ticket is None:
            return Outcome(
                "refused", "its ticket token matches no ticket", refusal="unknown-token"
            )
        record.ticket_id = ticket.id
        return _add(db, ticket, inbound, record)
    if not config.get("MAIL_NEW_TICKETS"):
        reason = "it answers no ticket, and KB_MAIL_NEW_TICKETS is off"
        return Outcome("refused", reason, refusal="no-ticket")
    return _open(db, inbound, config, link_for, record)


def _add(db: Session, ticket: Ticket, inbound: Inbound, record: InboundMail) -> Outcome:
    text = _text(inbound)
    if not text and not inbound.attachments:
        return Outcome("ignored", "nothing new (only quoted text)", ticket.reference)
    record.outcome = "added"
    text = _with_unkept_files(text, ticket.lang, inbound.attachments)
    message = tickets.add_customer_reply(db, ticket, text)  # commits the record
    _store_attachments(db, ticket, message, inbound.attachments)
    return Outcome("added", "added to the ticket", ticket.reference)


def _open(
    db: Session,
    inbound: Inbound,
    config: Mapping[str, Any],
    link_for: Callable[[str, str], str],
    record: InboundMail,
) -> Outcome:
    text = _text(inbound)
    if not text:
        return Outcome("ignored", "an empty mail opens no ticket")
    record.outcome = "opened"
    db.flush()  # a mail handled meanwhile fails here, before a ticket is opened
    local = inbound.sender.partition("@")[0]
    opened = tickets.open_ticket(
        db,
        tickets.TicketInput(
            name=(inbound.sender_name or local)[:120],
            email=inbound.sender[:254],
            subject=(inbound.subject or text.split("\n", 1)[0])[:200],
            message=text,
            lang=config["DEFAULT_LANG"],
        ),
        link_for,
    )
    ticket = db.scalars(
        select(Ticket).where(Ticket.reference == opened.reference)
    ).one()
    if record not in db:  # open_ticket rolled back a reference collision
        db.add(record)
    record.ticket_id = ticket.id
    _store_attachments(db, ticket, ticket.messages[0], inbound.attachments)
    return Outcome("opened", "a new ticket", ticket.reference)


def _with_unkept_files(text: str, lang: str, files: list[Attachment]) -> str:
    # Until an attachment store is registered, the message says which files
    # came and were not kept, so the agent can ask for them (never a silent skip).
    if not files or _ATTACHMENT_HOOKS:
        return text
    names = ", ".join(f.filename or f.content_type for f in files)
    with force_locale(lang):
        note = _("[Files sent by email could not be kept: %(names)s]", names=names)
    return f"{text}\n\n{note}".strip()


def _store_attachments(
    db: Session, ticket: Ticket, message: Message, files: list[Attachment]
) -> None:
    if not files:
        return
    if not _ATTACHMENT_HOOKS:
        log.warning(
            "ticket %s: %d attached file(s) not kept (no attachment store)",
            ticket.reference,
            len(files),
        )
    for hook in _ATTACHMENT_HOOKS:
        hook(db, ticket, message, files)

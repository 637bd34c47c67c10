"""Reply tokens and the threading headers of ticket mail; a ticket from an answer.

Every mail about a ticket carries its own random token (160 bits, lower-case
base32 so a mail server that lower-cases addresses keeps it working) in its
``Reply-To`` (``KB_MAIL_REPLY_ADDRESS``, plus-addressing) and its
``Message-ID``; only the token's SHA-256 is stored. A customer's answer names
the token in the address it was sent to or in ``In-Reply-To``/``References``,
and that finds the ticket. A token opens no page: that is the secret link's job.
The outbox imports this module; it imports no service.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import Iterable, Mapping
from email.message import EmailMessage
from email.utils import formataddr, getaddresses, parseaddr
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.storage.models import ReplyToken, Ticket

TOKEN_BYTES = 20  # 160 bits; 32 characters, so help+<token> fits a local part
TOKEN = r"[a-z2-7]{32}"
OWN_MESSAGE_ID = re.compile(rf"<jawab\.({TOKEN})@", re.IGNORECASE)
# Headers naming where a mail was delivered (the envelope, when the server adds it).
ADDRESS_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "To", "Cc")
LOOP_HEADER = "X-Jawab"


def new_token() -> str:
    """A fresh reply token: 32 lower-case base32 characters."""
    raw = base64.b32encode(secrets.token_bytes(TOKEN_BYTES)).decode()
    return raw.lower().rstrip("=")


def hash_token(token: str) -> str:
    """SHA-256 of a reply token (compared in lower case)."""
    return hashlib.sha256(token.lower().encode()).hexdigest()


def mail_domain(config: Mapping[str, Any]) -> str:
    """The domain of Jawab's Message-IDs: that of ``KB_MAIL_FROM``."""
    return parseaddr(config["MAIL_FROM"])[1].rpartition("@")[2] or "localhost"


def ticket_headers(
    db: Session, ticket: Ticket, config: Mapping[str, Any]
) -> dict[str, str]:
    """Threading headers for one mail about ``ticket``, with a new reply token.

    The token's hash is added to ``db`` in the caller's transaction.
    """
    token = new_token()
    db.add(ReplyToken(ticket=ticket, token_hash=hash_token(token)))
    domain = mail_domain(config)
    thread = f"<jawab-ticket.{ticket.reference.lower()}@{domain}>"
    headers = {
        "Message-ID": f"<jawab.{token}@{domain}>",
        "In-Reply-To": thread,
        "References": thread,
        LOOP_HEADER: ticket.reference,
    }
    if config.get("MAIL_REPLY_ADDRESS"):
        address = config["MAIL_REPLY_ADDRESS"].replace("{token}", token)
        headers["Reply-To"] = formataddr((config.get("SITE_NAME", ""), address))
    return headers


def _reply_address_pattern(config: Mapping[str, Any]) -> re.Pattern[str] | None:
    template = config.get("MAIL_REPLY_ADDRESS") or ""
    if not template:
        return None
    before, _, after = template.partition("{token}")
    # Any token-shaped text between the two halves: a wrong one is refused, not
    # mistaken for mail without a token.
    return re.compile(
        rf"^{re.escape(before)}([A-Za-z0-9]+){re.escape(after)}$", re.IGNORECASE
    )


def tokens_in(message: EmailMessage, config: Mapping[str, Any]) -> list[str]:
    """Every reply token an answer names: its addresses first, then its references.

    Token-shaped or not, what stands in the token's place in the reply address
    is returned (so a damaged token is refused rather than ignored).
    """
    found: list[str] = []
    pattern = _reply_address_pattern(config)
    if pattern is not None:
        for _name, address in getaddresses(_all(message, ADDRESS_HEADERS)):
            match = pattern.match(address.strip())
            if match:
                found.append(match.group(1).lower())
    for header in ("In-Reply-To", "References"):
        for value in _all(message, (header,)):
            found.extend(m.lower() for m in OWN_MESSAGE_ID.findall(value))
    return list(dict.fromkeys(found))


def _all(message: EmailMessage, headers: Iterable[str]) -> list[str]:
    return [str(v) for h in headers for v in (message.get_all(h) or [])]


def find_ticket(db: Session, tokens: Iterable[str]) -> Ticket | None:
    """The ticket one of ``tokens`` belongs to, or None."""
    hashes = [hash_token(t) for t in tokens]
    if not hashes:
        return None
    return db.scalars(
        select(Ticket)
        .join(ReplyToken, ReplyToken.ticket_id == Ticket.id)
        .where(ReplyToken.token_hash.in_(hashes))
        .order_by(ReplyToken.id.desc())
    ).first()


def is_our_own(message: EmailMessage) -> bool:
    """True for a mail Jawab sent itself (a loop): our header or our Message-ID."""
    if message.get(LOOP_HEADER) is not None:
        return True
    return OWN_MESSAGE_ID.search(str(message.get("Message-ID", ""))) is not None

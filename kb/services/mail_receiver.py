"""``kb mail serve``: an SMTP or LMTP receiver for sites that pipe mail in.

The mail server (Postfix's ``lmtp:`` or ``smtp:`` transport, Exim's ``lmtp``
transport) hands each customer's answer to this receiver, which passes it to
:func:`kb.services.inbound_mail.receive` and answers with what became of it:
250 when it was added (or ignored, as auto-replies are), 550 when it was
refused (so the sender hears it reached no ticket), 451 when the database could
not take it (the server keeps it and tries again).

The sending server puts a 550's text in the bounce the customer reads, so each
refusal names the address and why, and says what to do instead (write through
the contact form); English, as SMTP replies are. It never names a setting.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session

from kb.services.inbound_mail import Outcome

log = logging.getLogger(__name__)
MAX_SIZE = 30 * 1024 * 1024  # bytes of one mail (attachments included)
RETRY = "451 4.3.0 Could not store the mail now; try again later"
REFUSALS = {
    # 5.1.1: the address does not exist (a token mistyped or long gone).
    "unknown-token": "550 5.1.1 <{address}>: this reply address belongs to no "
    "ticket of ours (mistyped, or the ticket no longer exists). Not delivered: "
    "please write to us through {contact}, with your ticket number if you have one",
    # 5.7.1: the address exists but takes only answers to ticket mail.
    "no-ticket": "550 5.7.1 <{address}>: this address only takes answers to the "
    "mail of an existing ticket, and this mail answers none. Not delivered: for a "
    "new question please write to us through {contact}",
}
NO_CONTACT = "the contact form on our help site"


def refusal(outcome: Outcome, address: str, contact_url: str) -> str:
    """The 550 reply for a refused mail to ``address``: why, and what to do."""
    template = REFUSALS.get(outcome.refusal, REFUSALS["no-ticket"])
    contact = f"the contact form at {contact_url}" if contact_url else NO_CONTACT
    # An SMTP reply is one line: no CR/LF from the address may reach it.
    address = "".join(c for c in address if c.isprintable())[:254]
    return template.format(address=address, contact=contact)


class Handler:
    """aiosmtpd's handler: each mail to ``handle``, in a worker thread."""

    def __init__(
        self, handle: Callable[[bytes], Outcome], contact_url: str = ""
    ) -> None:
        self.handle = handle
        self.contact_url = contact_url

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        """Store the mail; one status line per recipient under LMTP."""
        raw = envelope.original_content or b""
        if isinstance(envelope.content, bytes) and not raw:
            raw = envelope.content
        try:
            outcome = await asyncio.get_running_loop().run_in_executor(
                None, self.handle, raw
            )
        except Exception:  # noqa: BLE001 - the sending server retries
            log.exception("could not store a received mail")
            statuses = [RETRY for _ in envelope.rcpt_tos]
        else:
            statuses = [
                refusal(outcome, address, self.contact_url)
                if outcome.refused
                else f"250 2.0.0 {outcome.kind}"
                for address in envelope.rcpt_tos
            ]
        if isinstance(server, LMTP):
            return "\r\n".join(statuses)  # one reply per recipient
        # SMTP has one reply for the mail: the first recipient's words.
        return statuses[0] if statuses else RETRY


class _LmtpController(Controller):
    def factory(self) -> SMTP:
        return LMTP(self.handler, **self.SMTP_kwargs)


def receiver(
    handle: Callable[[bytes], Outcome],
    host: str,
    port: int,
    *,
    lmtp: bool,
    contact_url: str = "",
) -> Controller:
    """A receiver on ``host:port`` (not yet started: call ``start()``).

    ``contact_url``: the contact form, named in refusals (the sender's bounce).
    """
    kind: Any = _LmtpController if lmtp else Controller
    return kind(
        Handler(handle, contact_url),
        hostname=host,
        port=port,
        data_size_limit=MAX_SIZE,
        server_hostname="jawab",
    )

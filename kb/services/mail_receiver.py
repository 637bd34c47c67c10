"""``kb mail serve``: an SMTP or LMTP receiver for sites that pipe mail in.

The mail server (Postfix's ``lmtp:`` or ``smtp:`` transport, Exim's ``lmtp``
transport) hands each customer's answer to this receiver, which passes it to
:func:`kb.services.inbound_mail.receive` and answers with what became of it:
250 when it was added (or ignored, as auto-replies are), 550 when it was
refused (so the sender hears it reached no ticket), 451 when the database could
not take it (the server keeps it and tries again).
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


class Handler:
    """aiosmtpd's handler: each mail to ``handle``, in a worker thread."""

    def __init__(self, handle: Callable[[bytes], Outcome]) -> None:
        self.handle = handle

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
            status = "451 4.3.0 Could not store the mail now; try again later"
        else:
            if outcome.refused:
                # The same words for every refusal: settings stay private.
                status = "550 5.7.1 Not delivered: this mail answers no ticket of ours"
            else:
                status = f"250 2.0.0 {outcome.kind}"
        if isinstance(server, LMTP):
            return "\r\n".join(status for _ in envelope.rcpt_tos)
        return status


class _LmtpController(Controller):
    def factory(self) -> SMTP:
        return LMTP(self.handler, **self.SMTP_kwargs)


def receiver(
    handle: Callable[[bytes], Outcome], host: str, port: int, *, lmtp: bool
) -> Controller:
    """A receiver on ``host:port`` (not yet started: call ``start()``)."""
    kind: Any = _LmtpController if lmtp else Controller
    return kind(
        Handler(handle),
        hostname=host,
        port=port,
        data_size_limit=MAX_SIZE,
        server_hostname="jawab",
    )

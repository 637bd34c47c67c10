"""``kb mail fetch``: read customers' answers from an IMAP folder.

Only unread mail is read (``BODY.PEEK``, so reading marks nothing); each one
goes to :func:`kb.services.inbound_mail.receive`, and only once that has stored
what it decided is the mail marked read, or moved to ``KB_IMAP_DONE_FOLDER``
(one command per batch of handled mails; one handled but left unread by a
crash is a duplicate next time, recognised by its Message-ID). A failure (the
database down) leaves that mail and the rest unread for the next run.
"""

from __future__ import annotations

import imaplib
import re
import ssl
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from kb.security import is_local
from kb.services.inbound_mail import Outcome

BATCH = 50  # mails per FETCH command
_UID = re.compile(rb"UID (\d+)")


class InboxError(Exception):
    """The IMAP server could not be used (its answer says why)."""


def _tls(config: Mapping[str, Any]) -> ssl.SSLContext:
    """The TLS settings: certificates always verified, against a private CA if set."""
    ca_file = config.get("IMAP_CA_FILE") or None
    try:
        # With a CA file only that file is trusted (not the system's CAs too):
        # a private server's certificate, and nobody else's, is accepted.
        return ssl.create_default_context(cafile=ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise InboxError(
            f"KB_IMAP_CA_FILE {ca_file}: not a readable PEM certificate file ({exc})"
        ) from exc


def _connect(config: Mapping[str, Any]) -> imaplib.IMAP4:
    host, port = config["IMAP_HOST"], config["IMAP_PORT"]
    if not host:
        raise InboxError("KB_IMAP_HOST is not set")
    context = _tls(config)
    connection: imaplib.IMAP4 | None = None
    try:
        if config["IMAP_SSL"]:
            connection = imaplib.IMAP4_SSL(host, port, ssl_context=context, timeout=30)
        else:
            connection = imaplib.IMAP4(host, port, timeout=30)
            if "STARTTLS" in connection.capabilities:
                connection.starttls(context)
            elif not is_local(host):
                # Never the password in the clear across a network: a server
                # that stopped offering STARTTLS may be someone in between.
                raise InboxError(
                    f"IMAP {host}:{port} offers no STARTTLS, and the password "
                    "would cross the network in the clear: set KB_IMAP_SSL=on "
                    "(port 993) or turn STARTTLS on in the server"
                )
        connection.login(config["IMAP_USER"], config["IMAP_PASSWORD"])
    except (InboxError, OSError, imaplib.IMAP4.error) as exc:
        if connection is not None:
            _close(connection)
        if isinstance(exc, InboxError):
            raise
        if isinstance(exc, ssl.SSLCertVerificationError):
            raise InboxError(
                f"IMAP {host}:{port}: the server's certificate is not trusted "
                f"({exc.verify_message}); nothing was read. If a private CA "
                "signed it, set KB_IMAP_CA_FILE to that CA's certificate (PEM)"
            ) from exc
        raise InboxError(f"IMAP {host}:{port}: {exc}") from exc
    return connection


def _close(connection: imaplib.IMAP4) -> None:
    try:
        connection.shutdown()
    except OSError:
        pass


def _check(answer: tuple[str, list[Any]], doing: str) -> list[Any]:
    kind, data = answer
    if kind != "OK":
        raise InboxError(f"IMAP {doing}: {data!r}")
    return data


def _unread(connection: imaplib.IMAP4) -> list[bytes]:
    data = _check(connection.uid("SEARCH", "UNSEEN"), "search")
    return data[0].split() if data and data[0] else []


def _batches(
    connection: imaplib.IMAP4, uids: list[bytes]
) -> Iterator[list[tuple[bytes, bytes]]]:
    for start in range(0, len(uids), BATCH):
        chunk = b",".join(uids[start : start + BATCH]).decode()
        data = _check(connection.uid("FETCH", chunk, "(UID BODY.PEEK[])"), "fetch")
        batch = []
        for item in data:
            if isinstance(item, tuple):
                found = _UID.search(item[0])
                if found:
                    batch.append((found.group(1), item[1]))
        yield batch


def _done(connection: imaplib.IMAP4, uids: list[bytes], folder: str) -> None:
    if not uids:
        return
    number = b",".join(uids).decode()
    if not folder:
        _check(connection.uid("STORE", number, "+FLAGS", r"(\Seen)"), "mark read")
        return
    if b"MOVE" in b" ".join(c.encode() for c in connection.capabilities):
        _check(connection.uid("MOVE", number, folder), "move")
        return
    _check(connection.uid("COPY", number, folder), "copy")
    _check(connection.uid("STORE", number, "+FLAGS", r"(\Deleted \Seen)"), "delete")
    connection.expunge()


def fetch(
    config: Mapping[str, Any], handle: Callable[[bytes], Outcome]
) -> Counter[str]:
    """Hand every unread mail of ``KB_IMAP_FOLDER`` to ``handle``; count outcomes."""
    counts: Counter[str] = Counter()
    connection = _connect(config)
    try:
        folder = config["IMAP_FOLDER"] or "INBOX"
        _check(connection.select(_quoted(folder)), f"select {folder}")
        done_folder = (
            _quoted(config["IMAP_DONE_FOLDER"]) if config["IMAP_DONE_FOLDER"] else ""
        )
        for batch in _batches(connection, _unread(connection)):
            handled = []
            try:
                for uid, raw in batch:
                    counts[handle(raw).kind] += 1
                    handled.append(uid)
            finally:
                # Marked in one command per batch: a mail handled but left
                # unread by a crash is recognised as a duplicate next time.
                _done(connection, handled, done_folder)
    except (ConnectionError, TimeoutError, ssl.SSLError, imaplib.IMAP4.error) as exc:
        # The server went away mid-session (not any OSError: the handler's
        # own, a full disk, must not pass for the server's): what was handled
        # is marked, the rest stays unread for the next round.
        raise InboxError(f"IMAP {config['IMAP_HOST']}: {exc}") from exc
    finally:
        try:
            connection.logout()
        except (OSError, imaplib.IMAP4.error):
            pass
    return counts


def _quoted(folder: str) -> str:
    # A folder name with spaces must be quoted in IMAP commands.
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'

"""``kb mail fetch`` over TLS, and ``--loop`` as the service it runs as.

A private Dovecot (tests/dovecot.py) with a certificate for 127.0.0.1 signed by
a CA made for the run: implicit TLS (port 993 style) and STARTTLS with that CA
trusted through ``KB_IMAP_CA_FILE``, and refused (nothing read, nothing moved)
when it is not. ``kb mail fetch --loop`` runs as a real process: it picks up
mail delivered while it runs, says once when the server goes away, carries on
when it is back, and stops cleanly on SIGTERM. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import ipaddress
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
from dovecot import Imap, dovecot
from flask import Flask
from helpers import PROJECT, rows

from kb.storage.models import Ticket

WAIT = 60.0  # seconds: generous, for a loaded machine; never a measurement


@pytest.fixture()
def imap_tls() -> Iterator[Imap]:
    with dovecot(tls=True) as server:
        yield server


def _app(make_app, database_url: str, **settings: object) -> Flask:
    return make_app(
        index=False,
        DATABASE_URL=database_url,
        MAIL_BACKEND="log",
        MAIL_NEW_TICKETS=True,  # a stranger's mail opens a ticket: easy to see
        **settings,
    )


def _question(text: str, sender: str = "sri@example.org") -> bytes:
    message = EmailMessage()
    message["From"] = f"Sri <{sender}>"
    message["To"] = "help@jawab.example"
    message["Subject"] = text
    message["Message-ID"] = make_msgid(domain="example.org")
    message.set_content(text)
    return message.as_bytes()


def _fetch(app: Flask) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["mail", "fetch"])
    return result.exit_code, result.output


# -- TLS -------------------------------------------------------------------------
@pytest.mark.parametrize("tls", ["implicit", "starttls"])
def test_fetch_over_tls_with_the_private_ca_trusted(
    make_app, database_url, imap_tls, tls
) -> None:
    app = _app(make_app, database_url, **imap_tls.config(tls=tls))
    imap_tls.deliver(_question("Where is my parcel?"))
    assert _fetch(app) == (0, "mail fetch: 1 opened\n")
    assert [t.subject for t in rows(app, Ticket)] == ["Where is my parcel?"]
    assert imap_tls.count("UNSEEN") == 0
    # Dovecot's own word that the app's session was encrypted ("TLS" in its
    # login line; the test's plain connections say nothing of the kind).
    assert len(imap_tls.logins(", TLS,", wait=10)) == 1, imap_tls.logins()


@pytest.mark.parametrize("tls", ["implicit", "starttls"])
@pytest.mark.parametrize("ca", ["system", "another"])
def test_an_untrusted_certificate_is_refused_and_nothing_is_touched(
    make_app, database_url, imap_tls, tls, ca, tmp_path
) -> None:
    if ca == "another":  # a CA file, but not the one that signed the server's
        with dovecot(tls=True) as other:
            assert other.ca_file is not None
            ca_file = tmp_path / "other-ca.pem"
            ca_file.write_bytes(other.ca_file.read_bytes())
    else:
        ca_file = None  # the system's CAs
    imap_tls.create("Done")
    settings = imap_tls.config(
        tls=tls, IMAP_CA_FILE=str(ca_file or ""), IMAP_DONE_FOLDER="Done"
    )
    app = _app(make_app, database_url, **settings)
    imap_tls.deliver(_question("Still waiting"))
    code, output = _fetch(app)
    assert code == 1
    assert "certificate is not trusted" in output, output
    assert "KB_IMAP_CA_FILE" in output and "nothing was read" in output
    assert rows(app, Ticket) == []
    # Still there, still unread, not moved: the password was never sent either.
    assert imap_tls.count("UNSEEN") == 1 and imap_tls.count("ALL") == 1
    assert imap_tls.count("ALL", folder="Done") == 0
    assert imap_tls.logins(", TLS,") == []


def test_a_ca_file_that_cannot_be_read_is_named(
    make_app, database_url, imap_tls, tmp_path
) -> None:
    broken = tmp_path / "ca.pem"
    broken.write_text("not a certificate\n")
    for path in (broken, tmp_path / "missing.pem"):
        settings = imap_tls.config(tls="implicit", IMAP_CA_FILE=str(path))
        code, output = _fetch(_app(make_app, database_url, **settings))
        assert code == 1
        assert f"KB_IMAP_CA_FILE {path}: not a readable PEM" in output, output
    assert imap_tls.logins() == []


def test_the_certificate_must_name_the_host(make_app, database_url, imap_tls) -> None:
    # Trusted CA, wrong name: "localhost" is not in a certificate for 127.0.0.1.
    settings = imap_tls.config(tls="implicit", IMAP_HOST="localhost")
    code, output = _fetch(_app(make_app, database_url, **settings))
    assert code == 1 and "certificate is not trusted" in output, output
    assert "localhost" in output


def _address_off_loopback() -> str:
    """This machine's address on its network (no packet is sent), or skip."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: only the route is looked up
        except OSError:
            pytest.skip("no network address besides loopback")
        address = probe.getsockname()[0]
    if ipaddress.ip_address(address).is_loopback:
        pytest.skip("no network address besides loopback")
    return address


def test_no_starttls_from_a_server_across_the_network_is_refused(
    make_app, database_url
) -> None:
    address = _address_off_loopback()
    with dovecot(also_on=address) as plain:  # no TLS at all
        plain.deliver(_question("Hello"))
        settings = plain.config(IMAP_HOST=address)
        code, output = _fetch(_app(make_app, database_url, **settings))
        assert code == 1
        assert f"IMAP {address}:{plain.port} offers no STARTTLS" in output, output
        assert "KB_IMAP_SSL=on" in output
        # The password was never sent to it (the delivery came through loopback).
        assert plain.logins(f"lip={address},") == [], plain.logins()
        # On this host the same server is fine (the other tests use it so).
        assert _fetch(_app(make_app, database_url, **plain.config()))[0] == 0


# -- kb mail fetch --loop, as a service --------------------------------------------
class _Loop:
    """``kb mail fetch --loop 1`` in its own process, its output read as it comes."""

    def __init__(self, environment: dict[str, str]) -> None:
        self.lines: queue.Queue[tuple[str, str]] = queue.Queue()
        self.seen: list[tuple[str, str]] = []
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from kb.cli import main; main()"]
            + ["mail", "fetch", "--loop", "1"],
            cwd=PROJECT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.readers = [
            threading.Thread(target=self._read, args=(name, stream), daemon=True)
            for name, stream in (
                ("out", self.process.stdout),
                ("err", self.process.stderr),
            )
        ]
        for reader in self.readers:
            reader.start()

    def _read(self, name: str, stream) -> None:
        for raw in stream:
            self.lines.put((name, raw.decode().rstrip("\n")))

    def wait_for(self, text: str, stream: str = "out") -> None:
        """Until a line of ``stream`` holds ``text`` (lines before it are kept)."""
        deadline = time.monotonic() + WAIT
        while True:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"no {text!r} within {WAIT} s: {self.seen}"
            assert self.process.poll() is None or not self.lines.empty(), self.seen
            try:
                line = self.lines.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                continue
            self.seen.append(line)
            if line[0] == stream and text in line[1]:
                return

    def stop(self) -> int:
        """SIGTERM, as a service manager stops it; its exit status."""
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=WAIT)
        for reader in self.readers:  # to the end of its output
            reader.join(timeout=WAIT)
        for stream in (self.process.stdout, self.process.stderr):
            assert stream is not None
            stream.close()
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return code

    def errors(self) -> list[str]:
        """Its own error lines so far (stderr also has the log's warnings)."""
        assert not any("Traceback" in text for _stream, text in self.seen), self.seen
        return [
            text
            for stream, text in self.seen
            if stream == "err" and text.startswith("mail fetch:")
        ]


@pytest.fixture()
def loop_env(database_url: str, articles_dir: Path, tmp_path: Path):
    def environment(imap: Imap) -> dict[str, str]:
        settings = imap.config(tls="starttls")
        return {
            **os.environ,
            "PYTHONPATH": str(PROJECT),
            "PYTHONUNBUFFERED": "1",
            "KB_DATABASE_URL": database_url,
            "KB_ARTICLES_DIR": str(articles_dir),
            "KB_SEARCH_INDEX_DIR": str(tmp_path / "loop-index"),
            "KB_SECRET_KEY": "test-secret",
            "KB_MAIL_BACKEND": "log",
            "KB_MAIL_NEW_TICKETS": "on",
            **{f"KB_{key}": str(value) for key, value in settings.items()},
        }

    return environment


def test_the_loop_picks_up_new_mail_and_stops_on_sigterm(
    make_app, database_url, imap_tls, loop_env
) -> None:
    app = _app(make_app, database_url)  # to read the database afterwards
    loop = _Loop(loop_env(imap_tls))
    try:
        loop.wait_for("mail fetch: no new mail")
        imap_tls.deliver(_question("Delivered while it runs"))
        loop.wait_for("mail fetch: 1 opened")
    finally:
        code = loop.stop()
    assert code == 0, loop.seen
    assert loop.errors() == []  # no traceback on SIGTERM
    assert [t.subject for t in rows(app, Ticket)] == ["Delivered while it runs"]
    assert imap_tls.count("UNSEEN") == 0


def test_the_loop_outlives_the_imap_server_going_away(
    make_app, database_url, imap_tls, loop_env
) -> None:
    app = _app(make_app, database_url)
    loop = _Loop(loop_env(imap_tls))
    try:
        loop.wait_for("mail fetch: no new mail")
        imap_tls.stop()
        loop.wait_for("trying again every 1 s", stream="err")
        time.sleep(3)  # several more rounds against the stopped server
        assert loop.process.poll() is None, loop.seen
        imap_tls.start()
        imap_tls.deliver(_question("After the outage"))
        loop.wait_for("mail fetch: 1 opened")
    finally:
        code = loop.stop()
    assert code == 0, loop.seen
    errors = loop.errors()
    assert len(errors) == 2, errors  # one line for the outage, one for the end
    assert errors[0].startswith(f"mail fetch: IMAP 127.0.0.1:{imap_tls.port}: ")
    assert errors[1] == "mail fetch: the IMAP server answers again"
    assert [t.subject for t in rows(app, Ticket)] == ["After the outage"]

"""A private Dovecot IMAP server for tests: Debian's dovecot, a temporary config.

Nothing of the system's Dovecot is used but the program: the server listens on
a free loopback port, keeps its maildirs, sockets and log in a temporary folder
and authenticates one user from a passwd-file (plain text, no TLS). Tests that
need it are skipped, with the reason, when ``dovecot`` is not installed (CI
installs it: .ci/run).
"""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

USER = "help@jawab.example"
PASSWORD = "imap-test-password"
DOVECOT = shutil.which("dovecot") or (
    "/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _accounts() -> tuple[str, str, str, str]:
    """Login user, internal user, and the mail owner's uid and gid.

    As root, Dovecot's own unprivileged users (the Debian package makes them);
    otherwise everything runs as whoever runs the tests.
    """
    if os.geteuid() == 0:
        return "dovenull", "dovecot", "dovecot", "dovecot"
    me = pwd.getpwuid(os.getuid()).pw_name
    return me, me, str(os.getuid()), grp.getgrgid(os.getgid()).gr_name


CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
first_valid_uid = 0
default_login_user = {login_user}
default_internal_user = {internal_user}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
"""


@dataclass
class Imap:
    """A running test server: where it listens and who may sign in."""

    port: int
    root: Path
    user: str = USER
    password: str = PASSWORD

    def config(self, **overrides: object) -> dict[str, object]:
        """The app's ``IMAP_*`` settings for this server."""
        return {
            "IMAP_HOST": "127.0.0.1",
            "IMAP_PORT": self.port,
            "IMAP_USER": self.user,
            "IMAP_PASSWORD": self.password,
            "IMAP_SSL": False,
            **overrides,
        }

    @contextmanager
    def connect(self, folder: str = "INBOX") -> Iterator[imaplib.IMAP4]:
        """A signed-in IMAP connection with ``folder`` selected."""
        connection = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        try:
            connection.login(self.user, self.password)
            connection.select(folder)
            yield connection
        finally:
            connection.logout()

    def deliver(self, *raws: bytes, folder: str = "INBOX") -> None:
        """Put mail in ``folder`` (unread), as the mail server would."""
        with self.connect(folder) as connection:
            for raw in raws:
                kind, data = connection.append(folder, None, None, raw)
                assert kind == "OK", data

    def count(self, criteria: str = "ALL", folder: str = "INBOX") -> int:
        """How many mails in ``folder`` match the IMAP search ``criteria``."""
        with self.connect(folder) as connection:
            kind, data = connection.uid("SEARCH", criteria)
            assert kind == "OK", data
            return len(data[0].split()) if data and data[0] else 0

    def create(self, folder: str) -> None:
        """Create a folder."""
        with self.connect() as connection:
            kind, data = connection.create(folder)
            assert kind == "OK", data


@contextmanager
def dovecot() -> Iterator[Imap]:
    """Start a private Dovecot; skip the test (saying why) when there is none."""
    if DOVECOT is None:
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd)")
    root = Path(tempfile.mkdtemp(prefix="jawab-dovecot-"))
    root.chmod(0o755)  # Dovecot's own users must reach their folders
    login_user, internal_user, uid, gid = _accounts()
    port = _free_port()
    for folder in ("mail", "home", "run", "state"):
        (root / folder).mkdir()
    if os.geteuid() == 0:
        shutil.chown(root / "mail", "dovecot", "dovecot")
        shutil.chown(root / "home", "dovecot", "dovecot")
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    (root / "dovecot.conf").write_text(
        CONFIG.format(
            root=root,
            port=port,
            login_user=login_user,
            internal_user=internal_user,
            uid=uid,
            gid=gid,
        )
    )
    with (root / "output.log").open("wb") as output:
        process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for(port, process, root)
        yield Imap(port, root)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(root, ignore_errors=True)


def _wait_for(port: int, process: subprocess.Popen[bytes], root: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            logs = [root / "output.log", root / "dovecot.log"]
            raise RuntimeError(
                "dovecot stopped: "
                + " ".join(p.read_text() for p in logs if p.exists())
            )
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("dovecot did not start listening within 15 s")

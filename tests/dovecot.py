"""A private Dovecot IMAP server for tests: Debian's dovecot, a temporary config.

Nothing of the system's Dovecot is used but the program: the server listens on
a free loopback port, keeps its maildirs, sockets and log in a temporary folder
and authenticates one user from a passwd-file. Plain IMAP by default; with
``tls=True`` it also offers STARTTLS on that port and implicit TLS (port 993
style) on a second one, with a certificate for 127.0.0.1 signed by a private CA
made for the run (``Imap.ca_file``). Tests that need it are skipped, with the
reason, when ``dovecot`` is not installed (CI installs it: .ci/run).
"""

from __future__ import annotations

import datetime
import grp
import imaplib
import ipaddress
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
listen = {listen}
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
first_valid_uid = 0
default_login_user = {login_user}
default_internal_user = {internal_user}
service imap-login {{
  inet_listener imap {{
    address = {listen}
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
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


SSL_ON = """\
ssl = yes
ssl_cert = <{root}/tls/server.pem
ssl_key = <{root}/tls/server.key
"""


def _certificates(folder: Path) -> Path:
    """A private CA and a certificate it signed for 127.0.0.1; the CA's file."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder.mkdir()
    now = datetime.datetime.now(datetime.UTC)

    def build(subject: str, key: ec.EllipticCurvePrivateKey) -> x509.CertificateBuilder:
        return (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
        )

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        build("Jawab test CA", ca_key)
        .issuer_name(
            x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Jawab test CA")])
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    server = (
        build("127.0.0.1", key)
        .issuer_name(ca.subject)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    (folder / "ca.pem").write_bytes(ca.public_bytes(pem))
    (folder / "server.pem").write_bytes(server.public_bytes(pem))
    (folder / "server.key").write_bytes(
        key.private_bytes(
            pem,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (folder / "server.key").chmod(0o600)
    return folder / "ca.pem"


@dataclass
class Imap:
    """A running test server: where it listens and who may sign in.

    ``tls_port`` and ``ca_file`` are set when it was started with ``tls=True``.
    """

    port: int
    root: Path
    tls_port: int | None = None
    ca_file: Path | None = None
    user: str = USER
    password: str = PASSWORD
    process: subprocess.Popen[bytes] | None = None

    def config(self, tls: str = "", **overrides: object) -> dict[str, object]:
        """The app's ``IMAP_*`` settings for this server.

        ``tls``: "" (plain IMAP), "starttls" or "implicit"; either of the
        latter trusts the run's CA unless ``IMAP_CA_FILE`` is overridden.
        """
        settings: dict[str, object] = {
            "IMAP_HOST": "127.0.0.1",
            "IMAP_PORT": self.port,
            "IMAP_USER": self.user,
            "IMAP_PASSWORD": self.password,
            "IMAP_SSL": False,
        }
        if tls:
            assert self.tls_port and self.ca_file, "start dovecot(tls=True)"
            settings["IMAP_CA_FILE"] = str(self.ca_file)
            if tls == "implicit":
                settings.update(IMAP_SSL=True, IMAP_PORT=self.tls_port)
        return {**settings, **overrides}

    def start(self) -> None:
        """Run Dovecot (again, after :meth:`stop`: same ports, same mail)."""
        with (self.root / "output.log").open("ab") as output:
            self.process = subprocess.Popen(
                [DOVECOT or "dovecot", "-F", "-c", str(self.root / "dovecot.conf")],
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        for port in (self.port, self.tls_port) if self.tls_port else (self.port,):
            _wait_for(port, self.process, self.root)

    def stop(self) -> None:
        """Stop Dovecot, as a server going down would."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def logins(self, containing: str = "", wait: float = 0) -> list[str]:
        """Dovecot's log lines of sign-ins; ", TLS" is in those encrypted.

        With ``wait``, up to that many seconds for one ``containing`` the text
        (Dovecot's log process writes a moment after the sign-in).
        """
        log = self.root / "dovecot.log"
        deadline = time.monotonic() + wait
        while True:
            text = log.read_text() if log.exists() else ""
            found = [
                line
                for line in text.splitlines()
                if "imap-login: Info: Login:" in line and containing in line
            ]
            if found or time.monotonic() >= deadline:
                return found
            time.sleep(0.05)

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
def dovecot(*, tls: bool = False, also_on: str = "") -> Iterator[Imap]:
    """Start a private Dovecot; skip the test (saying why) when there is none.

    ``also_on``: one more address for plain IMAP (a test of a remote server).
    """
    if DOVECOT is None:
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd)")
    root = Path(tempfile.mkdtemp(prefix="jawab-dovecot-"))
    root.chmod(0o755)  # Dovecot's own users must reach their folders
    login_user, internal_user, uid, gid = _accounts()
    port = _free_port()
    tls_port = _free_port() if tls else 0
    for folder in ("mail", "home", "run", "state"):
        (root / folder).mkdir()
    if os.geteuid() == 0:
        shutil.chown(root / "mail", "dovecot", "dovecot")
        shutil.chown(root / "home", "dovecot", "dovecot")
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    ca_file = _certificates(root / "tls") if tls else None
    (root / "dovecot.conf").write_text(
        CONFIG.format(
            root=root,
            port=port,
            tls_port=tls_port,
            listen=", ".join(filter(None, ["127.0.0.1", also_on])),
            ssl=SSL_ON.format(root=root) if tls else "ssl = no",
            login_user=login_user,
            internal_user=internal_user,
            uid=uid,
            gid=gid,
        )
    )
    server = Imap(port, root, tls_port or None, ca_file)
    try:
        server.start()
        yield server
    finally:
        server.stop()
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

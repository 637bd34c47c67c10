"""Start Jawab under a real gunicorn for tests that need several worker processes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(
    tmp_path: Path,
    articles: Path,
    workers: int = 2,
    env: dict[str, str] | None = None,
    process_box: list | None = None,
) -> Iterator[tuple[str, Path]]:
    """Serve ``articles`` in production mode; yields (base URL, log file).

    ``env`` overrides variables (e.g. KB_DATABASE_URL); ``process_box`` receives
    the gunicorn process, for tests that kill it.
    """
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "KB_ENV": "production",
        "KB_SECRET_KEY": "x" * 64,
        "KB_BASE_URL": base,
        "KB_ARTICLES_DIR": str(articles),
        "KB_SEARCH_INDEX_DIR": str(tmp_path / "search_index"),
        "KB_DATABASE_URL": f"sqlite:///{tmp_path / 'kb.sqlite3'}",
        # Production needs a mail server; these tests read no mail.
        "KB_MAIL_BACKEND": "log",
        **(env or {}),
    }
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{port}",
                "kb:create_app()",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        if process_box is not None:
            process_box.append(process)
        try:
            # Readiness, not speed: four workers importing the app on two loaded
            # cores (other CI jobs, other sessions) have taken over 30 s.
            deadline = time.monotonic() + 120
            while True:
                try:
                    urllib.request.urlopen(f"{base}/robots.txt", timeout=2).close()
                    break
                except OSError:
                    if time.monotonic() > deadline or process.poll() is not None:
                        pytest.fail(
                            "gunicorn did not start:\n" + log_path.read_text()[-3000:]
                        )
                    time.sleep(0.2)
            yield base, log_path
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=30)

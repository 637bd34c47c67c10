"""Jawab runs under gunicorn exactly as the README shows."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_serves_the_help_center(tmp_path: Path, articles_dir: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "KB_ENV": "production",
        "KB_SECRET_KEY": "x" * 64,
        "KB_ARTICLES_DIR": str(articles_dir),
        "KB_SEARCH_INDEX_DIR": str(tmp_path / "index"),
        "KB_DATABASE_URL": f"sqlite:///{tmp_path / 'kb.sqlite3'}",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    log = (tmp_path / "gunicorn.log").open("wb")
    server = subprocess.Popen(
        [
            str(gunicorn),
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "kb:create_app()",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/en/search?q=password", timeout=5
                ) as response:
                    body = response.read().decode()
                    headers = response.headers
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail(
                        "gunicorn did not answer: "
                        + (tmp_path / "gunicorn.log").read_text()[-2000:]
                    )
                time.sleep(0.3)
        assert "Reset your password" in body  # the index was built on demand
        assert "max-age=31536000" in headers["Strict-Transport-Security"]
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()

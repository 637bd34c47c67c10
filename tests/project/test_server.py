"""Jawab runs under gunicorn exactly as the README shows."""

from __future__ import annotations

import urllib.request
from pathlib import Path

from live_server import gunicorn


def test_gunicorn_serves_the_help_center(tmp_path: Path, articles_dir: Path) -> None:
    with gunicorn(tmp_path, articles_dir) as (base, _log):
        with urllib.request.urlopen(f"{base}/en/search?q=password") as response:
            body = response.read().decode()
            headers = response.headers
    assert "Reset your password" in body  # the index was built on demand
    assert "max-age=31536000" in headers["Strict-Transport-Security"]

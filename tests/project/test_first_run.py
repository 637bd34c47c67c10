"""A fresh install tells the newcomer how to make the first admin."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from live_server import free_port

ROOT = Path(__file__).resolve().parents[2]
KB = Path(sys.executable).with_name("kb")


def _serve_output(env: dict[str, str]) -> str:
    """Start `kb serve` as `make run` does, wait until it answers, stop it."""
    port = free_port()
    process = subprocess.Popen(
        [os.path.relpath(KB, ROOT), "serve", "--port", str(port), "--no-debug"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/robots.txt", timeout=2
                ).close()
                break
            except OSError:
                assert process.poll() is None, process.stdout.read()
                assert time.monotonic() < deadline, "kb serve did not start"
                time.sleep(0.2)
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    return output


def test_serve_prints_the_first_admin_command_until_someone_can_sign_in(
    tmp_path: Path, articles_dir: Path, database_url: str
) -> None:
    env = {
        **os.environ,
        "KB_ARTICLES_DIR": str(articles_dir),
        "KB_SEARCH_INDEX_DIR": str(tmp_path / "search_index"),
        "KB_DATABASE_URL": database_url,
        "KB_SECRET_KEY": "test-secret",
    }
    command = f"{os.path.relpath(KB, ROOT)} users create you@example.com --role admin"

    fresh = _serve_output(env)
    assert "No staff account yet" in fresh
    assert command in fresh
    assert "/agent/login" in fresh

    made = subprocess.run(
        [str(KB), *command.split()[1:], "--password", "a long first password 1"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    assert "No staff account yet" not in _serve_output(env)

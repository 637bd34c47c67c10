"""Fixtures of the editor tests: the test articles folder as a real git repository."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import git, setup_commit


@pytest.fixture()
def repo(articles_dir: Path) -> Path:
    """The test articles folder as a git repository with one initial commit."""
    git(articles_dir, "init", "-q", "-b", "main")
    git(articles_dir, "add", "-A")
    setup_commit(articles_dir, "initial")
    return articles_dir

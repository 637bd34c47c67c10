"""Documentation is tested: every config key and CLI command is in the README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kb.cli import cli
from kb.config import SETTINGS

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.env)
def test_every_config_key_is_documented(setting) -> None:
    assert re.search(rf"`{setting.env}`", README), f"{setting.env} missing in README"


def _commands(group, prefix="kb"):
    for name, command in group.commands.items():
        yield f"{prefix} {name}"
        if hasattr(command, "commands"):
            yield from _commands(command, f"{prefix} {name}")


@pytest.mark.parametrize("command", sorted(_commands(cli)))
def test_every_cli_command_is_documented(command: str) -> None:
    assert f"`{command}" in README, f"{command} missing in README"


def test_readme_starts_with_the_two_commands() -> None:
    top = README[:3000]
    assert "make run" in top and "make test" in top


def test_changes_file_exists() -> None:
    assert "## Unreleased" in (ROOT / "CHANGES.md").read_text(encoding="utf-8")

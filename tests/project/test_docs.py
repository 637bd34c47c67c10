"""Documentation is tested: every config key and CLI command is documented where
the documentation site's reference pages are generated from (``kb/config/settings.py``
and the click commands), and no page names one that does not exist."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import click
import pytest

from kb.config import SETTINGS, defaults

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
README = (ROOT / "README.md").read_text(encoding="utf-8")
# Hand-written pages: the docs site's, the README and the benchmarks' notes.
PAGES = {
    path.relative_to(ROOT).as_posix(): path.read_text(encoding="utf-8")
    for path in [
        *sorted(DOCS.glob("*.md")),
        ROOT / "README.md",
        ROOT / "bench/README.md",
    ]
}


def _hook():
    spec = importlib.util.spec_from_file_location(
        "docs_reference", DOCS / "hooks" / "reference.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


reference = _hook()
COMMANDS = dict(reference.commands())


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.env)
def test_every_config_key_is_documented(setting) -> None:
    assert setting.help.strip().endswith("."), f"{setting.env}: help is one sentence"
    assert f"`{setting.env}`" in reference.settings_markdown()
    if setting.doc:
        assert setting.doc in reference.settings_markdown()
    # The default the docs show is the one the app uses.
    if setting.default is not None and not setting.default_doc:
        assert defaults("instance")[setting.key] == setting.parse(
            setting.env, setting.default
        )


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_cli_command_is_documented(command: str) -> None:
    found = COMMANDS[command]
    assert (found.help or "").strip(), f"{command} has no help text"
    for param in found.params:
        if isinstance(param, click.Option):
            assert param.help, f"{command} {param.opts[0]} has no help text"
    assert f"`{command}`" in reference.cli_markdown()


def test_reference_pages_hold_their_generated_parts() -> None:
    for page, marker in (
        ("configuration.md", "settings"),
        ("cli.md", "cli"),
        ("api.md", "api"),
    ):
        assert f"<!-- reference: {marker} -->" in PAGES[f"docs/{page}"]
    api = reference.api_markdown()
    for path, item in reference.document()["paths"].items():
        for method in item:
            assert f"`{method.upper()} {path}`" in api


def _code(text: str) -> list[str]:
    """Inline code spans and fenced blocks: where commands are written."""
    fenced = re.findall(r"^```[^\n]*\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
    prose = re.sub(r"^```[^\n]*\n.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)
    return fenced + re.findall(r"`([^`\n]+)`", prose)


def _named_commands(text: str) -> set[str]:
    named = set()
    for code in _code(text):
        for found in re.finditer(r"\bkb ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?", code):
            first, second = found.groups()
            group = f"kb {first}"
            if second and isinstance(COMMANDS.get(group), click.Group):
                named.add(f"{group} {second}")
            else:
                named.add(group)
    return named


@pytest.mark.parametrize("page", sorted(PAGES))
def test_pages_name_only_existing_settings_and_commands(page: str) -> None:
    text = PAGES[page]
    known = {s.env for s in SETTINGS}
    unknown = set(re.findall(r"\bKB_[A-Z_]+\b", text)) - known
    assert not unknown, f"{page} names settings that do not exist: {unknown}"
    missing = _named_commands(text) - set(COMMANDS)
    assert not missing, f"{page} names commands that do not exist: {missing}"
    assert "../shared" not in text, f"{page} points outside the repository"


def test_every_topic_has_a_page_in_the_site() -> None:
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for page in sorted(DOCS.glob("*.md")):
        assert f": {page.name}" in config, f"{page.name} is not in mkdocs.yml nav"


def test_readme_fits_a_screen_and_starts_with_the_two_commands() -> None:
    assert len(README.splitlines()) < 200
    top = README[:3000]
    assert "make run" in top and "make test" in top


def test_changes_file_exists() -> None:
    assert "## Unreleased" in (ROOT / "CHANGES.md").read_text(encoding="utf-8")

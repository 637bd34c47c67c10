"""The tests' own layout: helpers in tests/helpers.py, shared fixtures in conftest."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from helpers import PROJECT, imports

ROOT = PROJECT


TESTS = ROOT / "tests"


def _test_sources() -> list[Path]:
    return [p for p in sorted(TESTS.rglob("*.py")) if "vendor" not in p.parts]


def imports_of_test_modules(source: str) -> list[str]:
    """Where ``source`` imports a test module or a conftest (not helpers.py)."""
    path = TESTS / "insights" / "test_example.py"
    return [
        f"{node.lineno}: {module}"
        for node in ast.walk(ast.parse(source))
        for module, _name, _alias in imports(path, node)
        if module.split(".")[-1].startswith(("test_", "conftest"))
    ]


@pytest.mark.parametrize(
    "snippet",
    [
        "from test_insights import _morning",  # test_render_once, as it was
        "import test_insights",
        "from tests.insights.test_insights import _visitor",
        "from .test_insights import _beacon",
        "from conftest import migrated_copy",
    ],
)
def test_the_test_import_rule_sees_a_test_module(snippet: str) -> None:
    assert imports_of_test_modules(snippet)


def test_no_test_module_imports_another() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in _test_sources()
        for line in imports_of_test_modules(path.read_text())
    ]
    assert offenders == [], "move what they share to tests/helpers.py:\n" + "\n".join(
        offenders
    )


def fixtures(source: str) -> set[str]:
    """The names of the pytest fixtures ``source`` defines at module level."""
    return {
        node.name
        for node in ast.parse(source).body
        if isinstance(node, ast.FunctionDef)
        and any("fixture" in ast.unparse(d) for d in node.decorator_list)
    }


# Fixtures a conftest offers precisely so that a module can override them.
OVERRIDABLE = {"staff_names"}


def shadowed_fixtures(
    conftests: dict[Path, str], modules: dict[Path, str]
) -> list[str]:
    """Fixtures a test module defines again although a conftest above it has them."""
    found = []
    for path, source in modules.items():
        for conftest, shared in conftests.items():
            if conftest.parent in path.parents:
                found += [
                    f"{path.name}: {name} (also in {conftest.parent.name}/conftest.py)"
                    for name in sorted(fixtures(source) & fixtures(shared))
                    if name not in OVERRIDABLE
                ]
    return found


def test_the_fixture_rule_sees_a_second_definition() -> None:
    shared = "@pytest.fixture()\ndef staff_app(ticket_app):\n    return ticket_app\n"
    module = "@pytest.fixture\ndef staff_app(ticket_app):\n    return ticket_app\n"
    conftest, test = TESTS / "conftest.py", TESTS / "staff" / "test_auth.py"
    assert shadowed_fixtures({conftest: shared}, {test: module})
    overriding_data = "@pytest.fixture()\ndef staff_names():\n    return {}\n"
    assert shadowed_fixtures({conftest: shared}, {test: overriding_data}) == []


def test_shared_fixtures_are_defined_once() -> None:
    # staff_app was defined in four modules and insights_app in three, each a
    # little different: one definition in the nearest conftest.py, and a module
    # that needs a variant overrides a small fixture it reads (staff_names).
    sources = {path: path.read_text() for path in _test_sources()}
    conftests = {p: s for p, s in sources.items() if p.name == "conftest.py"}
    modules = {p: s for p, s in sources.items() if p.name.startswith("test_")}
    assert shadowed_fixtures(conftests, modules) == []
    for name in ("staff_app", "insights_app"):
        defined = [p for p, source in sources.items() if name in fixtures(source)]
        assert len(defined) == 1, (name, defined)


def test_test_modules_have_unique_names() -> None:
    # pytest imports test modules by their basename (no packages under tests/):
    # a second test_page_ids.py stops the whole run at collection.
    names = [p.name for p in _test_sources() if p.name.startswith("test_")]
    assert sorted({n for n in names if names.count(n) > 1}) == []

"""The layout's rules that a reviewer would otherwise have to remember."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

VIEWS = Path(__file__).resolve().parents[2] / "kb" / "views"
# Reading one argument by hand skips the typed dataclass and its one 400 shape.
DIRECT_READ = re.compile(r"request\.(args|form|values)(\.get\(|\[|\.getlist\()")


def test_views_read_request_arguments_only_through_params() -> None:
    offenders = [
        f"{path.relative_to(VIEWS)}:{number}: {line.strip()}"
        for path in sorted(VIEWS.rglob("*.py"))
        if path.name != "params.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if DIRECT_READ.search(line)
    ]
    assert offenders == [], (
        "use kb.views.params (a dataclass and parse):\n" + "\n".join(offenders)
    )


ROOT = VIEWS.parents[1]
# Project code (not tests) that must respect the search index package's walls.
SOURCES = (ROOT / "kb", ROOT / "bench")
SEARCH_INDEX = ROOT / "kb" / "storage" / "search_index"
PACKAGE = "kb.storage.search_index"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _outside_the_package() -> Iterator[tuple[Path, ast.Module]]:
    """Every project module outside kb/storage/search_index/, parsed."""
    for source in SOURCES:
        for path in sorted(source.rglob("*.py")):
            if SEARCH_INDEX not in path.parents:
                yield path, ast.parse(path.read_text(), str(path))


def _imported(path: Path, node: ast.AST) -> list[tuple[str, str | None, str]]:
    """(module, name or None, bound as) for each import in ``node``."""
    if isinstance(node, ast.Import):
        return [
            (alias.name, None, alias.asname or alias.name.split(".")[0])
            for alias in node.names
        ]
    if isinstance(node, ast.ImportFrom):
        module = node.module or ""
        if node.level:  # relative: resolve against this file's package
            package = _module_name(path).split(".")
            if path.name != "__init__.py":
                package = package[:-1]
            base = package[: len(package) - node.level + 1]
            module = ".".join([*base, module] if module else base)
        return [
            (module, alias.name, alias.asname or alias.name) for alias in node.names
        ]
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name | ast.Attribute)
        and (getattr(node.func, "id", None) or getattr(node.func, "attr", None))
        in {"import_module", "__import__"}
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ):
        return [(node.args[0].value, None, "")]
    return []


def _is_whoosh(module: str) -> bool:
    return module == "whoosh" or module.startswith("whoosh.")


def test_only_the_search_index_package_imports_whoosh() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{node.lineno}: {module}"
        for path, tree in _outside_the_package()
        for node in ast.walk(tree)
        for module, _name, _bound in _imported(path, node)
        if _is_whoosh(module)
    ]
    assert offenders == [], (
        "only kb/storage/search_index/ may import Whoosh:\n" + "\n".join(offenders)
    )
    inside = [
        path.name
        for path in SEARCH_INDEX.glob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if any(_is_whoosh(module) for module, _, _ in _imported(path, node))
    ]
    assert inside, "the search index package is where Whoosh is imported"


def _in_package(module: str) -> bool:
    return module == PACKAGE or module.startswith(PACKAGE + ".")


def _dotted(node: ast.expr) -> str | None:
    """``a.b.c`` for a chain of attributes on a name, else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _bindings(path: Path, tree: ast.Module) -> dict[str, str]:
    """Each name a module's imports bind -> the dotted path it stands for."""
    bound = {}
    for node in ast.walk(tree):
        for module, name, alias in _imported(path, node):
            if not alias:
                continue
            if name is None:  # ``import a.b`` binds ``a``; ``import a.b as x``, a.b
                bound[alias] = alias if alias == module.split(".")[0] else module
            else:
                bound[alias] = f"{module}.{name}"
    return bound


def test_nothing_outside_the_search_index_uses_its_private_names() -> None:
    # Callers use what kb/storage/search_index/__init__.py exports; an
    # underscored name in one of its files may change with any refactoring.
    offenders = []
    for path, tree in _outside_the_package():
        where = path.relative_to(ROOT)
        for node in ast.walk(tree):
            for module, name, _alias in _imported(path, node):
                if _in_package(module) and name is not None and _private(name):
                    offenders.append(f"{where}:{node.lineno}: {module}.{name}")
        bound = _bindings(path, tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Attribute) or not _private(node.attr):
                continue
            chain = _dotted(node.value)
            if chain is None:
                continue
            head, _, rest = chain.partition(".")
            if head not in bound:
                continue
            target = f"{bound[head]}.{rest}" if rest else bound[head]
            if _in_package(target):
                offenders.append(f"{where}:{node.lineno}: {target}.{node.attr}")
    assert offenders == [], (
        f"use the names {PACKAGE} exports, not its files' private ones:\n"
        + "\n".join(offenders)
    )

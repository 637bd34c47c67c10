"""The layout's rules that a reviewer would otherwise have to remember."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import (
    bindings,
    bound_to,
    callee,
    dotted,
    imports,
    is_private,
    is_session,
    module_name,
)

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


def _outside_the_package() -> Iterator[tuple[Path, ast.Module]]:
    """Every project module outside kb/storage/search_index/, parsed."""
    for source in SOURCES:
        for path in sorted(source.rglob("*.py")):
            if SEARCH_INDEX not in path.parents:
                yield path, ast.parse(path.read_text(), str(path))


def _is_whoosh(module: str) -> bool:
    return module == "whoosh" or module.startswith("whoosh.")


def test_only_the_search_index_package_imports_whoosh() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{node.lineno}: {module}"
        for path, tree in _outside_the_package()
        for node in ast.walk(tree)
        for module, _name, _bound in imports(path, node)
        if _is_whoosh(module)
    ]
    assert offenders == [], (
        "only kb/storage/search_index/ may import Whoosh:\n" + "\n".join(offenders)
    )
    inside = [
        path.name
        for path in SEARCH_INDEX.glob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if any(_is_whoosh(module) for module, _, _ in imports(path, node))
    ]
    assert inside, "the search index package is where Whoosh is imported"


def _in_package(module: str) -> bool:
    return module == PACKAGE or module.startswith(PACKAGE + ".")


def test_nothing_outside_the_search_index_uses_its_private_names() -> None:
    # Callers use what kb/storage/search_index/__init__.py exports; an
    # underscored name in one of its files may change with any refactoring.
    offenders = []
    for path, tree in _outside_the_package():
        where = path.relative_to(ROOT)
        for node in ast.walk(tree):
            for module, name, _alias in imports(path, node):
                if _in_package(module) and name is not None and is_private(name):
                    offenders.append(f"{where}:{node.lineno}: {module}.{name}")
        bound = bindings(path, tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Attribute) or not is_private(node.attr):
                continue
            chain = dotted(node.value)
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


# -- no module reaches into another's private names --------------------------------

KB = ROOT / "kb"
# Packages whose files share underscored names among themselves by design (their
# callers use what the package's __init__ exports; the test above guards that).
SHARED_INSIDE = ("kb.storage.search_index",)


def _is_kb(module: str) -> bool:
    return module == "kb" or module.startswith("kb.")


def _shared_inside(own: str, target: str) -> bool:
    return any(
        own.startswith(package + ".") and target.startswith(package + ".")
        for package in SHARED_INSIDE
    )


def private_uses(path: Path, tree: ast.Module) -> list[str]:
    """Underscored names of other kb modules that the file ``path`` uses."""
    own = module_name(path)
    found = []
    for node in ast.walk(tree):
        for module, name, _alias in imports(path, node):
            if not _is_kb(module) or module == own:
                continue
            target = module if name is None else f"{module}.{name}"
            if _shared_inside(own, target):
                continue
            if any(is_private(part) for part in target.split(".")):
                found.append(f"{node.lineno}: {target}")
    bound = bindings(path, tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or not is_private(node.attr):
            continue
        chain = dotted(node.value)
        head, _, rest = (chain or "").partition(".")
        if head not in bound:
            continue
        target = f"{bound[head]}.{rest}" if rest else bound[head]
        if _is_kb(target) and target != own and not _shared_inside(own, target):
            found.append(f"{node.lineno}: {target}.{node.attr}")
    return found


@pytest.mark.parametrize(
    "source",
    [
        "from kb.views.reports.views import (\n    _query,\n    cached,\n)\n",
        "from .views import _targets\n",
        "from kb.views.reports import views\nviews._chars('page')\n",
        "import kb.views.reports.views as v\nv._CACHE.clear()\n",
        "from kb.services import reports\nreports.counts._rate(1, 2)\n",
    ],
)
def test_the_private_name_rule_sees_a_private_import(source: str) -> None:
    path = KB / "views" / "reports" / "recognition.py"
    assert private_uses(path, ast.parse(source))


def test_no_module_imports_another_modules_private_names() -> None:
    # An underscored name is its module's own: what another module needs gets a
    # public name, in the module where it belongs.
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted(KB.rglob("*.py"))
        for line in private_uses(path, ast.parse(path.read_text(), str(path)))
    ]
    assert offenders == [], "\n".join(offenders)


# -- one cache implementation -------------------------------------------------------

CLOCKS = {"monotonic", "monotonic_ns", "time", "time_ns", "perf_counter"}


def _is_clock(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr in CLOCKS and getattr(func.value, "id", "") == "time"
    return isinstance(func, ast.Name) and func.id in {"monotonic", "perf_counter"}


def hand_made_caches(source: str) -> list[str]:
    """Where ``source`` builds a cache by hand instead of using kb.cache.Cache.

    An LRU is an ``OrderedDict`` (``move_to_end``, ``popitem(last=False)``); a TTL
    dict stores a clock reading beside each value (``d[key] = (now, value)``).
    Memoizing a pure function with ``functools.cache`` is neither.
    """
    tree = ast.parse(source)
    found = [
        f"{node.lineno}: OrderedDict"
        for node in ast.walk(tree)
        if (isinstance(node, ast.Name) and node.id == "OrderedDict")
        or (isinstance(node, ast.Attribute) and node.attr == "OrderedDict")
        or (
            isinstance(node, ast.ImportFrom)
            and any(alias.name == "OrderedDict" for alias in node.names)
        )
    ]
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        readings = {
            target.id
            for node in ast.walk(function)
            if isinstance(node, ast.Assign) and _is_clock(node.value)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        for node in ast.walk(function):
            if not isinstance(node, ast.Assign) or not isinstance(
                node.value, ast.Tuple
            ):
                continue
            stamped = any(
                _is_clock(item) or (isinstance(item, ast.Name) and item.id in readings)
                for item in node.value.elts
            )
            if stamped and any(isinstance(t, ast.Subscript) for t in node.targets):
                found.append(f"{node.lineno}: an entry stamped with the clock")
    return found


@pytest.mark.parametrize(
    "source",
    [
        # The report views' old TTL dict and the old page cache, in miniature.
        "import time\n_CACHE = {}\ndef cached(key, build):\n"
        "    now = time.monotonic()\n    value = build()\n"
        "    _CACHE[key] = (now, value)\n    return value\n",
        "from time import monotonic\ndef put(d, k, v):\n    d[k] = (monotonic(), v)\n",
        "from collections import OrderedDict\npages = OrderedDict()\n",
        "import collections\npages = collections.OrderedDict()\n",
    ],
)
def test_the_cache_rule_sees_a_hand_made_cache(source: str) -> None:
    assert hand_made_caches(source)


def test_only_one_cache_implementation() -> None:
    # Bounds, expiry and thread safety are written and tested once, in
    # kb/cache.py: every other cache is a kb.cache.Cache.
    offenders = [
        f"{path.relative_to(KB)}:{line}"
        for path in sorted(KB.rglob("*.py"))
        if path != KB / "cache.py"
        for line in hand_made_caches(path.read_text())
    ]
    assert offenders == [], "use kb.cache.Cache:\n" + "\n".join(offenders)


# -- reports: one module per concern ---------------------------------------------------

REPORTS = KB / "services" / "reports"
REPORT_MODULE_LINES = 400


def test_reports_are_a_package_of_small_modules() -> None:
    assert not (KB / "services" / "reports.py").exists()
    modules = {
        path.name: len(path.read_text().splitlines()) for path in REPORTS.glob("*.py")
    }
    one_per_report = {"overview", "search", "articles", "public_replies", "team"}
    assert {f"{name}.py" for name in one_per_report} <= set(modules)
    too_long = {name: n for name, n in modules.items() if n > REPORT_MODULE_LINES}
    assert too_long == {}, f"split these (over {REPORT_MODULE_LINES} lines): {too_long}"


def test_each_report_owns_its_csv_columns() -> None:
    # A report's columns live beside its rows: no module decides them by type.
    from kb.services import reports

    for report in (
        reports.Overview,
        reports.SearchReport,
        reports.ArticlesReport,
        reports.PublicReport,
        reports.TeamReport,
    ):
        assert "csv_rows" in vars(report), report.__name__
    ladders = [
        f"{path.name}:{node.lineno}"
        for path in sorted(REPORTS.glob("*.py"))
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", "") == "isinstance"
        and len(node.args) == 2
        and getattr(node.args[1], "id", "").endswith(("Report", "Overview"))
    ]
    assert ladders == []


# -- the editor's views: git and draft rows only through services ----------
EDITOR_VIEWS = VIEWS / "editor"
GIT_MODULES = {"git_repo", "git_locks"}
# What a database session writes with; a view asks a service instead.
SESSION_WRITES = {"add", "add_all", "delete", "merge", "execute", "flush", "begin"}
ALWAYS_WRITES = {"commit", "rollback"}  # (events.flush() is the analytics queue)


def git_uses(source: str) -> list[str]:
    """Where ``source`` imports or reaches kb/storage/git_repo or git_locks."""
    found = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [part for alias in node.names for part in alias.name.split(".")]
        elif isinstance(node, ast.ImportFrom):
            names = (node.module or "").split(".") + [a.name for a in node.names]
        elif isinstance(node, ast.Name):
            names = [node.id]
        elif isinstance(node, ast.Attribute):
            # A service's Site hands out the repository: asking it is git too.
            names = [node.attr]
            if node.attr == "repository":
                names.append("git_repo")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            # importlib.import_module("kb.storage.git_repo")
            names = node.value.split(".") if node.value.startswith("kb.") else []
        if GIT_MODULES & set(names):
            found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


def _is_form(node: ast.AST) -> bool:
    """A form built here (``DraftForm()``, ``draft_form()``) or annotated as one."""
    if isinstance(node, ast.Call):
        return callee(node).lower().endswith("form")
    text = ast.unparse(node)
    return text.endswith("Form") and "|" not in text


def _root(node: ast.AST) -> ast.AST:
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    if isinstance(node, ast.Call) and callee(node) == "getattr" and node.args:
        return _root(node.args[0])  # getattr(form, name).errors = [...]
    return node


def row_writes(source: str) -> list[str]:
    """Where ``source`` changes a row itself: assigns to anything but a form's
    fields, calls setattr, or writes through a database session."""
    tree = ast.parse(source)
    forms = bound_to(tree, _is_form)
    sessions = bound_to(tree, is_session)
    found = []
    for node in ast.walk(tree):
        targets: list[ast.AST] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        targets = [
            e
            for t in targets
            for e in (t.elts if isinstance(t, ast.Tuple | ast.List) else [t])
        ]
        for target in targets:
            # x.y = … changes an object; d[k] = … only when d is one's attribute
            # (a view's own dict of answers is its own business).
            if isinstance(target, ast.Attribute) or (
                isinstance(target, ast.Subscript)
                and isinstance(target.value, ast.Attribute | ast.Subscript)
            ):
                root = _root(target)
                if not (isinstance(root, ast.Name) and root.id in forms):
                    found.append(f"{node.lineno}: {ast.unparse(node)}")
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in {"setattr", "delattr"}:
            found.append(f"{node.lineno}: {ast.unparse(node)}")
        elif isinstance(func, ast.Attribute) and (
            func.attr in ALWAYS_WRITES
            or (
                func.attr in SESSION_WRITES
                and (
                    is_session(func.value)
                    or (isinstance(func.value, ast.Name) and func.value.id in sessions)
                )
            )
        ):
            found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


def _offences(folder: Path, checker) -> list[str]:
    return [
        f"{path.relative_to(VIEWS.parent)}:{offence}"
        for path in sorted(folder.rglob("*.py"))
        for offence in checker(path.read_text())
    ]


def test_views_never_reach_git() -> None:
    offenders = _offences(VIEWS, git_uses)
    assert offenders == [], (
        "ask kb.services.editing (history, publishing) instead of git:\n"
        + "\n".join(offenders)
    )


def test_the_editors_views_change_drafts_only_through_services() -> None:
    offenders = _offences(EDITOR_VIEWS, row_writes)
    assert offenders == [], (
        "call a kb.services.editing function instead:\n" + "\n".join(offenders)
    )


@pytest.mark.parametrize(
    "snippet",
    [
        "from kb.storage import git_repo",
        "from kb.storage import git_locks as locks",
        "import kb.storage.git_repo",
        "from kb.storage.git_repo import Repository",
        "from ..storage.git_locks import inspect",
        "import importlib\nimportlib.import_module('kb.storage.git_repo')",
        "revisions = site.git_repo.Repository(root).history(path)",
        "revisions = editor_site().repository().history(path)",
    ],
)
def test_the_git_rule_catches(snippet: str) -> None:
    assert git_uses(snippet)


@pytest.mark.parametrize(
    "snippet",
    [
        "draft.source_ticket = ticket.reference",
        "draft.revision += 1",
        "draft.state, draft.lock_user_id = 'proposed', None",
        "found = drafts.get(database, 1)\nfound.title: str = 'x'",
        "setattr(draft, 'title', 'x')",
        "db.session().commit()",
        "database = db.session()\ndatabase.add(Draft(title='x'))",
        "with standalone_session() as s:\n    s.delete(draft)",
        "db.session().execute(update(Draft).values(state='published'))",
        "def f(session: Session) -> None:\n    session.flush()",
        "draft.extra['reviewed'] = today",
        "form = DraftForm()\nform = draft\nother = draft\nother.body = ''",
    ],
)
def test_the_draft_rule_catches(snippet: str) -> None:
    assert row_writes(snippet)


def test_the_draft_rule_lets_forms_be_filled() -> None:
    good = """
form = draft_form()
form.revision.data = str(draft.revision)
form.publish_at.errors = ["Choose a time in the future."]
getattr(form, field).errors = [message]
def render(form: NeedsUpdateForm) -> None:
    form.reason.errors = []
response.vary.add("Cookie")
answer["notice"] = message
events.flush()
database = db.session()
drafts.save(database, draft, user, fields)
"""
    assert row_writes(good) == []
    assert git_uses("from kb.services.editing import history\n") == []

"""The layout's rules that a reviewer would otherwise have to remember."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

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


def test_only_one_module_imports_whoosh() -> None:
    kb = VIEWS.parent
    importers = sorted(
        str(path.relative_to(kb))
        for path in kb.rglob("*.py")
        if re.search(r"^\s*(from|import) whoosh", path.read_text(), re.MULTILINE)
    )
    assert importers == ["storage/search_index.py"]


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


def _bound_to(tree: ast.AST, wanted) -> set[str]:
    """Names assigned (or annotated) somewhere in ``tree`` from what ``wanted`` says."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and wanted(node.value):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.withitem) and wanted(node.context_expr):
            if isinstance(node.optional_vars, ast.Name):
                names.add(node.optional_vars.id)
        elif isinstance(node, ast.arg) and node.annotation is not None:
            if wanted(node.annotation):
                names.add(node.arg)
    return names


def _callee(node: ast.AST) -> str:
    if isinstance(node, ast.Call):
        func = node.func
        return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return ""


def _is_form(node: ast.AST) -> bool:
    """A form built here (``DraftForm()``, ``draft_form()``) or annotated as one."""
    if isinstance(node, ast.Call):
        return _callee(node).lower().endswith("form")
    text = ast.unparse(node)
    return text.endswith("Form") and "|" not in text


def _is_session(node: ast.AST) -> bool:
    """``db.session()``, ``standalone_session()``, or an annotation ``Session``."""
    if isinstance(node, ast.Call):
        return _callee(node) in {"session", "standalone_session"}
    return ast.unparse(node).split(".")[-1] == "Session"


def _root(node: ast.AST) -> ast.AST:
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    if isinstance(node, ast.Call) and _callee(node) == "getattr" and node.args:
        return _root(node.args[0])  # getattr(form, name).errors = [...]
    return node


def row_writes(source: str) -> list[str]:
    """Where ``source`` changes a row itself: assigns to anything but a form's
    fields, calls setattr, or writes through a database session."""
    tree = ast.parse(source)
    forms = _bound_to(tree, _is_form)
    sessions = _bound_to(tree, _is_session)
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
                    _is_session(func.value)
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

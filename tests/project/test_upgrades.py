"""Upgrading an existing SQLite database keeps every row (migrations after 0013).

A batch copy of ``users`` on SQLite drops and recreates the table; with foreign
keys on, that deleted every draft (ON DELETE CASCADE) and emptied the columns
set to NULL — the passkeys migration did so once. Nothing here runs a copy.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text

from kb.storage import migrate

NOW = "2026-12-01 10:00:00"


def test_upgrading_to_head_keeps_drafts_and_who_changed_them(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    migrate.upgrade(url, "0013_short_links")
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO users (id, email, name, role, password_hash, active,"
                    " session_id, created_at) VALUES (1, 'a@x.example', '', 'editor',"
                    " 'x', 1, 1, :now)"
                ),
                {"now": NOW},
            )
            conn.execute(
                text(
                    "INSERT INTO drafts (id, base_hash, base_text, title, lang, slug,"
                    " category, tags, summary, aliases, translation, status, owner,"
                    " extra, body, state, author_id, approved_by_id, lock_user_id,"
                    " revision, created_at, updated_at) VALUES (1, '', '', 'T', 'id',"
                    " 't', '', '', '', '', '', 'published', '', '{}', 'B', 'editing',"
                    " 1, 1, 1, 2, :now, :now)"
                ),
                {"now": NOW},
            )
            conn.execute(
                text(
                    "INSERT INTO draft_changes (draft_id, user_id, revision, text,"
                    " created_at) VALUES (1, 1, 2, 'B', :now)"
                ),
                {"now": NOW},
            )
        migrate.upgrade(url)
        with engine.connect() as conn:
            drafts = conn.execute(
                text("SELECT author_id, approved_by_id, lock_user_id FROM drafts")
            ).all()
            changes = conn.execute(text("SELECT user_id FROM draft_changes")).all()
    finally:
        engine.dispose()
    assert [tuple(row) for row in drafts] == [(1, 1, 1)]
    assert [tuple(row) for row in changes] == [(1,)]

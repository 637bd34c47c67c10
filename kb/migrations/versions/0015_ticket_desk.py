"""ticket desk: message authors, merges, satisfaction, presence, mailed links

Revision ID: 0015_ticket_desk
Revises: 0013_short_links
Create Date: 2026-12-07 11:30:00

- ``messages.user_id``: the staff member who wrote a reply or note (old rows
  keep NULL and read as "the team");
- ``ticket_events.by_customer``: a change the customer made (close, reopen,
  reply, rating), so the history names every author;
- ``tickets.merged_into_id``, ``resolved_at`` and the customer's rating
  (``rating``, ``rating_comment``, ``rated_at``);
- ``ticket_presence``: which agent last had a draft open on which ticket;
- ``ticket_links``: the extra secret links mailed with replies (hashes only);
- ``outbox.html_body``: the HTML part of a multipart mail.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_ticket_desk"
down_revision = "0016_staff_mfa"
branch_labels = None
depends_on = None


def _add_reference(table: str, column: str, target: str, name: str) -> None:
    """A nullable column referencing ``target`` (ON DELETE SET NULL).

    On SQLite the column is added in place: a batch copy would drop and
    recreate ``tickets``, and with foreign keys on that deletes every message
    (ON DELETE CASCADE).
    """
    if op.get_bind().dialect.name == "sqlite":
        present = {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}
        if column in present:
            return  # left by a downgrade on SQLite (see _drop_reference)
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN {column} INTEGER "
            f"REFERENCES {target} (id) ON DELETE SET NULL"
        )
        return
    op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
    op.create_foreign_key(name, table, target, [column], ["id"], ondelete="SET NULL")


def upgrade() -> None:
    _add_reference("messages", "user_id", "users", "fk_messages_user_id_users")
    op.add_column(
        "ticket_events",
        sa.Column(
            "by_customer", sa.Boolean(), nullable=False, server_default=sa.false()
        ),
    )
    _add_reference(
        "tickets", "merged_into_id", "tickets", "fk_tickets_merged_into_id_tickets"
    )
    op.add_column(
        "tickets", sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("tickets", sa.Column("rating", sa.String(length=8), nullable=True))
    op.add_column("tickets", sa.Column("rating_comment", sa.Text(), nullable=True))
    op.add_column(
        "tickets", sa.Column("rated_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_index("ix_tickets_resolved_at", "tickets", ["resolved_at"])
    op.add_column("outbox", sa.Column("html_body", sa.Text(), nullable=True))
    op.create_table(
        "ticket_presence",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("ticket_id", "user_id"),
    )
    op.create_table(
        "ticket_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_ticket_links_ticket_id", "ticket_links", ["ticket_id"])
    op.create_index("ix_ticket_links_token_hash", "ticket_links", ["token_hash"])


def _drop_reference(table: str, column: str, name: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite cannot drop a column with a REFERENCES clause in place, and a
        # batch copy of ``tickets`` would cascade into ``messages``: the column
        # stays (always NULL for the older code, which never reads it).
        return
    op.drop_constraint(name, table, type_="foreignkey")
    op.drop_column(table, column)


def downgrade() -> None:
    op.drop_index("ix_ticket_links_token_hash", table_name="ticket_links")
    op.drop_index("ix_ticket_links_ticket_id", table_name="ticket_links")
    op.drop_table("ticket_links")
    op.drop_table("ticket_presence")
    op.drop_column("outbox", "html_body")
    op.drop_index("ix_tickets_resolved_at", table_name="tickets")
    for column in ("rated_at", "rating_comment", "rating", "resolved_at"):
        op.drop_column("tickets", column)
    _drop_reference("tickets", "merged_into_id", "fk_tickets_merged_into_id_tickets")
    op.drop_column("ticket_events", "by_customer")
    _drop_reference("messages", "user_id", "fk_messages_user_id_users")

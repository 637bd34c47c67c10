"""staff accounts on the web: invitations, password resets, sign-in list, audit log

Revision ID: 0014_staff_admin
Revises: 0013_short_links
Create Date: 2026-12-07 11:30:00

``account_links`` holds the SHA-256 of each one-time link that sets a password
(an invitation or a reset), when it expires and when it was used.
``audit_log`` records what admins did to staff accounts (kept
``KB_AUDIT_RETENTION_DAYS``). ``users.last_sign_in_at`` feeds the staff list;
``staff_sessions.device`` and ``network`` (browser and system, address with its
last part cut) let a person recognise their own sign-ins.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_staff_admin"
down_revision = "0013_short_links"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("last_sign_in_at", sa.DateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("staff_sessions") as batch:
        batch.add_column(
            sa.Column("device", sa.String(length=80), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column(
                "network", sa.String(length=64), nullable=False, server_default=""
            )
        )
    op.create_table(
        "account_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_account_links_user_id", "account_links", ["user_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_email", sa.String(length=254), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("target_email", sa.String(length=254), nullable=False),
        sa.Column("detail", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_log_created_at", "audit_log", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_created_at", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index("ix_account_links_user_id", table_name="account_links")
    op.drop_table("account_links")
    with op.batch_alter_table("staff_sessions") as batch:
        batch.drop_column("network")
        batch.drop_column("device")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("last_sign_in_at")

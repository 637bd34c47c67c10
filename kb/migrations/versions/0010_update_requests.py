"""'this article needs an update': reasons from tickets, votes and staff

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "update_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("ticket_reference", sa.String(length=16), nullable=True),
        sa.Column("vote_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cleared_commit", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(["vote_id"], ["votes.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_update_requests_slug", "update_requests", ["slug"])
    op.create_index("ix_update_requests_cleared_at", "update_requests", ["cleared_at"])


def downgrade() -> None:
    op.drop_index("ix_update_requests_cleared_at", table_name="update_requests")
    op.drop_index("ix_update_requests_slug", table_name="update_requests")
    op.drop_table("update_requests")

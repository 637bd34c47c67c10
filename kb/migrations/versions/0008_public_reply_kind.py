"""public replies remember their kind (answer, handoff, welcome) for the team report

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 12:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("public_replies") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(16), nullable=False, server_default="answer")
        )


def downgrade() -> None:
    with op.batch_alter_table("public_replies") as batch:
        batch.drop_column("kind")

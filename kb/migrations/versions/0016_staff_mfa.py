"""staff second factor: TOTP secrets (sealed), recovery codes, enrolment grace

Revision ID: 0016_staff_mfa
Revises: 0014_staff_admin
Create Date: 2026-12-07 12:00:00

``users.totp_sealed`` is the TOTP secret sealed with a key derived from
``KB_SECRET_KEY``; ``totp_last_step`` makes each code single-use;
``mfa_grace_until`` is when ``KB_STAFF_MFA=required`` stops letting the person
in without a second factor. ``staff_recovery_codes`` keeps the SHA-256 of each
single-use recovery code.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_staff_mfa"
down_revision = "0014_staff_admin"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("totp_sealed", sa.String(length=200), nullable=True))
        batch.add_column(
            sa.Column("totp_enabled_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("mfa_grace_until", sa.DateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "staff_recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_staff_recovery_codes_user_id", "staff_recovery_codes", ["user_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_staff_recovery_codes_user_id", table_name="staff_recovery_codes")
    op.drop_table("staff_recovery_codes")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("mfa_grace_until")
        batch.drop_column("totp_last_step")
        batch.drop_column("totp_enabled_at")
        batch.drop_column("totp_sealed")

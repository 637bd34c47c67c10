"""staff passkeys (WebAuthn): credentials and each person's user handle

Revision ID: 0017_passkeys
Revises: 0016_staff_mfa
Create Date: 2026-12-07 12:40:00

``staff_passkeys`` keeps, per passkey, the credential id, its public key (COSE),
the authenticator's signature counter, the name its owner gave it and when it
was added and last used. ``users.passkey_handle`` is the random WebAuthn user
handle the person's passkeys carry. ``staff_passkey_challenges`` holds the hash
of each challenge handed out until it is used or expires (single use).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_passkeys"
down_revision = "0015_ticket_desk"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A column and a unique index, never a batch copy of ``users``: on SQLite
    # a copy drops and recreates the table, and with foreign keys on that
    # deletes every row referencing a user (ON DELETE CASCADE: draft changes,
    # sign-ins, tokens).
    op.add_column(
        "users", sa.Column("passkey_handle", sa.String(length=64), nullable=True)
    )
    op.create_index("uq_users_passkey_handle", "users", ["passkey_handle"], unique=True)
    op.create_table(
        "staff_passkeys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.String(length=1400), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("sign_count", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("transports", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("credential_id"),
    )
    op.create_index("ix_staff_passkeys_user_id", "staff_passkeys", ["user_id"])
    op.create_table(
        "staff_passkey_challenges",
        sa.Column("challenge_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("challenge_hash"),
    )


def downgrade() -> None:
    op.drop_table("staff_passkey_challenges")
    op.drop_index("ix_staff_passkeys_user_id", table_name="staff_passkeys")
    op.drop_table("staff_passkeys")
    op.drop_index("uq_users_passkey_handle", table_name="users")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("passkey_handle")

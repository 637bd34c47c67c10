"""inbound mail: per-mail reply tokens, outbox headers, received mail

Revision ID: 0019_inbound_mail
Revises: 0015_ticket_desk
Create Date: 2026-12-07 12:40:00

``reply_tokens`` keeps the SHA-256 of the token each ticket mail carries in its
Reply-To and Message-ID; ``outbox.headers`` holds a queued mail's threading
headers until it is sent; ``inbound_mails`` remembers each received mail's
Message-ID (hashed) so a mail delivered twice is added once.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_inbound_mail"
down_revision = "0017_passkeys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("headers", sa.Text(), nullable=True))
    op.create_table(
        "reply_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_reply_tokens_ticket_id", "reply_tokens", ["ticket_id"])
    op.create_table(
        "inbound_mails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id_hash", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id_hash"),
    )
    op.create_index("ix_inbound_mails_received_at", "inbound_mails", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_inbound_mails_received_at", table_name="inbound_mails")
    op.drop_table("inbound_mails")
    op.drop_index("ix_reply_tokens_ticket_id", table_name="reply_tokens")
    op.drop_table("reply_tokens")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("headers")

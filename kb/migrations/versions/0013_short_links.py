"""short links: /s/<code> leads to the article section a public reply points to

Revision ID: 0013_short_links
Revises: 0012
Create Date: 2026-12-07 07:00:00

``short_links`` keeps, per public reply code, the article (slug at drafting
time), language, section anchor and platform its short link redirects to. Rows
are made when a reply is drafted; the ones never posted nor opened are pruned
by ``kb prune-short-links``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_short_links"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "short_links",
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("anchor", sa.String(length=200), nullable=True),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_index("ix_short_links_created_at", "short_links", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_short_links_created_at", table_name="short_links")
    op.drop_table("short_links")

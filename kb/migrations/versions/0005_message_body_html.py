"""messages.body_html: agent messages rendered once, when saved

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 08:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

messages = sa.table(
    "messages",
    sa.column("id", sa.Integer),
    sa.column("author", sa.String),
    sa.column("body", sa.Text),
    sa.column("body_html", sa.Text),
)


def upgrade() -> None:
    op.add_column("messages", sa.Column("body_html", sa.Text(), nullable=True))
    # Backfill: render each existing agent message once, so views never render.
    # The renderer is imported here (not copied) so old rows look like new ones.
    from kb.markdown import message_html

    bind = op.get_bind()
    rows = bind.execute(
        sa.select(messages.c.id, messages.c.body).where(messages.c.author == "agent")
    ).all()
    for row in rows:
        bind.execute(
            messages.update()
            .where(messages.c.id == row.id)
            .values(body_html=message_html(row.body or ""))
        )


def downgrade() -> None:
    op.drop_column("messages", "body_html")

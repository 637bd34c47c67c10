"""review that cannot be bypassed: who changed a draft, and what was approved

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 09:00:00

``draft_changes`` records who changed a draft's text and to which revision, so
"a second person must approve" means nobody who changed the text since the last
approval (``drafts.approved_revision``). ``draft_comments.kind`` tells Jawab's
own entries ("reopened": a change sent the draft back to being written) from
people's comments.

Open drafts get one row per person known to have worked on them (the author,
and whoever holds or last held the soft lock): their text history before this
revision is unknown, so both count as having changed it. Drafts scheduled
before this revision keep no approved revision: at their time they are not
published but sent back to editing, and whoever scheduled them is told, since
nothing shows that the text is still the one that was approved.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("drafts", sa.Column("approved_revision", sa.Integer(), nullable=True))
    op.add_column(
        "draft_comments",
        sa.Column(
            "kind", sa.String(length=16), nullable=False, server_default="comment"
        ),
    )
    op.create_table(
        "draft_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["draft_id"], ["drafts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_draft_changes_draft_id", "draft_changes", ["draft_id"])
    open_states = "('editing', 'proposed', 'scheduled')"
    for person in ("author_id", "lock_user_id"):
        op.execute(
            "INSERT INTO draft_changes (draft_id, user_id, revision, created_at) "
            f"SELECT d.id, d.{person}, d.revision, d.updated_at FROM drafts d "
            f"WHERE d.state IN {open_states} AND d.{person} IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM draft_changes c "
            f"WHERE c.draft_id = d.id AND c.user_id = d.{person})"
        )


def downgrade() -> None:
    op.drop_index("ix_draft_changes_draft_id", table_name="draft_changes")
    op.drop_table("draft_changes")
    with op.batch_alter_table("draft_comments") as batch:
        batch.drop_column("kind")
    with op.batch_alter_table("drafts") as batch:
        batch.drop_column("approved_revision")

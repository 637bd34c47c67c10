"""insights: search events, article views, votes, public replies, staff work,
daily roll-ups (no IP address or customer account in any of them)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 10:40:50
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "article_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("visit_id", sa.String(length=32), nullable=True),
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("reply_code", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("article_views", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_article_views_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_article_views_reply_code"), ["reply_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_article_views_slug"), ["slug"], unique=False
        )

    op.create_table(
        "report_daily",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("metric", sa.String(length=24), nullable=False),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("day", "metric", "lang", "key", "source"),
    )
    with op.batch_alter_table("report_daily", schema=None) as batch_op:
        batch_op.create_index(
            "ix_report_daily_metric_day", ["metric", "day"], unique=False
        )

    op.create_table(
        "search_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key", sa.String(length=16), nullable=False),
        sa.Column("visit_id", sa.String(length=32), nullable=True),
        sa.Column("query", sa.String(length=200), nullable=False),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("results", sa.Integer(), nullable=False),
        sa.Column("corrected", sa.Boolean(), nullable=False),
        sa.Column("synonym", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("best_slug", sa.String(length=200), nullable=True),
        sa.Column("clicked_slug", sa.String(length=200), nullable=True),
        sa.Column("clicked_section", sa.String(length=200), nullable=True),
        sa.Column("clicked_rank", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("search_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_search_events_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_search_events_key"), ["key"], unique=False)
        batch_op.create_index(
            "ix_search_events_lang_query", ["lang", "query"], unique=False
        )

    op.create_table(
        "votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("visit_id", sa.String(length=32), nullable=True),
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("section", sa.String(length=200), nullable=False),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=True),
        sa.Column("comment", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("votes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_votes_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_votes_slug"), ["slug"], unique=False)

    op.create_table(
        "public_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("section", sa.String(length=200), nullable=True),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("case_code", sa.String(length=32), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("outcome_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    with op.batch_alter_table("public_replies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_public_replies_case_code"), ["case_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_public_replies_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_public_replies_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "staff_work",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("staff_work", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_staff_work_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_staff_work_user_id"), ["user_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("staff_work", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_work_user_id"))
        batch_op.drop_index(batch_op.f("ix_staff_work_created_at"))

    op.drop_table("staff_work")
    with op.batch_alter_table("public_replies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_public_replies_user_id"))
        batch_op.drop_index(batch_op.f("ix_public_replies_created_at"))
        batch_op.drop_index(batch_op.f("ix_public_replies_case_code"))

    op.drop_table("public_replies")
    with op.batch_alter_table("votes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_votes_slug"))
        batch_op.drop_index(batch_op.f("ix_votes_created_at"))

    op.drop_table("votes")
    with op.batch_alter_table("search_events", schema=None) as batch_op:
        batch_op.drop_index("ix_search_events_lang_query")
        batch_op.drop_index(batch_op.f("ix_search_events_key"))
        batch_op.drop_index(batch_op.f("ix_search_events_created_at"))

    op.drop_table("search_events")
    with op.batch_alter_table("report_daily", schema=None) as batch_op:
        batch_op.drop_index("ix_report_daily_metric_day")

    op.drop_table("report_daily")
    with op.batch_alter_table("article_views", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_views_slug"))
        batch_op.drop_index(batch_op.f("ix_article_views_reply_code"))
        batch_op.drop_index(batch_op.f("ix_article_views_created_at"))

    op.drop_table("article_views")

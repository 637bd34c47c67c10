"""report roll-ups: daily totals, reasons per section, and read indexes

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 13:50:00

A report's per-day figures (searches per day, the overview's totals) read one
``all:<metric>`` row per day and language instead of summing every query's
row; the days already rolled up get theirs here, from the rows they have.
The articles report reads "not helpful" reasons from the roll-up too.
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# The keyless metrics: the closing marker and the found-an-answer visits.
KEYLESS = "('rolled', 'visit_search', 'visit_found')"


def upgrade() -> None:
    # "Not helpful" reasons are now rolled up per section (key "slug#anchor");
    # older rows counted the whole article: they stay, as the article's own.
    op.execute(
        "UPDATE report_daily SET key = key || '#' "
        "WHERE metric = 'reason' AND length(key) < 200"
    )
    op.execute(
        "INSERT INTO report_daily (day, metric, lang, key, source, value, visits) "
        "SELECT day, 'all:' || metric, lang, '', '', SUM(value), 0 "
        "FROM report_daily "
        f"WHERE metric NOT LIKE 'all:%' AND metric NOT IN {KEYLESS} "
        "GROUP BY day, metric, lang"
    )
    # Reports filter on metric, language and a range of days, then group by
    # key and source: with these columns in the index they never read the table.
    op.create_index(
        "ix_report_daily_read",
        "report_daily",
        ["metric", "day", "lang", "key", "source", "value", "visits"],
    )
    # Today's searches in one language: without it SQLite walked the
    # (lang, query) index, half the table, instead of one day's rows.
    op.create_index(
        "ix_search_events_lang_created", "search_events", ["lang", "created_at"]
    )
    # The next `kb reports rollup` closes again every day whose raw events are
    # still kept, writing the per-section reasons; until then reports read
    # those days raw (correct, only slower).
    op.execute("DELETE FROM report_daily WHERE metric = 'rolled'")


def downgrade() -> None:
    op.drop_index("ix_search_events_lang_created", table_name="search_events")
    op.drop_index("ix_report_daily_read", table_name="report_daily")
    op.execute("DELETE FROM report_daily WHERE metric LIKE 'all:%'")

"""Indexes for city scale: open orders by the deadline that matters now; a covering index for period sums

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Written out rather than imported: a migration must not change when the code that uses it does.
DUE = "CASE WHEN responded_at IS NULL THEN respond_due_at ELSE resolve_due_at END"
INCLUDE = ("status, district_code, township_code, category, subcategory, urgency, dispatched_at, responded_at, "
           "respond_due_at, resolve_due_at")  # fmt: skip
OPEN = "status IN ('open', 'responded')"


def upgrade() -> None:
    # PostgreSQL: covering, so a page of the SLA board is an index-only scan (SQLite has no INCLUDE).
    include = f" INCLUDE ({INCLUDE})" if op.get_context().dialect.name == "postgresql" else ""
    op.execute(f"CREATE INDEX ix_cases_open_due ON cases (({DUE}), case_id){include} WHERE {OPEN}")
    op.create_index("ix_rollup_daily_day_cover", "rollup_daily", ["day", "township_code", "orders", "valid_callbacks",
                    "contacted", "solved", "satisfied", "basically"])  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_rollup_daily_day_cover", "rollup_daily")
    op.execute("DROP INDEX ix_cases_open_due")

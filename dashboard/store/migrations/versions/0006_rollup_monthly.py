"""rollup_monthly: township x assessment month sums, so a month's ranking reads 343 rows, not 120,000

Revision ID: 0006
Revises: 0005

Created empty: the month a day belongs to depends on the rules' month cut-off day, which a migration
does not know. The first catch-up finds no month basis recorded and fills the table from
`rollup_daily` in one statement (`rollups.RollupConsumer.load`).
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

COUNTS = ("orders", "valid_callbacks", "contacted", "solved", "satisfied", "basically")


def upgrade() -> None:
    op.create_table(
        "rollup_monthly",
        sa.Column("township_code", sa.String(length=9), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        sa.ForeignKeyConstraint(["township_code"], ["townships.code"]),
        sa.PrimaryKeyConstraint("township_code", "month"),
    )
    op.create_index("ix_rollup_monthly_month", "rollup_monthly", ["month"])


def downgrade() -> None:
    op.drop_index("ix_rollup_monthly_month", table_name="rollup_monthly")
    op.drop_table("rollup_monthly")

"""alerts: every alert pushed to the people on duty, with its delivery and acknowledgement

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

import dashboard.store.schema

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", dashboard.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("delivery", sa.Text(), nullable=True),
        sa.Column("acknowledged_at", dashboard.store.schema.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_alerts_subject_created", "alerts", ["subject", "created_at"])
    op.create_index("ix_alerts_created", "alerts", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_alerts_created", table_name="alerts")
    op.drop_index("ix_alerts_subject_created", table_name="alerts")
    op.drop_table("alerts")

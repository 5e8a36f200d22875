"""change feed: case_changes filled by triggers on cases

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# PostgreSQL: statement-level triggers with transition tables, so a COPY of a million rows costs one
# set-based INSERT, not a million trigger calls. The transaction id lets readers bound their position
# by the oldest transaction still in flight (dashboard/live/change_feed.py).
PG_FUNCTION = """
CREATE FUNCTION hotline_case_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO case_changes (case_id, txid) SELECT case_id, pg_current_xact_id()::text::bigint FROM new_rows;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO case_changes (case_id, txid)
      SELECT case_id, pg_current_xact_id()::text::bigint FROM (
        SELECT case_id FROM new_rows UNION SELECT case_id FROM old_rows) AS changed;
  ELSE
    INSERT INTO case_changes (case_id, txid) SELECT case_id, pg_current_xact_id()::text::bigint FROM old_rows;
  END IF;
  RETURN NULL;
END $$
"""
PG_TRIGGERS = {
    "insert": "AFTER INSERT ON cases REFERENCING NEW TABLE AS new_rows",
    "update": "AFTER UPDATE ON cases REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "delete": "AFTER DELETE ON cases REFERENCING OLD TABLE AS old_rows",
}
# SQLite: one writer at a time, so the AUTOINCREMENT seq is assigned in commit order.
SQLITE_TRIGGERS = {
    "insert": "AFTER INSERT ON cases BEGIN INSERT INTO case_changes (case_id) VALUES (NEW.case_id); END",
    "update": "AFTER UPDATE ON cases BEGIN INSERT INTO case_changes (case_id) VALUES (NEW.case_id); END",
    "rekey": "AFTER UPDATE OF case_id ON cases WHEN OLD.case_id <> NEW.case_id "
    "BEGIN INSERT INTO case_changes (case_id) VALUES (OLD.case_id); END",
    "delete": "AFTER DELETE ON cases BEGIN INSERT INTO case_changes (case_id) VALUES (OLD.case_id); END",
}


def upgrade() -> None:
    seq = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "case_changes",
        sa.Column("seq", seq, autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("txid", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("seq"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_case_changes_txid", "case_changes", ["txid"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        for name, spec in PG_TRIGGERS.items():
            op.execute(
                f"CREATE TRIGGER cases_feed_{name} {spec} FOR EACH STATEMENT EXECUTE FUNCTION hotline_case_changes()"
            )
    else:
        for name, spec in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER cases_feed_{name} {spec}")


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name in PG_TRIGGERS if postgresql else SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER cases_feed_{name}" + (" ON cases" if postgresql else ""))
    if postgresql:
        op.execute("DROP FUNCTION hotline_case_changes()")
    op.drop_index("ix_case_changes_txid", table_name="case_changes")
    op.drop_table("case_changes")

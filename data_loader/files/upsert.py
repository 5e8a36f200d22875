"""Write one validated batch atomically: batch record, staged insert/update of cases, rejected rows.

Rows go first into a temporary staging table (`dashboard.store.db.copy_frame`: COPY on PostgreSQL,
executemany on SQLite). Two set-based statements then write them, each counting its own rows:

- `UPDATE cases ... FROM stage WHERE <some contract column differs>`: changed known cases. A row
  identical to the stored case is not touched, so its `updated_at` (which the poller watches)
  stays put and a re-import is a no-op;
- `INSERT INTO cases SELECT ... FROM stage WHERE NOT EXISTS (the case)`: new cases. A plain insert,
  not an `ON CONFLICT` upsert, so it takes the fast path.

Into an empty table (a first import) every row is new, so the batch is copied straight into
`cases` inside `deferred_indexes` (secondary indexes and foreign keys rebuilt once afterwards).

`batch_id` and `updated_at` are the same for the whole batch, so they are bound as parameters
rather than staged. Both engines run the same SQL (SQLite >= 3.39 has IS DISTINCT FROM and
UPDATE ... FROM). Two imports racing to insert the same new case id make the later one fail as a
whole (primary key), which the atomic batch turns into "nothing written; run it again".

Everything happens on the caller's connection inside the caller's transaction, so the sync can
commit its watermark together with the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

import pandas as pd
from sqlalchemy import Connection, TextClause, bindparam, insert, text, update

from dashboard.assessment.rules import Rules
from dashboard.privacy import scrub_personal
from dashboard.store.case_rows import CASE_COLUMNS, CONTRACT_COLUMNS, TIME_COLUMNS, complete_cases
from dashboard.store.db import copy_frame, deferred_indexes, epoch_micros
from dashboard.store.schema import ImportBatch, RejectedRow, UTCDateTime

STAGE = "import_stage"
_BATCH_COLUMNS = ("batch_id", "updated_at")
_STAGED = [c for c in CASE_COLUMNS if c not in _BATCH_COLUMNS]
_TIMES = [c for c in _STAGED if c in TIME_COLUMNS]
_COMPARED = [c for c in CONTRACT_COLUMNS if c != "case_id"]
WORK_MEM = "256MB"
_PARAMS = (bindparam("batch"), bindparam("now", type_=UTCDateTime()))


def _value(column: str, postgresql: bool) -> str:
    """A staged column as a `cases` value: on PostgreSQL times are staged as epoch microseconds.

    Integers render and parse several times faster than timestamp text on both ends of COPY
    (Arrow formats time-zone-aware times value by value; the server's timestamptz parser is slow).
    """
    if postgresql and column in _TIMES:
        return f"(TIMESTAMPTZ 'epoch' + s.{column} * INTERVAL '1 microsecond')"
    return f"s.{column}"


@cache
def _statements(postgresql: bool) -> tuple[TextClause, TextClause]:
    """(UPDATE of changed known cases, INSERT of new cases) from the staging table."""
    values = {c: _value(c, postgresql) for c in _STAGED}
    update_sql = text(
        "UPDATE cases SET "
        + ", ".join(f"{c} = {values[c]}" for c in _STAGED if c != "case_id")
        + f", batch_id = :batch, updated_at = :now FROM {STAGE} s WHERE cases.case_id = s.case_id AND ("
        + " OR ".join(f"{values[c]} IS DISTINCT FROM cases.{c}" for c in _COMPARED)
        + ")"
    ).bindparams(*_PARAMS)
    insert_sql = text(
        f"INSERT INTO cases ({', '.join(_STAGED)}, batch_id, updated_at) "
        f"SELECT {', '.join(values.values())}, :batch, :now FROM {STAGE} s "
        "WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE c.case_id = s.case_id)"
    ).bindparams(*_PARAMS)
    return update_sql, insert_sql


@dataclass(frozen=True)
class BatchSummary:
    batch: int
    rows: int
    accepted: int
    updated: int
    unchanged: int
    rejected: int

    def as_dict(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in ("batch", "rows", "accepted", "updated", "unchanged", "rejected")}


def _stage(conn: Connection, frame: pd.DataFrame) -> None:
    """A temporary table with the staged columns of `cases` (no constraints), filled with the batch."""
    if conn.dialect.name == "postgresql":
        columns = ", ".join(f"NULL::bigint AS {c}" if c in _TIMES else c for c in _STAGED)
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS pg_temp.{STAGE}")
        conn.exec_driver_sql(f"CREATE TEMP TABLE {STAGE} ON COMMIT DROP AS SELECT {columns} FROM cases WITH NO DATA")
        staged = frame[_STAGED].assign(**{c: epoch_micros(frame[c]) for c in _TIMES})
    else:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{STAGE}")
        conn.exec_driver_sql(f"CREATE TEMP TABLE {STAGE} AS SELECT {', '.join(_STAGED)} FROM cases WHERE 0")
        staged = frame[_STAGED]
    copy_frame(conn, STAGE, staged)


def upsert_cases(conn: Connection, frame: pd.DataFrame, batch_id: int | None, now: datetime) -> tuple[int, int]:
    """Update changed and insert new complete case rows; returns (inserted, updated).

    Into an empty table every row is new: it is copied straight in, without staging.
    """
    if frame.empty:
        return 0, 0
    postgresql = conn.dialect.name == "postgresql"
    if postgresql:  # the joins below hash a million rows: keep them in memory, for this batch only
        conn.exec_driver_sql(f"SELECT set_config('work_mem', '{WORK_MEM}', true)")
    with deferred_indexes(conn, "cases") as empty:
        if empty:
            return copy_frame(conn, "cases", frame[list(CASE_COLUMNS)]), 0
        _stage(conn, frame)
        update_sql, insert_sql = _statements(postgresql)
        params = {"batch": batch_id, "now": now}
        updated = conn.execute(update_sql, params).rowcount
        inserted = conn.execute(insert_sql, params).rowcount
    conn.exec_driver_sql(f"DROP TABLE {STAGE}")
    return int(inserted), int(updated)


def write_batch(
    conn: Connection,
    cases: pd.DataFrame,
    rejected: pd.DataFrame,
    *,
    rules: Rules,
    now: datetime,
    source: str,
    fmt: str,
) -> BatchSummary:
    """Record a batch, upsert its accepted rows and keep its rejected rows, on `conn` (no commit)."""
    batch_id = conn.execute(
        insert(ImportBatch).returning(ImportBatch.id), {"source": source[:512], "format": fmt, "started_at": now}
    ).scalar_one()
    inserted, changed = upsert_cases(conn, complete_cases(cases, rules, now, batch_id), batch_id, now)
    if len(rejected):
        conn.execute(
            insert(RejectedRow),
            [
                {
                    "batch_id": batch_id,
                    "row_number": int(r.row_number),
                    "column": r.column,
                    "reason": r.reason,
                    "raw": scrub_personal(r.raw),
                }
                for r in rejected.itertuples(index=False)
            ],
        )
    summary = BatchSummary(
        batch=batch_id,
        rows=len(cases) + len(rejected),
        accepted=inserted,
        updated=changed,
        unchanged=len(cases) - inserted - changed,
        rejected=len(rejected),
    )
    counts = {k: v for k, v in summary.as_dict().items() if k != "batch"}
    conn.execute(update(ImportBatch).where(ImportBatch.id == batch_id).values(finished_at=now, **counts))
    return summary

"""Write one validated batch atomically: batch record, staged upsert of cases, rejected rows.

Rows go first into a temporary staging table (COPY on PostgreSQL, executemany on SQLite); one
set-based statement then counts new / changed rows and one `INSERT ... SELECT ... ON CONFLICT DO
UPDATE ... WHERE <some column differs>` writes them. A row identical to the stored case is not
touched, so its `updated_at` (which the poller watches) stays put and a re-import is a no-op.
Both engines run the same SQL (SQLite >= 3.39 has IS DISTINCT FROM).

Everything happens on the caller's connection inside the caller's transaction, so the sync can
commit its watermark together with the rows.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import Connection, insert, update

from dashboard.case_rows import CASE_COLUMNS, CONTRACT_COLUMNS, complete_cases
from dashboard.rules import Rules
from dashboard.schema import ImportBatch, RejectedRow

STAGE = "import_stage"
COPY_CHUNK = 100_000
_COMPARED = [c for c in CONTRACT_COLUMNS if c != "case_id"]
_DIFFERS = " OR ".join(f"s.{c} IS DISTINCT FROM c.{c}" for c in _COMPARED)
_COUNT_SQL = (
    "SELECT COALESCE(SUM(CASE WHEN c.case_id IS NULL THEN 1 ELSE 0 END), 0), "
    f"COALESCE(SUM(CASE WHEN c.case_id IS NOT NULL AND ({_DIFFERS}) THEN 1 ELSE 0 END), 0) "
    f"FROM {STAGE} s LEFT JOIN cases c ON c.case_id = s.case_id"
)
_COLS = ", ".join(CASE_COLUMNS)
_UPSERT_SQL = (
    f"INSERT INTO cases ({_COLS}) SELECT {_COLS} FROM {STAGE} WHERE true ORDER BY case_id "
    "ON CONFLICT (case_id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in CASE_COLUMNS if c != "case_id")
    + " WHERE "
    + " OR ".join(f"cases.{c} IS DISTINCT FROM excluded.{c}" for c in _COMPARED)
)


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


def _time_text(column: pd.Series, postgresql: bool) -> np.ndarray:
    """UTC times as text, formatted by numpy (pandas' own formatting is ~10x slower).

    PostgreSQL gets ISO 8601 with `Z`; SQLite gets SQLAlchemy's storage text, so staged rows
    compare equal to rows the ORM stored.
    """
    naive = column.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[us]")
    if postgresql:
        text = np.datetime_as_string(naive, unit="us", timezone="UTC").astype(object)
    else:
        text = np.char.replace(np.datetime_as_string(naive, unit="us"), "T", " ").astype(object)
    text[np.isnat(naive)] = None
    return text


def _wire(frame: pd.DataFrame, postgresql: bool) -> pd.DataFrame:
    """Case columns ready for the driver: times as text; for SQLite also None for every null.

    (The CSV written for PostgreSQL's COPY renders NaN as an empty, i.e. null, field already.)
    """
    out = {}
    for name in CASE_COLUMNS:
        col = frame[name]
        if isinstance(col.dtype, pd.DatetimeTZDtype):
            out[name] = _time_text(col, postgresql)
        elif postgresql:
            out[name] = col
        else:
            out[name] = col.astype(object).where(col.notna(), None).to_numpy()
    return pd.DataFrame(out, index=frame.index, dtype=None if postgresql else object)


def _stage_sqlite(conn: Connection, frame: pd.DataFrame) -> None:
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{STAGE}")
    conn.exec_driver_sql(f"CREATE TEMP TABLE {STAGE} AS SELECT * FROM cases WHERE 0")
    wire = _wire(frame, postgresql=False)
    marks = ", ".join("?" for _ in CASE_COLUMNS)
    cursor = conn.connection.driver_connection.cursor()
    cursor.executemany(f"INSERT INTO {STAGE} ({_COLS}) VALUES ({marks})", wire.itertuples(index=False, name=None))
    cursor.close()


def _stage_postgresql(conn: Connection, frame: pd.DataFrame) -> None:
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS pg_temp.{STAGE}")
    conn.exec_driver_sql(f"CREATE TEMP TABLE {STAGE} (LIKE cases) ON COMMIT DROP")
    wire = _wire(frame, postgresql=True)
    copy_sql = f"COPY {STAGE} ({_COLS}) FROM STDIN (FORMAT csv)"
    with conn.connection.driver_connection.cursor() as cur, cur.copy(copy_sql) as copy:
        for start in range(0, len(wire), COPY_CHUNK):
            buffer = io.StringIO()
            wire.iloc[start : start + COPY_CHUNK].to_csv(buffer, header=False, index=False)
            copy.write(buffer.getvalue())
    conn.exec_driver_sql(f"ANALYZE {STAGE}")


def upsert_cases(conn: Connection, frame: pd.DataFrame) -> tuple[int, int]:
    """Insert new and update changed complete case rows; returns (inserted, updated)."""
    if frame.empty:
        return 0, 0
    if conn.dialect.name == "postgresql":
        _stage_postgresql(conn, frame)
    else:
        _stage_sqlite(conn, frame)
    inserted, changed = conn.exec_driver_sql(_COUNT_SQL).one()
    conn.exec_driver_sql(_UPSERT_SQL)
    conn.exec_driver_sql(f"DROP TABLE {STAGE}")
    return int(inserted), int(changed)


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
    inserted, changed = upsert_cases(conn, complete_cases(cases, rules, now, batch_id))
    if len(rejected):
        conn.execute(
            insert(RejectedRow),
            [
                {
                    "batch_id": batch_id,
                    "row_number": int(r.row_number),
                    "column": r.column,
                    "reason": r.reason,
                    "raw": r.raw,
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

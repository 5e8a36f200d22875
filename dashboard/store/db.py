"""Engine creation, schema migration on start, and the one bulk writer every loader uses.

`copy_frame` appends a DataFrame to a table on the caller's connection (so an import can stage,
upsert and record its batch in one transaction): PostgreSQL gets `COPY ... (FORMAT csv)` with the
CSV rendered by Arrow's C++ writer, SQLite a batched `executemany` with values converted column by
column. `deferred_indexes` drops a table's secondary indexes (and on PostgreSQL its foreign keys)
while an empty table is filled and rebuilds them in one pass afterwards, inside the same
transaction, because building an index over loaded rows (a sort) and validating a foreign key with
one join are several times faster than maintaining them row by row.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; for SQLite, create the folder, enable WAL and foreign keys."""
    parsed = make_url(url)
    if parsed.drivername.startswith("postgresql") and parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if parsed.drivername.startswith("sqlite"):
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


API_STATEMENT_SECONDS = 10


def limit_statement_time(conn: Connection, seconds: float = API_STATEMENT_SECONDS) -> None:
    """PostgreSQL cancels this transaction's queries after `seconds`: one heavy API request cannot hold
    a worker (SQLite has no such setting; its API queries are bounded by the row limits)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SET LOCAL statement_timeout = {int(seconds * 1000)}")


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision; an older database is upgraded, never dropped."""
    command.upgrade(alembic_config(engine), "head")


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


SQLITE_BATCH = 20_000
MAINTENANCE_WORK_MEM = "512MB"
COPY_CHUNK = 200_000


def _sqlite_time_text(column: pd.Series) -> np.ndarray:
    """Aware times as SQLAlchemy's SQLite storage text (`2026-10-03 06:05:00.000000`, UTC), null as None.

    numpy formats a million values in a fraction of a second; per-value strftime takes seconds, and
    the text must match what the ORM writes so staged rows compare equal to stored ones.
    """
    naive = column.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[us]")
    text = np.char.replace(np.datetime_as_string(naive, unit="us"), "T", " ").astype(object)
    text[np.isnat(naive)] = None
    return text


def epoch_micros(column: pd.Series) -> pd.Series:
    """Aware times as integer microseconds since 1970-01-01 UTC (nullable), for fast COPY staging."""
    naive = column.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[us]")
    return pd.Series(naive.view("int64"), index=column.index, dtype="Int64").mask(column.isna())


def _python_columns(frame: pd.DataFrame) -> list[list[Any]]:
    """Each column as a list of driver-ready Python values: None for nulls, times as SQLite text.

    Column-wise conversion is several times faster than converting value by value in a row loop.
    """
    out = []
    for _, column in frame.items():
        if isinstance(column.dtype, pd.DatetimeTZDtype):
            out.append(_sqlite_time_text(column).tolist())
            continue
        out.append(column.to_numpy(dtype=object, na_value=None).tolist())
    return out


def _naive_utc(table: pa.Table) -> pa.Table:
    """Aware timestamps as naive UTC: Arrow's CSV writer formats aware ones ~15x slower (per-value zone)."""
    for i, column in enumerate(table.schema):
        if pa.types.is_timestamp(column.type) and column.type.tz is not None:
            table = table.set_column(i, column.name, table.column(i).cast(pa.timestamp(column.type.unit)))
    return table


def _copy_postgresql(conn: Connection, table: str, frame: pd.DataFrame) -> None:
    """COPY in CSV rendered by Arrow; naive UTC times, read as UTC by setting the session zone meanwhile."""
    options = pa_csv.WriteOptions(include_header=False)
    zone = conn.exec_driver_sql("SELECT current_setting('TimeZone')").scalar()
    conn.exec_driver_sql("SELECT set_config('TimeZone', 'UTC', true)")
    sql = f"COPY {table} ({', '.join(frame.columns)}) FROM STDIN (FORMAT csv)"
    with conn.connection.driver_connection.cursor() as cur, cur.copy(sql) as copy:
        for start in range(0, len(frame), COPY_CHUNK):
            buffer = io.BytesIO()
            chunk = pa.Table.from_pandas(frame.iloc[start : start + COPY_CHUNK], preserve_index=False)
            pa_csv.write_csv(_naive_utc(chunk), buffer, options)
            copy.write(buffer.getbuffer())
    conn.exec_driver_sql("SELECT set_config('TimeZone', %(zone)s, true)", {"zone": zone})


def _copy_sqlite(conn: Connection, table: str, frame: pd.DataFrame) -> None:
    sql = f"INSERT INTO {table} ({', '.join(frame.columns)}) VALUES ({', '.join('?' for _ in frame.columns)})"
    cursor = conn.connection.driver_connection.cursor()
    for start in range(0, len(frame), SQLITE_BATCH):
        cursor.executemany(sql, zip(*_python_columns(frame.iloc[start : start + SQLITE_BATCH]), strict=True))
    cursor.close()


def copy_frame(conn: Connection, table: str, frame: pd.DataFrame) -> int:
    """Append `frame` (columns named as in `table`, times timezone-aware) on `conn`; no commit."""
    if len(frame):
        (_copy_postgresql if conn.dialect.name == "postgresql" else _copy_sqlite)(conn, table, frame)
    return len(frame)


def _is_empty(conn: Connection, table: str) -> bool:
    return not conn.exec_driver_sql(f"SELECT EXISTS (SELECT 1 FROM {table})").scalar()


def _deferrable(conn: Connection, table: str) -> tuple[list[str], list[str]]:
    """(statements dropping, statements re-creating) the secondary indexes and, on PostgreSQL, the
    foreign keys of `table`. The primary key stays: an upsert needs it."""
    if conn.dialect.name == "postgresql":
        indexes = conn.exec_driver_sql(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = %(t)s::regclass AND NOT i.indisprimary AND NOT i.indisunique",
            {"t": table},
        ).all()
        keys = conn.exec_driver_sql(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %(t)s::regclass "
            "AND contype = 'f'",
            {"t": table},
        ).all()
        drop = [f'ALTER TABLE {table} DROP CONSTRAINT "{name}"' for name, _ in keys]
        drop += [f"DROP INDEX {name}" for name, _ in indexes]
        create = [sql for _, sql in indexes] + [f'ALTER TABLE {table} ADD CONSTRAINT "{n}" {d}' for n, d in keys]
        return drop, [*create, f"ANALYZE {table}"]
    indexes = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", (table,)
    ).all()
    return [f'DROP INDEX "{name}"' for name, _ in indexes], [sql for _, sql in indexes]


@contextmanager
def deferred_indexes(conn: Connection, table: str) -> Iterator[bool]:
    """While filling an empty `table`, drop its secondary indexes (PostgreSQL: and foreign keys) and
    rebuild them at the end, in the caller's transaction: a failed load leaves them intact.
    Yields whether the table was empty.

    On a table that already has rows nothing is dropped (rebuilding would cost the whole table, and
    the DDL would lock out the dashboard's readers for that long). On SQLite an explicit BEGIN makes
    the DDL part of the transaction (the driver would otherwise commit before it).
    """
    if conn.dialect.name == "sqlite" and not conn.connection.driver_connection.in_transaction:
        conn.exec_driver_sql("BEGIN")
    empty = _is_empty(conn, table)
    drop, create = _deferrable(conn, table) if empty else ([], [])
    if drop and conn.dialect.name == "postgresql":  # sort each index in memory, for this transaction only
        conn.exec_driver_sql(f"SELECT set_config('maintenance_work_mem', '{MAINTENANCE_WORK_MEM}', true)")
    for statement in drop:
        conn.exec_driver_sql(statement)
    yield empty
    for statement in create:
        conn.exec_driver_sql(statement)


def bulk_insert(engine: Engine, table: str, frame: pd.DataFrame) -> int:
    """Insert many rows fast in one transaction of their own (seed, simulator, tests)."""
    with engine.begin() as conn, deferred_indexes(conn, table):
        return copy_frame(conn, table, frame)

"""Small database helpers: portable upsert (SQLite and PostgreSQL), frames, state in `kv_state`.

Both engines speak `INSERT ... ON CONFLICT DO UPDATE`; one helper keeps rollups, watermarks and
fingerprints on the same, set-based path instead of per-row read-modify-write.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import Connection, Table, select
from sqlalchemy.dialects import postgresql, sqlite

from dashboard.store.schema import KeyValue


def upsert(conn: Connection, table: Table, keys: list[str], records: list[dict], add: bool = False) -> None:
    """Insert `records`; on a key conflict replace the other columns, or add to them (`add=True`)."""
    if not records:
        return
    stmt = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(table)
    values = [c for c in records[0] if c not in keys]
    new = {c: (table.c[c] + stmt.excluded[c]) if add else stmt.excluded[c] for c in values}
    conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=new), records)


def read_frame(conn: Connection, stmt) -> pd.DataFrame:
    """Run a select and return its rows with SQLAlchemy's type processing (aware UTC datetimes, dates)."""
    result = conn.execute(stmt)
    columns = list(result.keys())
    # Plain tuples: pandas probes Row objects like mappings, which costs seconds on 100k rows.
    return pd.DataFrame.from_records([tuple(row) for row in result], columns=columns)


def read_state(conn: Connection, keys: Iterable[str]) -> dict[str, str]:
    rows = conn.execute(select(KeyValue.key, KeyValue.value).where(KeyValue.key.in_(list(keys))))
    return dict(rows.all())


def write_state(conn: Connection, values: dict[str, str]) -> None:
    now = datetime.now(UTC)
    upsert(conn, KeyValue.__table__, ["key"], [{"key": k, "value": v, "updated_at": now} for k, v in values.items()])

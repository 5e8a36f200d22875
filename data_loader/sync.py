"""`python -m data_loader sync --source URL --mapping FILE`: copy cases from an existing case database.

The source is polled in pages ordered by (update time, key). The watermark is the (update time,
key) of the last row of the last committed page, stored in `kv_state` under `sync:<name>` *in the
same transaction* as the page's rows; so after a crash the next run resumes exactly after the
last committed row: no duplicates, and no gap even when many rows share the boundary timestamp.
Pages go through the importer's validation and upsert (`import_raw`), so rejected rows are kept
exactly as for files. The mapping file format is described in docs/import.md.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, insert, select, text, update

from dashboard.assessment.rules import Rules
from dashboard.settings import Settings
from dashboard.store.schema import KeyValue
from data_loader.files.importer import import_raw
from data_loader.files.parsing import HEADERS
from data_loader.files.readers import RawTable, cell_text
from data_loader.files.upsert import BatchSummary
from data_loader.files.validate import ImportOptions
from geo.coords import SYSTEMS


class SyncError(Exception):
    """The mapping file or the source cannot be used (one clear sentence for the operator)."""


@dataclass(frozen=True)
class Mapping:
    name: str
    source_sql: str  # table name or "(query)"
    updated: str  # SQL expression of the update time
    key: str  # SQL expression of a unique tie-breaker
    columns: dict[str, str]  # contract column -> SQL expression
    coords: str = "wgs84"

    @property
    def state_key(self) -> str:
        return f"sync:{self.name}"

    def page_sql(self, after: bool) -> str:
        """One page of rows after the watermark, in watermark order."""
        select_list = ", ".join(f"{expr} AS {col}" for col, expr in self.columns.items())
        where = f"WHERE ({self.updated}) > :t OR (({self.updated}) = :t AND ({self.key}) > :k) " if after else ""
        return (
            f"SELECT {select_list}, {self.updated} AS _sync_updated, {self.key} AS _sync_key "
            f"FROM {self.source_sql} AS src {where}ORDER BY {self.updated}, {self.key} LIMIT :n"
        )


def load_mapping(path: Path) -> Mapping:
    """Read and check a mapping file; errors name the file and the field."""
    try:
        doc = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise SyncError(f"cannot read mapping {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SyncError(f"mapping {path} is not valid TOML: {exc}") from exc
    source, columns = doc.get("source", {}), doc.get("columns", {})
    if ("table" in source) == ("query" in source):
        raise SyncError(f"mapping {path}: [source] needs exactly one of `table` or `query`")
    if "updated" not in source:
        raise SyncError(f"mapping {path}: [source] needs `updated` (the source's update-time column)")
    unknown = sorted(set(columns) - set(HEADERS))
    if unknown:
        raise SyncError(f"mapping {path}: unknown contract column `columns.{unknown[0]}`")
    if "case_id" not in columns:
        raise SyncError(f"mapping {path}: `columns.case_id` is required")
    coords = doc.get("coords", "wgs84")
    if coords not in SYSTEMS:
        raise SyncError(f"mapping {path}: `coords` must be one of {', '.join(SYSTEMS)}")
    return Mapping(
        name=str(doc.get("name") or Path(path).stem),
        source_sql=source["table"] if "table" in source else f"({source['query']})",
        updated=source["updated"],
        key=source.get("key", columns["case_id"]),
        columns=dict(columns),
        coords=coords,
    )


def _encode(value: Any) -> dict:
    """Watermark values keep their source type, so they bind back exactly as they were read."""
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    return {"value": value}


def _decode(item: dict) -> Any:
    if "datetime" in item:
        return datetime.fromisoformat(item["datetime"])
    if "date" in item:
        return date.fromisoformat(item["date"])
    return item["value"]


def read_watermark(conn: Connection, mapping: Mapping) -> tuple[Any, Any] | None:
    stored = conn.execute(select(KeyValue.value).where(KeyValue.key == mapping.state_key)).scalar()
    if stored is None:
        return None
    doc = json.loads(stored)
    return _decode(doc["updated"]), _decode(doc["key"])


def _save_watermark(conn: Connection, mapping: Mapping, updated: Any, key: Any, now: datetime) -> None:
    value = json.dumps({"updated": _encode(updated), "key": _encode(key)})
    done = conn.execute(
        update(KeyValue).where(KeyValue.key == mapping.state_key).values(value=value, updated_at=now)
    ).rowcount
    if not done:
        conn.execute(insert(KeyValue).values(key=mapping.state_key, value=value, updated_at=now))


def fetch_page(source: Engine, mapping: Mapping, watermark: tuple[Any, Any] | None, size: int) -> pd.DataFrame:
    params: dict[str, Any] = {"n": size}
    if watermark is not None:
        params["t"], params["k"] = watermark
    with source.connect() as conn:
        result = conn.execute(text(mapping.page_sql(watermark is not None)), params)
        return pd.DataFrame(result.all(), columns=list(result.keys()), dtype=object)


def _raw_table(page: pd.DataFrame) -> RawTable:
    """Source values as the text a file would carry; rows numbered from 1 within the page."""
    frame = page.drop(columns=["_sync_updated"]).map(cell_text).astype("str")
    frame.index = range(1, len(frame) + 1)
    return RawTable(frame, "sync")


def sync_once(
    source: Engine,
    target: Engine,
    mapping: Mapping,
    settings: Settings,
    rules: Rules,
    batch_size: int = 5000,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> list[BatchSummary]:
    """Copy every row changed since the watermark, one committed batch per page; returns the batches."""
    options = ImportOptions(settings.tz, settings.caller_hash_key, mapping.coords)
    summaries = []
    while True:
        with target.connect() as conn:
            watermark = read_watermark(conn, mapping)
        page = fetch_page(source, mapping, watermark, batch_size)
        if page.empty:
            return summaries
        now = clock()
        last = page.iloc[-1]
        with target.begin() as conn:
            summaries.append(import_raw(conn, _raw_table(page), options, rules, now, mapping.state_key))
            _save_watermark(conn, mapping, last["_sync_updated"], last["_sync_key"], now)
        if len(page) < batch_size:
            return summaries

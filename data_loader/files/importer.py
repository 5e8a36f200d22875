"""`python -m data_loader import PATH`: read, validate and upsert one file as one atomic batch.

The last line printed is the JSON summary of the contract (BRIEF section 5). A file that cannot be
read at all gives one line on stderr and exit status 2, never a traceback; bad rows do not fail
the import, they are kept in `rejected_rows` (see `python -m data_loader rejected`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine

from dashboard.assessment.rules import Rules
from dashboard.ops.metrics import count_import
from dashboard.settings import Settings
from data_loader.files.limits import ImportLimits
from data_loader.files.places import Places
from data_loader.files.readers import RawTable, read_table
from data_loader.files.upsert import BatchSummary, write_batch
from data_loader.files.validate import ImportOptions, validate


def import_raw(
    conn: Connection, raw: RawTable, options: ImportOptions, rules: Rules, now: datetime, source: str
) -> BatchSummary:
    """Validate and write an already-read table on `conn` (the caller owns the transaction)."""
    checked = validate(raw, Places.load(conn), options)
    return write_batch(conn, checked.cases, checked.rejected, rules=rules, now=now, source=source, fmt=raw.format)


def import_file(
    engine: Engine,
    path: Path | str,
    settings: Settings,
    rules: Rules,
    fmt: str = "auto",
    coords: str = "wgs84",
    now: datetime | None = None,
) -> BatchSummary:
    """Import one file as one transaction; raises ImportFileError if the file cannot be read."""
    raw = read_table(Path(path), fmt, ImportLimits.from_env())
    options = ImportOptions(settings.tz, settings.caller_hash_key, coords)
    with engine.begin() as conn:
        summary = import_raw(conn, raw, options, rules, now or datetime.now(UTC), str(path))
    count_import(summary.as_dict())  # after the commit: a rolled-back batch counts nothing
    return summary

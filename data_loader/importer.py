"""`python -m data_loader import PATH`: read, validate and upsert one file as one atomic batch.

The last line printed is the JSON summary of the contract (BRIEF section 5). A file that cannot be
read at all gives one line on stderr and exit status 2, never a traceback; bad rows do not fail
the import, they are kept in `rejected_rows` (see `python -m data_loader rejected`).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from dashboard.db import make_engine, migrate
from dashboard.ops.metrics import count_import
from dashboard.rules import Rules, RulesError, load_rules
from dashboard.settings import Settings, SettingsError, load_settings
from data_loader.files.limits import ImportLimits
from data_loader.parsing import ImportFileError
from data_loader.places import Places
from data_loader.readers import FORMATS, RawTable, read_table
from data_loader.reference import load_reference
from data_loader.upsert import BatchSummary, write_batch
from data_loader.validate import ImportOptions, validate
from geo.coords import SYSTEMS


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


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help="CSV, XLSX, JSON or Open311 requests.json file")
    parser.add_argument("--format", choices=FORMATS, default="auto", help="file format (default: by content)")
    parser.add_argument(
        "--coords", choices=SYSTEMS, default="wgs84", help="coordinate system of lat/lon in the file (stored as WGS-84)"
    )


def run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings()
        rules = load_rules(settings.rules_path)
        engine = make_engine(settings.database_url)
        migrate(engine)
        load_reference(engine)
        summary = import_file(engine, args.path, settings, rules, args.format, args.coords)
    except (ImportFileError, SettingsError, RulesError) as exc:
        print(f"import: {args.path}: {exc}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:
        print(f"import: database error: {getattr(exc, 'orig', None) or exc}", file=sys.stderr)
        return 1
    if summary.rejected:
        print(
            f"{summary.rejected} rows rejected; list them with: python -m data_loader rejected --batch {summary.batch}"
        )
    print(json.dumps(summary.as_dict()))
    return 0

"""`python -m data_loader rejected [--batch ID] [--format table|csv|json] [--out PATH]`.

Lists the rows an import or sync rejected, with row number, column and reason. The CSV export
puts the raw cells back under their original headers (UTF-8 with BOM, so Excel shows Chinese):
a person can fix the rows in a spreadsheet and import the file again; the extra columns
(batch, row, column, reason) are ignored by the importer.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from dashboard.access.cells import escape_formula
from dashboard.db import make_engine, migrate
from dashboard.schema import RejectedRow
from dashboard.settings import SettingsError, load_settings

META = ["batch", "row", "column", "reason"]


def rejected_rows(engine: Engine, batch: int | None = None) -> pd.DataFrame:
    """Rejected rows of `batch` (default: the newest batch with rejections), ordered by row."""
    with engine.connect() as conn:
        if batch is None:
            batch = conn.execute(select(func.max(RejectedRow.batch_id))).scalar()
        rows = conn.execute(
            select(
                RejectedRow.batch_id, RejectedRow.row_number, RejectedRow.column, RejectedRow.reason, RejectedRow.raw
            )
            .where(RejectedRow.batch_id == batch)
            .order_by(RejectedRow.row_number, RejectedRow.id)
        ).all()
    return pd.DataFrame(rows, columns=[*META, "raw"])


def to_csv_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """One column per raw header (in first-seen order) after the reason columns."""
    raw = pd.DataFrame.from_records(list(rows["raw"]), index=rows.index) if len(rows) else pd.DataFrame()
    raw = raw.drop(columns=[c for c in META if c in raw.columns])
    return pd.concat([rows[META], raw], axis=1)


def render(rows: pd.DataFrame, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(rows.to_dict("records"), ensure_ascii=False, indent=1)
    if fmt == "csv":
        return to_csv_frame(rows).map(escape_formula).to_csv(index=False)
    if rows.empty:
        return "no rejected rows"
    table = rows[META].assign(raw=[json.dumps(r, ensure_ascii=False)[:60] for r in rows["raw"]])
    return table.to_string(index=False)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--batch", type=int, help="import batch id (default: the newest batch with rejections)")
    parser.add_argument("--format", choices=("table", "csv", "json"), default="table")
    parser.add_argument("--out", type=Path, help="write to this file instead of standard output")


def run(args: argparse.Namespace) -> int:
    try:
        engine = make_engine(load_settings().database_url)
        migrate(engine)
        text = render(rejected_rows(engine, args.batch), args.format)
        if args.out:
            args.out.write_text(text, encoding="utf-8-sig" if args.format == "csv" else "utf-8")
        else:
            print(text)
    except (SettingsError, SQLAlchemyError, OSError) as exc:
        print(f"rejected: {exc}", file=sys.stderr)
        return 1
    return 0

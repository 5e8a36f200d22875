"""`python -m data_loader rejected [--batch ID] [--format table|csv|json] [--out PATH]`.

Lists the rows an import or sync rejected, with row number, column and reason. The CSV export
puts the raw cells back under their original headers (UTF-8 with BOM, so Excel shows Chinese):
a person can fix the rows in a spreadsheet and import the file again; the extra columns
(batch, row, column, reason) are ignored by the importer.
"""

from __future__ import annotations

import json

import pandas as pd
from sqlalchemy import Engine, func, select

from dashboard.access.cells import escape_formula
from dashboard.store.schema import RejectedRow

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

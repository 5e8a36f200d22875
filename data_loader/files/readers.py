"""Read CSV / XLSX / JSON / Open311 files into one shape: a frame of raw text cells.

The frame keeps the file's own headers and cell text untouched (validation needs the original to
store a rejected row verbatim) and is indexed by the row number a person would look up: the
spreadsheet row for CSV/XLSX (header = row 1, first data row = 2) and the 1-based record number
for JSON. Rows that cannot even be split into the header's columns are returned separately.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow as pa

from data_loader.files import open311_reader as open311
from data_loader.files.limits import ImportLimits, check_file_size, check_rows, clip, long_cells
from data_loader.files.parsing import ImportFileError, decode_text
from data_loader.files.xlsx import read_first_sheet

FORMATS = ("auto", "csv", "xlsx", "json", "open311")


@dataclass
class BrokenRow:
    """A row rejected before validation (e.g. more fields than the header)."""

    row_number: int
    raw: dict
    reason: str


@dataclass
class RawTable:
    frame: pd.DataFrame
    format: str
    broken: list[BrokenRow] = field(default_factory=list)


def _guess_format(path: Path, head: bytes) -> str:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm") or head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if suffix in (".json", ".jsonl", ".ndjson") or head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"[", b"{"):
        return "json"
    return "csv"


def _delimiter(text: str) -> str:
    """Comma unless the header line clearly uses tabs or semicolons (Excel 'Unicode text' exports)."""
    first = text.split("\n", 1)[0]
    return max((",", "\t", ";"), key=first.count) if first else ","


def _csv_slow(text: str, sep: str) -> RawTable:
    """Row-by-row reader used only when some row has more fields than the header."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    header = next(reader)
    good: list[list[str]] = []
    numbers: list[int] = []
    broken: list[BrokenRow] = []
    for number, fields in enumerate(reader, start=2):
        if not fields:
            continue
        if len(fields) > len(header):
            raw = dict(zip(header, fields, strict=False)) | {"_extra": fields[len(header) :]}
            broken.append(BrokenRow(number, raw, f"row has {len(fields)} fields, header has {len(header)}"))
            continue
        good.append(fields + [""] * (len(header) - len(fields)))
        numbers.append(number)
    frame = pd.DataFrame(good, columns=header, index=numbers, dtype="str")
    return RawTable(frame, "csv", broken)


def read_csv(data: bytes) -> RawTable:
    text = decode_text(data)
    if "\x00" in text:
        raise ImportFileError("not a text table (the file contains binary data)")
    if not text.strip():
        raise ImportFileError("the file is empty")
    sep = _delimiter(text)
    try:
        frame = _csv_fast(text, sep)
    except pd.errors.ParserError:
        return _csv_slow(text, sep)
    except pd.errors.EmptyDataError as exc:
        raise ImportFileError("no header row: the file holds no table") from exc
    frame.index = frame.index + 2
    return RawTable(frame, "csv")


def _csv_fast(text: str, sep: str) -> pd.DataFrame:
    """Arrow's multi-threaded parser (~8x pandas' C parser on a million rows); files it refuses
    (a short row, a newline inside a quoted cell) go to the C parser, which pads short rows.

    Both give every cell as text with "" for empty, so the result does not depend on the parser.
    """
    options = {"sep": sep, "dtype": "str", "keep_default_na": False}
    try:
        return pd.read_csv(io.BytesIO(text.encode()), engine="pyarrow", **options)
    except (pd.errors.ParserError, pa.ArrowInvalid):
        frame = pd.read_csv(io.StringIO(text), skip_blank_lines=True, **options)
    if not isinstance(frame.index, pd.RangeIndex):  # the first data row had more fields than the header:
        raise pd.errors.ParserError("extra fields")  # the C parser took its first cells as an index
    return frame


def read_xlsx(path: Path, limits: ImportLimits | None = None) -> RawTable:
    """First worksheet; date cells arrive as `YYYY-MM-DD HH:MM:SS` text, numbers as their text."""
    frame, wide = read_first_sheet(path, limits or ImportLimits())
    return RawTable(frame, "xlsx", [BrokenRow(n, raw, reason) for n, raw, reason in wide])


def quarantine_long_cells(table: RawTable, limit: int) -> RawTable:
    """Move rows holding a cell over `limit` characters to `broken`, keeping only a clipped copy."""
    column = long_cells(table.frame, limit)
    over = column.notna()
    if not over.any():
        return table
    cut = table.frame[over]
    broken = [
        BrokenRow(int(n), {str(k): clip(v, limit) for k, v in zip(cut.columns, row, strict=True)},
                  f"cell in column {column[n]} is over {limit:,} characters")
        for n, row in zip(cut.index, cut.itertuples(index=False), strict=True)
    ]  # fmt: skip
    return RawTable(table.frame[~over], table.format, sorted(table.broken + broken, key=lambda b: b.row_number))


def cell_text(value: object) -> object:
    """A JSON or database value as the text a CSV would carry; nested values as JSON; null stays null.

    Times keep their offset if they have one; naive times are read later as local time (HOTLINE_TZ).
    """
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float) and math.isnan(value):  # a key this record does not have
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(value, ensure_ascii=False)


def _json_records(text: str) -> list:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        lines = [line for line in text.splitlines() if line.strip()]
        if exc.msg != "Extra data" or not lines:
            raise ImportFileError(f"not valid JSON: {exc}") from exc
        try:
            return [json.loads(line) for line in lines]  # JSON Lines
        except json.JSONDecodeError as line_exc:
            raise ImportFileError(f"not valid JSON Lines: {line_exc}") from line_exc
    if isinstance(doc, dict):
        lists = [v for v in doc.values() if isinstance(v, list)]
        if len(lists) != 1:
            raise ImportFileError("JSON object must hold exactly one list of records")
        doc = lists[0]
    if not isinstance(doc, list):
        raise ImportFileError("JSON must be a list of records")
    return doc


def read_json(data: bytes, fmt: str) -> RawTable:
    """A list of objects (or one object holding such a list, or JSON Lines); Open311 auto-detected."""
    records = _json_records(decode_text(data))
    objects = {n: r for n, r in enumerate(records, start=1) if isinstance(r, dict)}
    broken = [
        BrokenRow(n, {"value": cell_text(r)}, "record is not a JSON object")
        for n, r in enumerate(records, start=1)
        if not isinstance(r, dict)
    ]
    frame = pd.DataFrame(list(objects.values()), index=list(objects), dtype=object)
    frame = frame.map(cell_text).astype("str") if len(frame) else frame
    if fmt == "open311" or (fmt in ("auto", "json") and open311.looks_like(frame)):
        return RawTable(open311.to_contract(frame), "open311", broken)
    return RawTable(frame, "json", broken)


def read_table(path: Path, fmt: str = "auto", limits: ImportLimits | None = None) -> RawTable:
    """Read any supported file within `limits`; raises ImportFileError with one clear sentence if it cannot."""
    path = Path(path)
    limits = limits or ImportLimits()
    if fmt not in FORMATS:
        raise ImportFileError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    table = _read_any(path, fmt, limits)
    check_rows(len(table.frame) + len(table.broken), limits)
    return quarantine_long_cells(table, limits.max_cell_chars)


def _read_any(path: Path, fmt: str, limits: ImportLimits) -> RawTable:
    try:
        check_file_size(path.stat().st_size, limits)
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise ImportFileError("no such file") from exc
    except OSError as exc:
        raise ImportFileError(f"cannot read: {exc.strerror}") from exc
    if fmt == "auto":
        fmt = _guess_format(path, data[:64])
    if fmt == "xlsx":
        return read_xlsx(path, limits)
    if fmt in ("json", "open311"):
        return read_json(data, fmt)
    return read_csv(data)

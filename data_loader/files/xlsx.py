"""The first worksheet of an XLSX workbook, streamed row by row within `ImportLimits`.

openpyxl's read-only mode parses the sheet XML incrementally instead of building the whole tree
(pandas' `read_excel` does the latter: 3.6 GB for one 400 MB cell). The zip directory is checked
first, so a workbook that would unpack past the limits is refused before any XML is parsed.
Malformed XML, a missing part or a non-zip file all become one `ImportFileError` sentence.
"""

from __future__ import annotations

import zipfile
from datetime import date, datetime, time
from pathlib import Path

import pandas as pd

from data_loader.files.limits import ImportLimits, check_rows, check_xlsx_members
from data_loader.files.parsing import ImportFileError


def _text(value: object) -> object:
    """A cell as the text pandas' `read_excel(dtype=str)` gives: dates ISO with a space, 2.0 as 2."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _rows(path: Path, limits: ImportLimits) -> tuple[list[str], list[list[object]], list[int]]:
    from openpyxl import load_workbook

    with zipfile.ZipFile(path) as archive:
        check_xlsx_members(archive, limits)
    book = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        header: list[str] | None = None
        rows: list[list[object]] = []
        numbers: list[int] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_text(v) for v in values]
            if header is None:
                if any(cells):
                    header = cells
                continue
            if not any(cells):
                continue
            check_rows(len(rows) + 1, limits)
            rows.append(cells)
            numbers.append(number)
    finally:
        book.close()
    if header is None:
        raise ImportFileError("the workbook's first sheet is empty")
    return header, rows, numbers


def read_first_sheet(path: Path, limits: ImportLimits) -> tuple[pd.DataFrame, list[tuple[int, dict, str]]]:
    """The sheet as text cells indexed by spreadsheet row, and (row, raw, reason) for rows wider than the header."""
    try:
        header, rows, numbers = _rows(path, limits)
    except ImportFileError:
        raise
    except Exception as exc:  # BadZipFile, KeyError (missing part), XML ParseError, openpyxl's own errors
        detail = str(exc).splitlines()[0][:200] if str(exc) else ""
        raise ImportFileError(f"not a readable XLSX workbook ({exc.__class__.__name__}: {detail})") from exc
    width = len(header)
    wide = [(n, cells) for n, cells in zip(numbers, rows, strict=True) if any(cells[width:])]
    fields = {n: max(i for i, c in enumerate(cells) if c) + 1 for n, cells in wide}
    wide_rows = {n for n, _ in wide}
    good = [(n, (cells + [""] * width)[:width]) for n, cells in zip(numbers, rows, strict=True) if n not in wide_rows]
    frame = pd.DataFrame([c for _, c in good], columns=header, index=[n for n, _ in good], dtype="str")
    broken = [
        (n, dict(zip(header, cells, strict=False)) | {"_extra": cells[width : fields[n]]},
         f"row has {fields[n]} fields, header has {width}")
        for n, cells in wide
    ]  # fmt: skip
    return frame, broken

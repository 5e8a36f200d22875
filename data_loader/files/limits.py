"""Bounds on what one import may read, so a hostile or broken file cannot exhaust memory.

Each bound has a default sized for a real monthly export (Excel itself stops at 1,048,576 rows and
32,767 characters per cell) and an environment variable to raise it. A file over a bound is refused
with one sentence naming the bound and the variable; a cell over the cell bound rejects only its row,
and the rejected row keeps a truncated copy of the cell (never the whole giant text).
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from data_loader.files.parsing import ImportFileError

KEPT_CHARS = 200  # how much of an over-long cell a rejected row keeps


@dataclass(frozen=True)
class ImportLimits:
    max_file_bytes: int = 1024 * 1024 * 1024
    max_xlsx_uncompressed_bytes: int = 512 * 1024 * 1024
    max_xlsx_ratio: int = 100  # uncompressed / compressed of one member; real sheets compress 5-20x
    max_rows: int = 2_000_000
    max_cell_chars: int = 32_767

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ImportLimits:
        env = os.environ if env is None else env
        values = {}
        for name, variable in ENV.items():
            raw = env.get(variable)
            if raw is None or raw == "":
                continue
            if not raw.isdigit() or int(raw) <= 0:
                raise ImportFileError(f"{variable} must be a positive whole number, got {raw!r}")
            values[name] = int(raw)
        return cls(**values)


ENV = {
    "max_file_bytes": "HOTLINE_IMPORT_MAX_BYTES",
    "max_xlsx_uncompressed_bytes": "HOTLINE_IMPORT_MAX_XLSX_BYTES",
    "max_xlsx_ratio": "HOTLINE_IMPORT_MAX_XLSX_RATIO",
    "max_rows": "HOTLINE_IMPORT_MAX_ROWS",
    "max_cell_chars": "HOTLINE_IMPORT_MAX_CELL_CHARS",
}


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB"


def check_file_size(size: int, limits: ImportLimits) -> None:
    if size > limits.max_file_bytes:
        raise ImportFileError(
            f"the file is {_mb(size)}, over the import limit of {_mb(limits.max_file_bytes)} "
            f"(split it, or raise {ENV['max_file_bytes']})"
        )


def check_xlsx_members(archive: zipfile.ZipFile, limits: ImportLimits) -> None:
    """Refuse from the zip directory alone, before any XML is parsed: total size and per-member ratio."""
    members = archive.infolist()
    total = sum(m.file_size for m in members)
    if total > limits.max_xlsx_uncompressed_bytes:
        raise ImportFileError(
            f"the workbook unpacks to {_mb(total)}, over the limit of {_mb(limits.max_xlsx_uncompressed_bytes)} "
            f"(split it, or raise {ENV['max_xlsx_uncompressed_bytes']})"
        )
    for m in members:
        if m.file_size > 1024 * 1024 and m.file_size > limits.max_xlsx_ratio * max(m.compress_size, 1):
            raise ImportFileError(
                f"{m.filename} unpacks {m.file_size // max(m.compress_size, 1)}x its packed size, which no real "
                f"sheet does (a zip bomb or one giant repeated cell; raise {ENV['max_xlsx_ratio']} if intended)"
            )


def check_rows(count: int, limits: ImportLimits) -> None:
    if count > limits.max_rows:
        raise ImportFileError(f"the file has more than {limits.max_rows:,} rows (split it, or raise {ENV['max_rows']})")


def clip(value: object, limit: int) -> object:
    """A cell as a rejected row keeps it: at most KEPT_CHARS characters of an over-long text."""
    if isinstance(value, str) and len(value) > limit:
        return value[:KEPT_CHARS] + f"… ({len(value):,} characters)"
    return value


def long_cells(frame: pd.DataFrame, limit: int) -> pd.Series:
    """Per row, the first column whose cell is over `limit` characters (None when none is)."""
    first = pd.Series(None, index=frame.index, dtype=object)
    for position in reversed(range(frame.shape[1])):
        lengths = frame.iloc[:, position].map(lambda v: len(v) if isinstance(v, str) else 0)
        first = first.mask(lengths > limit, str(frame.columns[position]))
    return first

"""Spreadsheet cells that cannot run: text starting with = + - @ (or a tab / CR) gets a leading quote.

Excel and LibreOffice execute such text as a formula (CSV injection, OWASP); numbers stay numbers.
"""

from __future__ import annotations

from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value

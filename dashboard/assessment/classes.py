"""The members of each monthly list in the order that explains the list, for every screen and export.

Best first for 先进 advanced, biggest gain first for 进步 improved, worst first for 整改 rectification,
busiest first for 治理 governance; ties by code. Rows are ranking rows (`rankings_payload`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Row = dict[str, Any]
_ORDER: dict[str, Callable[[Row], tuple]] = {
    "advanced": lambda r: (r["rank"] is None, r["rank"] or 0, r["code"]),
    "improved": lambda r: (-(r.get("composite_change") or 0), r["code"]),
    "rectification": lambda r: (r["composite"] if r["composite"] is not None else 0, r["code"]),
    "governance": lambda r: (-r["orders"], r["code"]),
}


def class_members(rows: list[Row], name: str) -> list[Row]:
    """The rows listed in class `name`, in that list's explaining order."""
    return sorted((r for r in rows if name in (r.get("classes") or [])), key=_ORDER[name])

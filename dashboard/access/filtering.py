"""The snapshot as one viewer may see it: case-level parts cut to the viewer's scope on the server.

The poller publishes one snapshot for everybody; before any part of it leaves the server (page,
callback, API) it passes through `scoped_snapshot`. Aggregates (KPIs, map values, rankings, trends,
top 10) are city-wide for every role. Case-level parts (countdowns, open cases, repeat callers,
hotspot evidence) keep only the viewer's districts; a wall keeps countdown rows with place,
category, urgency and deadline only. Nobody receives a full caller hash: a six-character tag
(enough to tell callers apart on one screen) replaces it for every role.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from dashboard.scope import Scope

CALLER_TAG = 6
# What a wall countdown row may carry: place, category, urgency and the deadline with its state.
WALL_COUNTDOWN_KEYS = ("township_code", "township_name", "district_code", "district_name", "category", "subcategory",
                       "urgency", "due_at", "due_kind", "state", "respond_due_at", "resolve_due_at")  # fmt: skip
EVIDENCE_KEYS = ("case_ids",)


def caller_tag(caller_hash: str | None) -> str | None:
    return caller_hash[:CALLER_TAG].upper() if caller_hash else None


def _countdowns(rows: list[dict], scope: Scope) -> list[dict]:
    rows = [r for r in rows if scope.sees_district(r.get("district_code"))]
    if scope.aggregates_only:
        rows = [{k: r.get(k) for k in WALL_COUNTDOWN_KEYS} for r in rows]
    return rows


def _repeat_callers(rows: list[dict], scope: Scope) -> list[dict]:
    if scope.aggregates_only:
        return []
    out = []
    for row in rows:
        if scope.sees_district(row.get("district_code")):
            clean = {k: v for k, v in row.items() if k != "caller_hash"}
            clean["caller_tag"] = caller_tag(row.get("caller_hash"))
            out.append(clean)
    return out


def _hotspots(rows: list[dict], scope: Scope) -> list[dict]:
    """Every hotspot is an aggregate (a place and a count); its evidence only inside the scope."""
    out = []
    for row in rows:
        sees = not scope.aggregates_only and scope.sees_district(row.get("district_code"))
        out.append(row if sees else {k: v for k, v in row.items() if k not in EVIDENCE_KEYS})
    return out


def scoped_snapshot(snapshot: dict[str, Any] | None, scope: Scope) -> dict[str, Any] | None:
    """A shallow copy of `snapshot` with the case-level parts limited to `scope` (see module docstring)."""
    if snapshot is None:
        return None
    out = dict(snapshot)
    out["viewer"] = scope.key
    if "countdowns" in out:
        out["countdowns"] = _countdowns(out["countdowns"] or [], scope)
    if "repeat_callers" in out:
        out["repeat_callers"] = _repeat_callers(out["repeat_callers"] or [], scope)
    if "hotspots" in out:
        out["hotspots"] = _hotspots(out["hotspots"] or [], scope)
    return out


def may_open_unit(scope: Scope, level: str, code: str | None, township_district: dict[str, str]) -> bool:
    """Detail pages: a district manager opens their own districts and their townships only."""
    if level not in ("district", "township"):
        return True
    district = code if level == "district" else township_district.get(code or "")
    return scope.sees_district(district)


class ScopedSnapshots:
    """`scoped_snapshot` memoised per snapshot and scope: N viewers of one scope cost one filtering."""

    def __init__(self, size: int = 16) -> None:
        self._size = size
        self._store: OrderedDict[tuple, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, snapshot: dict[str, Any] | None, scope: Scope) -> dict[str, Any] | None:
        if snapshot is None:
            return None
        key = (snapshot.get("version"), snapshot.get("generated_at"), repr(snapshot.get("stale")),
               repr(snapshot.get("cache_degraded")), scope.key)  # fmt: skip
        with self._lock:
            if key in self._store:
                self._store.move_to_end(key)
                return self._store[key]
        value = scoped_snapshot(snapshot, scope)
        with self._lock:
            self._store[key] = value
            while len(self._store) > self._size:
                self._store.popitem(last=False)
        return value

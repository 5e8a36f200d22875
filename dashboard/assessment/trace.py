"""The callbacks behind a unit's figures for a period: every rate traced to its orders (issue 15).

The rankings count valid callbacks from rollups; this module lists the same callbacks from the
cases table, one row each, with why a callback was left out when it was. Validity is decided by
`dashboard.live.rollups.ledger_rows`, the rollups' own per-case arithmetic, so the list adds up to the
figures shown (tests check it against `rankings_payload` on seeded data).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Engine, select

from dashboard.assessment.periods import Period, day_bounds, parse_period, resolve_tz
from dashboard.assessment.rankings import _plain, rankings_payload
from dashboard.assessment.rules import LEVELS, Rules
from dashboard.live.rollups import SATISFACTION_VALUES, ledger_rows
from dashboard.scope import Scope
from dashboard.store.schema import Case, District, Township
from dashboard.store.state import read_frame

ROW_KEYS = (
    "case_id", "township_code", "category", "callback_at", "contacted", "solved", "satisfaction", "counted",
    "reason", "not_contacted", "not_solved", "dissatisfied", "basically",
)  # fmt: skip
FIGURE_KEYS = (
    "code", "name", "district_code", "orders", "valid_callbacks", "response_rate", "resolution_rate",
    "satisfaction_rate", "composite", "rank", "classes", "sufficient_sample",
)  # fmt: skip
# Which rows explain which figure: the ones that pulled it down (for the UI's "list behind it").
FIGURE_ROWS = {
    "response_rate": "not_contacted",
    "resolution_rate": "not_solved",
    "satisfaction_rate": ("dissatisfied", "basically"),
    "composite": None,  # every counted row
}


class TraceDenied(PermissionError):
    """The viewer's scope does not reach this unit's orders (or reaches aggregates only)."""


@dataclass(frozen=True)
class Unit:
    level: str
    code: str
    district_code: str


def find_unit(engine: Engine, level: str, code: str) -> Unit:
    """The unit and its district; ValueError for an unknown level or code."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, got {level!r}")
    table = Township if level == "township" else District
    parent = Township.district_code if level == "township" else District.code
    with engine.connect() as conn:
        district = conn.execute(select(parent).where(table.code == code)).scalar()
    if district is None:
        raise ValueError(f"unknown {level} code: {code}")
    return Unit(level, code, district)


def check_scope(unit: Unit, scope: Scope) -> None:
    """Case-level data leaves the server only for the viewer's own districts (BRIEF 4)."""
    if scope.aggregates_only or (scope.districts is not None and unit.district_code not in scope.districts):
        raise TraceDenied(f"{unit.level} {unit.code} is outside your scope")


def reason(row: pd.Series) -> str | None:
    """Why a callback is not counted (None when it is): the first missing answer."""
    if pd.isna(row["contacted"]):
        return "contacted not recorded"
    if pd.isna(row["solved"]):
        return "solved not recorded"
    if row["satisfaction"] not in SATISFACTION_VALUES:
        return (
            "satisfaction not recorded"
            if pd.isna(row["satisfaction"])
            else f"unknown satisfaction {row['satisfaction']!r}"
        )
    return None


def callbacks(engine: Engine, rules: Rules, unit: Unit, period: Period, tz: ZoneInfo | None = None) -> pd.DataFrame:
    """One row per callback of the unit in the period, valid or not, ordered by time and case id."""
    zone = resolve_tz(tz)
    start, end = day_bounds(period.first_day, rules, zone)[0], day_bounds(period.last_day, rules, zone)[1]
    where_unit = Case.township_code == unit.code if unit.level == "township" else Township.district_code == unit.code
    query = (
        select(Case.case_id, Case.township_code, Case.category, Case.received_at, Case.callback_at, Case.contacted,
               Case.solved, Case.satisfaction)
        .join(Township, Township.code == Case.township_code)
        .where(where_unit, Case.callback_at >= start, Case.callback_at < end)
        .order_by(Case.callback_at, Case.case_id)
    )  # fmt: skip
    with engine.connect() as conn:
        frame = read_frame(conn, query)
    if frame.empty:
        return pd.DataFrame(columns=list(ROW_KEYS))
    ledger = ledger_rows(frame, rules, zone)
    frame["counted"] = ledger["callback_day"].notna().to_numpy()
    frame["reason"] = [reason(r) for _, r in frame.iterrows()]
    frame["not_contacted"] = frame["counted"] & ~ledger["contacted"].astype(bool).to_numpy()
    frame["not_solved"] = frame["counted"] & ~ledger["solved"].astype(bool).to_numpy()
    frame["dissatisfied"] = frame["counted"] & frame["satisfaction"].eq("dissatisfied")
    frame["basically"] = ledger["basically"].astype(bool).to_numpy()
    frame["callback_at"] = pd.to_datetime(frame["callback_at"], utc=True).dt.tz_convert(zone)
    return frame[list(ROW_KEYS)]


def totals(rows: pd.DataFrame) -> dict[str, int]:
    """The counts the rows add up to, named as in the rollups."""
    counted = rows[rows["counted"].astype(bool)]
    return {
        "valid_callbacks": len(counted),
        "contacted": int((~counted["not_contacted"].astype(bool)).sum()),
        "solved": int((~counted["not_solved"].astype(bool)).sum()),
        "satisfied": int(counted["satisfaction"].eq("satisfied").sum()),
        "basically": int(counted["basically"].astype(bool).sum()),
        "invalid": int(len(rows) - len(counted)),
    }


def figures(engine: Engine, rules: Rules, unit: Unit, period: Period) -> dict[str, Any]:
    """The unit's row of the rankings for the period (same numbers as `GET /api/v1/rankings`)."""
    payload = rankings_payload(
        engine, rules, period.kind, period.label, unit.level, Scope.for_districts([unit.district_code])
    )
    row = next(r for r in payload["rows"] if r["code"] == unit.code)
    return {k: row[k] for k in FIGURE_KEYS}


def trace_payload(
    engine: Engine,
    rules: Rules,
    level: str,
    code: str,
    period: str,
    date: str,
    scope: Scope,
    tz: ZoneInfo | None = None,
) -> dict[str, Any]:
    """The JSON of `GET /api/v1/trace`: figures as in the rankings, the sums, and one row per callback.

    Raises ValueError for bad arguments and TraceDenied outside the viewer's scope.
    """
    chosen = parse_period(period, date, rules)
    unit = find_unit(engine, level, code)
    check_scope(unit, scope)
    rows = callbacks(engine, rules, unit, chosen, tz)
    records = []
    for _, row in rows.iterrows():
        record = {k: _plain(row[k]) for k in ROW_KEYS}
        record["callback_at"] = row["callback_at"].isoformat()
        records.append(record)
    return {
        "level": level,
        "code": code,
        "period": chosen.kind,
        "date": chosen.label,
        "first_day": chosen.first_day.isoformat(),
        "last_day": chosen.last_day.isoformat(),
        "rules_version": rules.version,
        "figures": figures(engine, rules, unit, chosen),
        "totals": totals(rows),
        "rows": records,
    }


def rows_behind(payload: dict[str, Any], figure: str) -> list[dict[str, Any]]:
    """The rows that explain one figure: e.g. the not-solved callbacks behind the resolution rate;
    for the composite all counted rows; the invalid rows are always appended (they were left out)."""
    flag = FIGURE_ROWS[figure]
    flags = (flag,) if isinstance(flag, str) else flag
    picked = [r for r in payload["rows"] if r["counted"] and (flags is None or any(r[f] for f in flags))]
    return picked + [r for r in payload["rows"] if not r["counted"]]

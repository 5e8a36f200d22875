"""Build the one snapshot per tick that every screen reads (BRIEF section 4).

A snapshot is plain JSON: KPIs, per-district and per-township map values, the most urgent
countdowns (deadlines only; browsers tick them), and rankings. Viewers never query the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import Engine, and_, case, func, select

from dashboard.clock import local_day_start, local_month_start, previous_month_start
from dashboard.open_cases import OpenCases
from dashboard.rules import Rules
from dashboard.schema import Case, District, Township

COUNTDOWN_ROWS = 50


@dataclass(frozen=True)
class Names:
    """Reference names, read once per process: codes to Chinese/English names and parents."""

    townships: pd.DataFrame  # index code: name, district_code
    districts: pd.DataFrame  # index code: name, name_en

    @classmethod
    def load(cls, engine: Engine) -> Names:
        with engine.connect() as conn:
            towns = pd.DataFrame(conn.execute(select(Township.code, Township.name, Township.district_code)).all())
            dists = pd.DataFrame(conn.execute(select(District.code, District.name, District.name_en)).all())
        if towns.empty:
            towns = pd.DataFrame(columns=["code", "name", "district_code"])
        if dists.empty:
            dists = pd.DataFrame(columns=["code", "name", "name_en"])
        return cls(towns.set_index("code"), dists.set_index("code"))


def _iso(value: datetime | pd.Timestamp | None) -> str | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).isoformat()


def _rates(row: dict[str, float], rules: Rules) -> dict[str, float | int | None]:
    valid = int(row.get("valid") or 0)
    if valid == 0:
        return {"valid_callbacks": 0, "response_rate": None, "resolution_rate": None,
                "satisfaction_rate": None, "composite": None}  # fmt: skip
    response = row["contacted"] / valid
    resolution = row["solved"] / valid
    satisfaction = (row["satisfied"] + rules.basically_credit * row["basically"]) / valid
    composite = 100 * (rules.w_response * response + rules.w_resolution * resolution
                       + rules.w_satisfaction * satisfaction)  # fmt: skip
    return {"valid_callbacks": valid, "response_rate": response, "resolution_rate": resolution,
            "satisfaction_rate": satisfaction, "composite": composite}  # fmt: skip


def callback_totals(engine: Engine, start: datetime, end: datetime) -> dict[str, float]:
    """City-wide callback counts in [start, end): the month-to-date three rates come from these."""
    valid = and_(Case.callback_at >= start, Case.callback_at < end, Case.satisfaction.is_not(None))
    query = select(
        func.count().label("valid"),
        func.sum(case((Case.contacted.is_(True), 1), else_=0)).label("contacted"),
        func.sum(case((Case.solved.is_(True), 1), else_=0)).label("solved"),
        func.sum(case((Case.satisfaction == "satisfied", 1), else_=0)).label("satisfied"),
        func.sum(case((Case.satisfaction == "basically", 1), else_=0)).label("basically"),
    ).where(valid)
    with engine.connect() as conn:
        return {k: float(v or 0) for k, v in conn.execute(query).one()._mapping.items()}


def received_by_township(engine: Engine, start: datetime, end: datetime) -> pd.Series:
    query = (
        select(Case.township_code, func.count())
        .where(Case.received_at >= start, Case.received_at < end)
        .group_by(Case.township_code)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return pd.Series({code: n for code, n in rows}, dtype="int64")


def next_due(open_frame: pd.DataFrame) -> pd.DataFrame:
    """The deadline that matters now: first contact until responded, then resolution."""
    frame = open_frame.copy()
    responded = frame["responded_at"].notna()
    frame["due_at"] = frame["resolve_due_at"].where(responded, frame["respond_due_at"])
    frame["due_kind"] = np.where(responded, "resolve", "respond")
    frame["window_start"] = frame["dispatched_at"]  # both SLA clocks start at dispatch
    return frame


def countdown_states(frame: pd.DataFrame, now: datetime, rules: Rules) -> pd.Series:
    """ok / warning (< warning_fraction of the window left) / critical (< critical) / overdue."""
    left = frame["due_at"] - pd.Timestamp(now)
    window = frame["due_at"] - frame["window_start"]
    state = np.select(
        [left < pd.Timedelta(0), left < rules.critical, left < window * rules.warning_fraction],
        ["overdue", "critical", "warning"],
        default="ok",
    )
    return pd.Series(state, index=frame.index)


def _unit_values(counts: pd.Series, open_frame: pd.DataFrame, overdue: pd.Series, key: str) -> dict[str, dict]:
    open_counts = open_frame.groupby(key).size() if not open_frame.empty else pd.Series(dtype="int64")
    overdue_counts = open_frame[overdue].groupby(key).size() if not open_frame.empty else pd.Series(dtype="int64")
    codes = set(counts.index) | set(open_counts.index)
    return {
        code: {
            "orders_today": int(counts.get(code, 0)),
            "open": int(open_counts.get(code, 0)),
            "overdue": int(overdue_counts.get(code, 0)),
        }
        for code in sorted(codes)
    }


def build_snapshot(
    engine: Engine, rules: Rules, tz: ZoneInfo, now: datetime, open_cases: OpenCases, names: Names, version: int
) -> dict[str, Any]:
    """Assemble the snapshot from the open-case set and a few indexed aggregate queries."""
    day_start = local_day_start(now, tz)
    month_start = local_month_start(now, tz)
    today = received_by_township(engine, day_start, now + timedelta(seconds=1))
    last_week = received_by_township(engine, day_start - timedelta(days=7), now - timedelta(days=7))
    mtd = _rates(callback_totals(engine, month_start, now + timedelta(seconds=1)), rules)
    prev_start = previous_month_start(month_start)
    prev_same = prev_start + (now - month_start)
    prev = _rates(callback_totals(engine, prev_start, min(prev_same, month_start)), rules)

    frame = next_due(open_cases.frame)
    state = countdown_states(frame, now, rules) if not frame.empty else pd.Series(dtype=object)
    frame = frame.assign(state=state)
    overdue = frame["state"] == "overdue"
    due_2h = (~overdue) & (frame["due_at"] - pd.Timestamp(now) < timedelta(hours=2))

    district_of = names.townships["district_code"]
    today_by_district = today.groupby(today.index.map(district_of)).sum() if not today.empty else today
    urgent = frame.sort_values("due_at").head(COUNTDOWN_ROWS)
    countdowns = [
        {
            "case_id": r.case_id,
            "township_code": r.township_code,
            "district_code": r.district_code,
            "township_name": names.townships["name"].get(r.township_code),
            "district_name": names.districts["name"].get(r.district_code),
            "category": r.category,
            "subcategory": r.subcategory,
            "urgency": r.urgency,
            "dispatched_at": _iso(r.dispatched_at),
            "respond_due_at": _iso(r.respond_due_at),
            "resolve_due_at": _iso(r.resolve_due_at),
            "due_at": _iso(r.due_at),
            "due_kind": r.due_kind,
            "state": r.state,
        }
        for r in urgent.itertuples(index=False)
    ]
    return {
        "version": version,
        "generated_at": now.isoformat(),
        "data_as_of": _iso(open_cases.watermark),
        "rules_version": rules.version,
        "kpis": {
            "orders_today": int(today.sum()),
            "orders_same_weekday_last_week": int(last_week.sum()),
            "open": len(frame),
            "overdue": int(overdue.sum()),
            "due_2h": int(due_2h.sum()),
            "month_to_date": mtd,
            "previous_month_same_days": prev,
        },
        "countdowns": countdowns,
        "map": {
            "district": _unit_values(today_by_district, frame, overdue, "district_code"),
            "township": _unit_values(today, frame, overdue, "township_code"),
        },
        "hotspots": [],
    }

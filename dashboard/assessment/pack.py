"""The monthly meeting pack of one district (issue 15): the data, then XLSX or an A4 PDF.

`build_pack` gathers everything the meeting discusses, each part from the module that owns it
(rankings, trace, rollups, repeat complainants, open orders), so the pack shows the screens'
numbers. It is case-level (traced orders, overdue orders), so it takes the viewer's scope and a
district manager gets only their own districts' packs. Caller hashes never leave the server: a
repeat complainant appears as a 6-character tag of the keyed hash.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Engine, func, select

from dashboard.assessment.hotspots import repeat_complainants
from dashboard.assessment.pack_pdf import pack_pdf
from dashboard.assessment.pack_xlsx import pack_xlsx
from dashboard.assessment.periods import day_bounds, parse_period, resolve_tz
from dashboard.assessment.rankings import rankings_payload
from dashboard.assessment.rules import Rules
from dashboard.assessment.trace import callbacks, check_scope, find_unit
from dashboard.live.open_cases import OPEN_STATUSES
from dashboard.scope import Scope
from dashboard.store.schema import Case, DailyRollup, Township
from dashboard.store.state import read_frame

MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
WORST = 3
TOP_CATEGORIES = 8
TOWNSHIP_KEYS = (
    "code", "name", "orders", "valid_callbacks", "response_rate", "resolution_rate", "satisfaction_rate",
    "composite", "rank", "rank_change", "composite_change", "classes",
)  # fmt: skip


def caller_tag(caller_hash: str | None) -> str:
    """A short, stable tag of the keyed hash: tells callers apart, reveals nothing."""
    return f"#{caller_hash[:6].upper()}" if caller_hash else "—"


def worst_townships(townships: list[dict], n: int = WORST) -> list[dict]:
    """The n lowest-ranked townships (ranked ones only: an insufficient sample is not a verdict)."""
    ranked = [r for r in townships if r["rank"] is not None]
    return sorted(ranked, key=lambda r: -r["rank"])[:n]


def problem_callbacks(engine: Engine, rules: Rules, code: str, period, tz: ZoneInfo) -> list[dict]:
    """The callbacks that pulled a township down: not contacted, not solved, dissatisfied, or invalid."""
    rows = callbacks(engine, rules, find_unit(engine, "township", code), period, tz)
    bad = rows[~rows["counted"].astype(bool) | rows["not_contacted"] | rows["not_solved"] | rows["dissatisfied"]]
    out = []
    for _, r in bad.iterrows():
        out.append(
            {
                "case_id": r["case_id"],
                "category": r["category"],
                "callback_at": r["callback_at"].strftime("%Y-%m-%d %H:%M"),
                "contacted": None if pd.isna(r["contacted"]) else bool(r["contacted"]),
                "solved": None if pd.isna(r["solved"]) else bool(r["solved"]),
                "satisfaction": None if pd.isna(r["satisfaction"]) else r["satisfaction"],
                "counted": bool(r["counted"]),
                "reason": r["reason"],
            }
        )
    return out


def category_change(engine: Engine, rules: Rules, district: str, period, n: int = TOP_CATEGORIES) -> list[dict]:
    """Orders per category this month against last month, the month's top n (rollups only)."""
    previous = period.previous(rules)

    def counts(p) -> pd.Series:
        query = (
            select(DailyRollup.category, func.sum(DailyRollup.orders).label("orders"))
            .join(Township, Township.code == DailyRollup.township_code)
            .where(Township.district_code == district, DailyRollup.day.between(p.first_day, p.last_day))
            .group_by(DailyRollup.category)
        )
        with engine.connect() as conn:
            frame = read_frame(conn, query)
        return frame.set_index("category")["orders"].astype(int) if not frame.empty else pd.Series(dtype=int)

    now, before = counts(period), counts(previous)
    top = now[now > 0].sort_values(ascending=False, kind="mergesort").head(n)
    out = []
    for category, orders in top.items():
        last = int(before.get(category, 0))
        change = None if last == 0 else round((int(orders) - last) / last, 4)
        out.append({"category": category, "orders": int(orders), "last_month": last, "change": change})
    return out


def overdue_orders(engine: Engine, district: str, now: datetime, tz: ZoneInfo) -> list[dict]:
    """Orders still open past their resolve deadline at `now`, longest overdue first."""
    query = (
        select(Case.case_id, Case.township_code, Township.name, Case.category, Case.urgency, Case.resolve_due_at)
        .join(Township, Township.code == Case.township_code)
        .where(Case.district_code == district, Case.status.in_(OPEN_STATUSES), Case.resolve_due_at < now)
        .order_by(Case.resolve_due_at, Case.case_id)
    )
    with engine.connect() as conn:
        frame = read_frame(conn, query)
    return [
        {
            "case_id": r.case_id,
            "township": r.name,
            "category": r.category,
            "urgency": r.urgency,
            "due_at": pd.Timestamp(r.resolve_due_at).tz_convert(tz).strftime("%Y-%m-%d %H:%M"),
            "hours_overdue": round((now - r.resolve_due_at).total_seconds() / 3600, 1),
        }
        for r in frame.itertuples(index=False)
    ]


def build_pack(
    engine: Engine, rules: Rules, district: str, month: str, scope: Scope, now: datetime, tz: ZoneInfo | None = None
) -> dict[str, Any]:
    """Everything in the pack for `district` and `month` (YYYY-MM), as plain data.

    Raises ValueError for a bad month or district and TraceDenied outside the viewer's scope.
    """
    zone = resolve_tz(tz)
    period = parse_period("month", month, rules)
    unit = find_unit(engine, "district", district)
    check_scope(unit, scope)
    own = Scope.for_districts([district])
    district_table = rankings_payload(engine, rules, "month", month, "district", Scope.all())
    district_row = next(r for r in district_table["rows"] if r["code"] == district)
    towns = rankings_payload(engine, rules, "month", month, "township", own)["rows"]
    month_end = min(now, day_bounds(period.last_day, rules, zone)[1])
    repeats = repeat_complainants(engine, rules, month_end, own)
    names = {r["code"]: r["name"] for r in towns}
    return {
        "district": district,
        "name": district_row["name"],
        "month": period.label,
        "first_day": period.first_day.isoformat(),
        "last_day": period.last_day.isoformat(),
        "rules_version": rules.version,
        "generated_at": now.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        "kpis": {
            **{k: district_row[k] for k in TOWNSHIP_KEYS if k not in ("code", "name")},
            "districts_ranked": sum(1 for r in district_table["rows"] if r["rank"] is not None),
        },
        "townships": [{k: r[k] for k in TOWNSHIP_KEYS} for r in towns],
        "worst": [
            {
                "code": r["code"],
                "name": r["name"],
                "rank": r["rank"],
                "composite": r["composite"],
                "rows": problem_callbacks(engine, rules, r["code"], period, zone),
            }
            for r in worst_townships(towns)
        ],
        "categories": category_change(engine, rules, district, period),
        "repeat_callers": [
            {
                "caller": caller_tag(r.get("caller_hash")),
                "township": names.get(r["township_code"], r["township_code"]),
                "category": r["category"],
                "orders": r["orders"],
                "last_at": r["last_at"][:10],
            }
            for r in repeats
        ],
        "overdue": overdue_orders(engine, district, now, zone),
    }


def render_pack(pack: dict[str, Any], fmt: str) -> bytes:
    """The pack as XLSX or PDF bytes."""
    if fmt == "xlsx":
        return pack_xlsx(pack)
    if fmt == "pdf":
        return pack_pdf(pack)
    raise ValueError(f"format must be one of {', '.join(MIMETYPES)}, got {fmt!r}")

"""Which alerts a snapshot raises (pure): SLA deadlines near, hotspot bursts, concentration, staleness.

Each alert has a `key` naming the event (one alert per event, ever) and a `subject` naming what
it is about (a case, a township, the pipeline), on which the quiet period acts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from dashboard.assessment.rules import URGENCY_ZH, AlertRules


@dataclass(frozen=True)
class Alert:
    key: str
    subject: str
    kind: str  # due_soon | hotspot | concentration | stale
    severity: str  # critical | warning
    title: str
    body: str


def _place(snapshot: dict[str, Any], township: str) -> str:
    names = snapshot.get("names", {})
    district = names.get("district", {}).get(names.get("township_district", {}).get(township, ""), "")
    return f"{district}{names.get('township', {}).get(township, township)}"


def due_soon(open_orders: pd.DataFrame, snapshot: dict[str, Any], rules: AlertRules, now: datetime) -> list[Alert]:
    """Open orders of the watched urgencies whose next deadline is within `due_soon_minutes`.

    `open_orders` is the poller's open-case set with each order's next deadline (`snapshot.next_due`):
    the open orders do not ride in the snapshot (issue 13), so the poller hands them over itself.
    """
    if open_orders.empty:
        return []
    left = open_orders["due_at"] - pd.Timestamp(now)
    near = open_orders[open_orders["urgency"].isin(rules.due_soon_urgencies) & (left > pd.Timedelta(0))
                       & (left <= pd.Timedelta(minutes=rules.due_soon_minutes))]  # fmt: skip
    out = []
    for row in near.itertuples(index=False):
        due_ms = round(row.due_at.timestamp() * 1000)
        minutes = round((row.due_at - pd.Timestamp(now)).total_seconds() / 60)
        what = "响应" if row.due_kind == "respond" else "办结"
        place = _place(snapshot, row.township_code)
        category = row.subcategory or row.category
        urgency = URGENCY_ZH.get(row.urgency, row.urgency)
        out.append(Alert(
            key=f"due_soon:{row.case_id}:{row.due_kind}:{due_ms}", subject=f"case:{row.case_id}", kind="due_soon",
            severity="critical", title=f"超期预警:{urgency}工单 {minutes} 分钟后{what}超期",
            body=f"工单 {row.case_id}({place} · {category})的{what}时限还剩 {minutes} 分钟。",
        ))  # fmt: skip
    return out


def hotspot_bursts(snapshot: dict[str, Any], rules: AlertRules) -> list[Alert]:
    if not rules.hotspot_bursts:
        return []
    day = snapshot.get("assessment_day", "")
    out = []
    for h in snapshot.get("hotspots") or []:
        if h.get("kind") != "burst":
            continue
        place = _place(snapshot, h["township_code"])
        out.append(Alert(
            key=f"hotspot:{h['township_code']}:{h['category']}:{day}", subject=f"hotspot:{h['township_code']}",
            kind="hotspot", severity="warning", title=f"热点预警:{place} {h['category']} 突增",
            body=f"{place}近24小时 {h['category']} {h['count']} 单,约为平时的 {h.get('factor') or '—'} 倍。",
        ))  # fmt: skip
    return out


def concentration(snapshot: dict[str, Any], rules: AlertRules) -> list[Alert]:
    """Townships whose last-24-hour orders exceed `concentration_factor` x their own mean day."""
    day = snapshot.get("assessment_day", "")
    out = []
    for code, values in ((snapshot.get("map") or {}).get("township") or {}).items():
        orders, ratio = values.get("orders_24h", 0), values.get("vs_baseline")
        if ratio is None or orders < rules.concentration_min_orders or ratio < rules.concentration_factor:
            continue
        place = _place(snapshot, code)
        out.append(Alert(
            key=f"concentration:{code}:{day}", subject=f"township:{code}", kind="concentration", severity="warning",
            title=f"诉求集中预警:{place} 近24小时 {orders} 单",
            body=f"{place}近24小时受理 {orders} 单,为其近28天日均的 {ratio:.1f} 倍"
                 f"(阈值 {rules.concentration_factor:g} 倍)。",
        ))  # fmt: skip
    return out


def stale(snapshot: dict[str, Any] | None, rules: AlertRules, now: datetime) -> list[Alert]:
    """The pipeline stale: ticks failing, or no new snapshot, for more than `stale_seconds`."""
    since_text = ((snapshot or {}).get("stale") or {}).get("since") or (snapshot or {}).get("generated_at")
    if not since_text:
        return []
    since = datetime.fromisoformat(since_text)
    age = (now - since).total_seconds()
    if age <= rules.stale_seconds:
        return []
    reason = ((snapshot or {}).get("stale") or {}).get("reason", "no new snapshot")
    return [Alert(
        key=f"stale:{since_text}", subject="pipeline", kind="stale", severity="critical",
        title=f"数据管道中断 {round(age / 60)} 分钟", body=f"大屏数据自 {since_text} 起未更新:{reason}。",
    )]  # fmt: skip


def detect(snapshot: dict[str, Any] | None, rules: AlertRules, now: datetime,
           open_orders: pd.DataFrame | None = None) -> list[Alert]:  # fmt: skip
    """Every alert the snapshot and the open orders raise now (the store drops the ones already sent)."""
    if snapshot is None:
        return []
    if snapshot.get("stale"):
        return stale(snapshot, rules, now)
    due = due_soon(open_orders, snapshot, rules, now) if open_orders is not None else []
    return [*due, *hotspot_bursts(snapshot, rules), *concentration(snapshot, rules)]

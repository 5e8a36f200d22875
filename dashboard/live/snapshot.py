"""Build the one snapshot per tick that every screen reads (BRIEF section 4).

A snapshot is plain JSON. The fast lane (every tick) holds what changes by the second: today's
orders, the most urgent countdowns, KPIs and the map's live values. The open orders themselves
stay in the case database (110,000 at city scale): the SLA board pages them with an indexed query
(dashboard/live/open_orders.py), so the snapshot does not grow with them. The slow lane
(rankings, rates, trends, hotspots) is recomputed from the rollups every `SLOW_SECONDS`, or at
once when the assessment day changes, and carried over between; viewers never query the database.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import Engine, func, select

from dashboard.assessment import period_views
from dashboard.assessment.hotspots import find_hotspots, repeat_complainants
from dashboard.assessment.hotwords import hot_words
from dashboard.assessment.periods import assessment_day, classes_month, day_bounds, day_period, month_of_day
from dashboard.assessment.rankings import rankings_payload, top_concentration
from dashboard.assessment.rules import Rules
from dashboard.assessment.sla import countdown_state
from dashboard.assessment.workdays import calendar
from dashboard.live.contract import Snapshot
from dashboard.live.open_cases import OpenCases
from dashboard.scope import Scope
from dashboard.store.schema import Case, District, Township

log = logging.getLogger(__name__)

COUNTDOWN_ROWS = 50
REPEAT_ROWS = 300
BULK_CHANGE = 1000  # changed cases in one tick that make the slow lane refresh at once
HISTORY_MONTHS = 6
# How often each slow part is recomputed (seconds). Rankings move only when callbacks arrive.
SLOW_SECONDS = {"periods": 30, "rankings": 60, "hotspots": 60, "history": 600, "repeat": 300, "hot_words": 60}


@dataclass(frozen=True)
class Names:
    """Reference names, read once per process: codes to names, parents and the approximate flag."""

    townships: pd.DataFrame  # index code: name, district_code, approximate
    districts: pd.DataFrame  # index code: name, name_en

    @classmethod
    def load(cls, engine: Engine) -> Names:
        with engine.connect() as conn:
            towns = pd.DataFrame(
                conn.execute(select(Township.code, Township.name, Township.district_code, Township.approximate)).all(),
                columns=["code", "name", "district_code", "approximate"],
            )
            dists = pd.DataFrame(
                conn.execute(select(District.code, District.name, District.name_en)).all(),
                columns=["code", "name", "name_en"],
            )
        return cls(towns.set_index("code"), dists.set_index("code"))


class SlowLane:
    """Slow parts of the snapshot, carried between ticks and refreshed in the background.

    A missing part is computed at once (first tick, new day, after a bulk load). A part past its
    age is recomputed on one background thread while ticks keep publishing the previous value, so
    the fast lane never waits for rankings and the screens' freshness badge stays green.
    """

    def __init__(self) -> None:
        self.parts: dict[str, Any] = {}
        self.computed: dict[str, float] = {}
        self.day: str | None = None
        self._lock = threading.Lock()
        self._running: set[str] = set()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="snapshot-slow-lane")

    def get(self, name: str, make: Callable[[], Any], fallback: Any = None) -> Any:
        """The part's current value. With a `fallback`, a failing first computation yields it (logged)
        instead of failing the tick: a broken hotspot detector must not take the whole screen stale."""
        if fallback is not None:
            make = _or_fallback(name, make, fallback)
        with self._lock:
            present = name in self.parts
            stale = present and time.monotonic() - self.computed[name] >= SLOW_SECONDS[name]
            if stale and name not in self._running:
                self._running.add(name)
                self._pool.submit(self._refresh, name, make)
        if not present:
            self._store(name, make())
        return self.parts[name]

    def _refresh(self, name: str, make: Callable[[], Any]) -> None:
        try:
            self._store(name, make())
        except Exception:
            log.exception("slow-lane refresh of %s failed", name)
        finally:
            with self._lock:
                self._running.discard(name)

    def _store(self, name: str, value: Any) -> None:
        with self._lock:
            self.parts[name] = value
            self.computed[name] = time.monotonic()

    def new_day(self, day: str) -> None:
        """A new assessment day makes every period-bound part stale at once."""
        if self.day != day:
            with self._lock:
                self.parts.clear()
            self.day = day

    def bulk_change(self, changed: int) -> None:
        """A bulk load (seed, import, sync catch-up) makes the slow parts stale at once: each is refreshed in
        the background from this tick on, the previous value published meanwhile, so a tick after 1,000
        changes stays a tick (recomputing them in line took 8-13 s at city scale, issue 13)."""
        if changed >= BULK_CHANGE:
            with self._lock:
                self.computed = dict.fromkeys(self.computed, float("-inf"))


def _or_fallback(name: str, make: Callable[[], Any], fallback: Any) -> Callable[[], Any]:
    def guarded() -> Any:
        try:
            return make()
        except Exception:
            log.exception("snapshot part %s failed; showing it empty", name)
            return fallback

    return guarded


def _iso(value: Any) -> str | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).isoformat()


def received_by_township(engine: Engine, start: datetime, end: datetime) -> pd.Series:
    """Orders received per township in [start, end): an indexed range on received_at."""
    query = (
        select(Case.township_code, func.count())
        .where(Case.received_at >= start, Case.received_at < end)
        .group_by(Case.township_code)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return pd.Series(dict(rows), dtype="int64")


def next_due(open_frame: pd.DataFrame, now: datetime, rules: Rules) -> pd.DataFrame:
    """The deadline that matters now (first contact until responded, then resolution) and its state (unsorted)."""
    frame = open_frame.copy()
    responded = frame["responded_at"].notna()
    frame["due_at"] = frame["resolve_due_at"].where(responded, frame["respond_due_at"])
    frame["due_kind"] = np.where(responded, "resolve", "respond")
    frame["state"] = countdown_state(now, frame["due_at"], frame["dispatched_at"], rules)  # clocks start at dispatch
    return frame


def most_urgent(frame: pd.DataFrame, n: int) -> pd.DataFrame:
    """The n open cases with the earliest deadline (ties in frame order): no full sort of 110,000 rows."""
    return frame.nsmallest(n, "due_at", keep="first")


OPEN_CASE_KEYS = ("case_id", "township_code", "district_code", "category", "subcategory", "urgency",
                  "dispatched_at", "due_at", "due_kind", "state", "respond_due_at", "resolve_due_at")  # fmt: skip


def open_case_records(frame: pd.DataFrame, names: Names, limit: int | None = None) -> list[dict[str, Any]]:
    """Open cases as JSON records with place names, most urgent first."""
    rows = frame if limit is None else frame.head(limit)
    town_names = names.townships["name"]
    district_names = names.districts["name"]
    out = []
    for r in rows.itertuples(index=False):
        record = {k: getattr(r, k) for k in OPEN_CASE_KEYS}
        for key in ("dispatched_at", "due_at", "respond_due_at", "resolve_due_at"):
            record[key] = _iso(record[key])
        record["township_name"] = town_names.get(r.township_code)
        record["district_name"] = district_names.get(r.district_code)
        out.append(record)
    return out


def _counts_by(frame: pd.DataFrame, key: str) -> dict[str, int]:
    return {} if frame.empty else {k: int(v) for k, v in frame.groupby(key).size().items()}


def holidays_missing(rules: Rules, today: date, open_frame: pd.DataFrame) -> list[int]:
    """Years without an official holiday schedule that today's or an open order's deadline falls in
    (working-day mode only): those deadlines count weekends only, and the screens say so."""
    if rules.sla_mode != "working_days":
        return []
    due_years = pd.to_datetime(open_frame["resolve_due_at"], utc=True).dt.year.dropna().astype(int)
    return calendar().missing_years({today.year, *due_years.unique().tolist()})


def live_map_values(today: pd.Series, open_frame: pd.DataFrame, names: Names) -> dict[str, dict[str, dict]]:
    """Per township and per district: orders today, open and overdue (the fast lane of the map)."""
    district_of = names.townships["district_code"]
    overdue = open_frame[open_frame["state"] == "overdue"]
    layers: dict[str, dict[str, dict]] = {}
    for layer, key, codes in (
        ("township", "township_code", names.townships.index),
        ("district", "district_code", names.districts.index),
    ):
        orders = today if layer == "township" else today.groupby(today.index.map(district_of)).sum()
        opened, late = _counts_by(open_frame, key), _counts_by(overdue, key)
        layers[layer] = {
            code: {"orders_today": int(orders.get(code, 0)), "open": opened.get(code, 0), "overdue": late.get(code, 0)}
            for code in codes
        }
    return layers


def _period_parts(engine: Engine, rules: Rules, today_day, names: Names) -> dict[str, Any]:
    month = month_of_day(today_day, rules)
    previous = month.previous(rules)
    elapsed = today_day - month.first_day
    orders = period_views.daily_orders(engine, today_day - timedelta(days=period_views.BASELINE_DAYS + 31), today_day)
    return {
        "month": month.label,
        "mtd": period_views.city_rates(engine, rules, month.first_day, today_day),
        "previous_same_days": period_views.city_rates(
            engine, rules, previous.first_day, min(previous.first_day + elapsed, previous.last_day)
        ),
        "windows": period_views.window_counts(orders, today_day, rules),
        "baseline": period_views.baseline_per_day(orders, today_day),
        "trend": period_views.daily_trend(orders, names.townships["district_code"], today_day),
        "top10_today": top_concentration(engine, rules, today_day, Scope.all()),
    }


def _rankings(engine: Engine, rules: Rules, today_day) -> dict[str, Any]:
    month = month_of_day(today_day, rules).label
    day = day_period(today_day).label
    out = {
        f"{kind}_{level}": rankings_payload(engine, rules, kind, label, level, Scope.all())
        for kind, label in (("month", month), ("day", day))
        for level in ("township", "district")
    }
    shown, final = classes_month(today_day, rules)
    out["classes"] = {"month": shown.label, "final": final, "key": "classes_township" if final else "month_township"}
    if final:  # early in a month: the closed month's final lists, not a ranking of a few days' callbacks
        out["classes_township"] = rankings_payload(engine, rules, "month", shown.label, "township", Scope.all())
    return out


def _history(engine: Engine, rules: Rules, today_day) -> dict[str, Any]:
    month = month_of_day(today_day, rules)
    return {level: period_views.composite_history(engine, rules, month, HISTORY_MONTHS, level)
            for level in ("township", "district")}  # fmt: skip


def _add_period_measures(layers: dict, periods: dict, rankings: dict, names: Names, last_24h: pd.Series) -> None:
    """Join window totals, the baseline ratio and the month composite onto the live map values.

    `vs_baseline` compares the last 24 hours with the unit's own mean day over the previous 28 days,
    so it means the same at 09:00 as at 23:00 (today-so-far would look quiet every morning).
    """
    district_of = names.townships["district_code"]
    towns_of = {code: list(towns.index) for code, towns in district_of.groupby(district_of)}
    windows = periods["windows"]
    for code, values in layers["township"].items():
        for name, table in windows.items():
            values[f"orders_{name}"] = int(sum(table.get(code, {}).values()))
        base = periods["baseline"].get(code, 0.0)
        values["orders_24h"] = int(last_24h.get(code, 0))
        values["vs_baseline"] = round(values["orders_24h"] / base, 3) if base else None
    for code, values in layers["district"].items():
        towns = towns_of.get(code, [])
        for name in windows:
            values[f"orders_{name}"] = sum(layers["township"][t][f"orders_{name}"] for t in towns)
        base = sum(periods["baseline"].get(t, 0.0) for t in towns)
        values["orders_24h"] = sum(layers["township"][t]["orders_24h"] for t in towns)
        values["vs_baseline"] = round(values["orders_24h"] / base, 3) if base else None
    for level in ("township", "district"):
        for row in rankings[f"month_{level}"]["rows"]:
            if row["code"] in layers[level]:
                layers[level][row["code"]]["composite"] = row["composite"]


def build_snapshot(
    engine: Engine,
    rules: Rules,
    tz: ZoneInfo,
    now: datetime,
    open_cases: OpenCases,
    names: Names,
    version: int,
    slow: SlowLane | None = None,
) -> Snapshot:
    """Assemble the snapshot from the open-case set, one indexed query and the slow lane."""
    slow = slow if slow is not None else SlowLane()
    today_day = assessment_day(now, rules, tz)
    slow.new_day(today_day.isoformat())
    slow.bulk_change(open_cases.changed_last_tick)
    day_start = day_bounds(today_day, rules, tz)[0]  # the same day as the daily rankings and the top 10
    today = received_by_township(engine, day_start, now + timedelta(seconds=1))
    last_week = received_by_township(engine, day_start - timedelta(days=7), now - timedelta(days=7))
    last_24h = received_by_township(engine, now - timedelta(hours=24), now + timedelta(seconds=1))
    frame = (
        next_due(open_cases.frame, now, rules)
        if not open_cases.frame.empty
        else open_cases.frame.assign(due_at=pd.Series(dtype="datetime64[us, UTC]"), due_kind="", state="")
    )
    periods = slow.get("periods", lambda: _period_parts(engine, rules, today_day, names))
    rankings = slow.get("rankings", lambda: _rankings(engine, rules, today_day))
    layers = live_map_values(today, frame, names)
    _add_period_measures(layers, periods, rankings, names, last_24h)
    overdue = int((frame["state"] == "overdue").sum())
    due_2h = int(((frame["state"] != "overdue") & (frame["due_at"] - pd.Timestamp(now) < timedelta(hours=2))).sum())
    return {
        "version": version,
        "generated_at": now.isoformat(),
        "data_as_of": _iso(open_cases.read_at),  # the poller's last successful read of the database
        "rules_version": rules.version,
        "rules_digest": rules.digest,
        "holidays_missing": holidays_missing(rules, today_day, frame),
        "assessment_day": today_day.isoformat(),
        "month": periods["month"],
        "townships_approximate": bool(names.townships["approximate"].any()) if len(names.townships) else True,
        "kpis": {
            "orders_today": int(today.sum()),
            "orders_same_weekday_last_week": int(last_week.sum()),
            "open": len(frame),
            "overdue": overdue,
            "due_2h": due_2h,
            "month_to_date": periods["mtd"],
            "previous_month_same_days": periods["previous_same_days"],
        },
        "countdowns": open_case_records(most_urgent(frame, COUNTDOWN_ROWS), names),
        "names": {
            "township": names.townships["name"].to_dict(),
            "district": names.districts["name"].to_dict(),
            "district_en": names.districts["name_en"].to_dict(),
            "township_district": names.townships["district_code"].to_dict(),
        },
        "map": layers,
        "category_orders": periods["windows"],
        "trend": periods["trend"],
        "top10_today": periods["top10_today"],
        "rankings": rankings,
        "history": slow.get("history", lambda: _history(engine, rules, today_day), fallback={}),
        "hotspots": slow.get("hotspots", lambda: find_hotspots(engine, rules, now, Scope.all(), tz), fallback=[]),
        "hot_words": slow.get("hot_words", lambda: hot_words(engine, rules, now, tz, Scope.all(), block=False), {}),
        "repeat_callers": slow.get("repeat", lambda: repeat_complainants(engine, rules, now, Scope.all()), fallback=[])[
            :REPEAT_ROWS
        ],
    }

"""Aggregates the screens need beyond rankings, read from the daily rollups (never from cases).

City-wide rates for a period (pooled counts), orders per township and category over the map's time
windows, daily trends and the composite history behind the rankings' sparklines.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Engine, select

from dashboard.assessment.periods import Period, month_of_day
from dashboard.assessment.rankings import period_counts
from dashboard.assessment.rules import Rules
from dashboard.assessment.scoring import COUNT_COLUMNS, RATE_COLUMNS, score
from dashboard.live.rollups import period_stamp
from dashboard.store.schema import DailyRollup
from dashboard.store.state import read_frame

# The map's time windows, as a number of assessment days ending today ("month" = month to date).
WINDOWS = {"today": 1, "7d": 7, "30d": 30}
BASELINE_DAYS = 28


def city_rates(engine: Engine, rules: Rules, first_day: date, last_day: date) -> dict[str, Any]:
    """Response, resolution, satisfaction and composite of the whole city, from pooled counts."""
    districts = period_counts(engine, first_day, last_day, "district")
    pooled = pd.DataFrame([districts[list(COUNT_COLUMNS)].sum()])
    pooled["code"] = "city"
    row = score(pooled, rules).iloc[0]
    out: dict[str, Any] = {c: int(row[c]) for c in COUNT_COLUMNS}
    for key in (*RATE_COLUMNS, "composite"):
        out[key] = None if pd.isna(row[key]) else float(row[key])
    return out


def daily_orders(engine: Engine, first_day: date, last_day: date) -> pd.DataFrame:
    """Orders per township x category x assessment day in a day range (only non-zero rows)."""
    query = (
        select(DailyRollup.township_code, DailyRollup.category, DailyRollup.day, DailyRollup.orders)
        .where(DailyRollup.day.between(first_day, last_day), DailyRollup.orders > 0)
    )  # fmt: skip
    with engine.connect() as conn:
        frame = read_frame(conn, query)
    if frame.empty:
        return pd.DataFrame(columns=["township_code", "category", "day", "orders"])
    return frame


def window_counts(orders: pd.DataFrame, today: date, rules: Rules) -> dict[str, dict[str, dict[str, int]]]:
    """{window: {township: {category: orders}}} for today, 7 and 30 days and the month to date."""
    month_start = month_of_day(today, rules).first_day
    starts = {name: today - timedelta(days=n - 1) for name, n in WINDOWS.items()} | {"month": month_start}
    out: dict[str, dict[str, dict[str, int]]] = {}
    for name, start in starts.items():
        part = orders[(orders["day"] >= start) & (orders["day"] <= today)]
        grouped = part.groupby(["township_code", "category"])["orders"].sum()
        table: dict[str, dict[str, int]] = {}
        for (town, category), n in grouped.items():
            table.setdefault(town, {})[category] = int(n)
        out[name] = table
    return out


def baseline_per_day(orders: pd.DataFrame, today: date) -> dict[str, float]:
    """Each township's mean orders per day over the BASELINE_DAYS before today (its own normal)."""
    start = today - timedelta(days=BASELINE_DAYS)
    part = orders[(orders["day"] >= start) & (orders["day"] < today)]
    return {code: float(n) / BASELINE_DAYS for code, n in part.groupby("township_code")["orders"].sum().items()}


def daily_trend(orders: pd.DataFrame, district_of: pd.Series, today: date, days: int = 30) -> dict[str, Any]:
    """Orders per day for the city, each district and each township over the last `days` days."""
    axis = [today - timedelta(days=days - 1 - i) for i in range(days)]
    part = orders[orders["day"] >= axis[0]]
    by_town = part.groupby(["township_code", "day"])["orders"].sum().unstack(fill_value=0)
    by_town = by_town.reindex(columns=axis, fill_value=0)
    by_district = by_town.groupby(by_town.index.map(district_of)).sum()
    return {
        "days": [d.isoformat() for d in axis],
        "city": [int(v) for v in by_town.sum(axis=0)],
        "district": {code: [int(v) for v in row] for code, row in by_district.iterrows()},
        "township": {code: [int(v) for v in row] for code, row in by_town.iterrows()},
    }


def _months_back(rules: Rules, current: Period, months: int) -> list[Period]:
    periods = [current]
    for _ in range(months - 1):
        periods.insert(0, periods[0].previous(rules))
    return periods


def history_stamp(engine: Engine, rules: Rules, current: Period, months: int) -> str:
    """The rollups stamp of the months a `composite_history` reads (a cache key for it)."""
    return period_stamp(engine, _months_back(rules, current, months)[0].first_day, current.last_day)


def composite_history(engine: Engine, rules: Rules, current: Period, months: int, level: str) -> dict[str, Any]:
    """Composite per unit for the last `months` month periods (oldest first): the sparklines."""
    stamp = history_stamp(engine, rules, current, months)
    periods = _months_back(rules, current, months)
    series: dict[str, list[float | None]] = {}
    for period in periods:
        scored = score(period_counts(engine, period.first_day, period.last_day, level), rules)
        enough = scored["valid_callbacks"] >= max(rules.min_valid_callbacks, 1)
        for code, value, ok in zip(scored["code"], scored["composite"], enough, strict=True):
            series.setdefault(code, []).append(float(value) if ok and pd.notna(value) else None)
    return {"months": [p.label for p in periods], "series": series, "stamp": stamp}

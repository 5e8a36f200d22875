"""`python -m data_loader seed`: demo history that ends at "now", so the wall shows a live today.

History = ordinary orders (volume by weekday and season, hour by the daily shape) plus the recurring
problems a dashboard must surface: repeat callers, one estate's leaking roof, and bursts of one topic
in one township. Everything is drawn with numpy from one generator seeded by --seed, so the same seed
and the same `now` give identical rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from sqlalchemy import Engine, func, select

from dashboard.assessment.rules import Rules
from dashboard.store.case_rows import complete_cases, insert_cases
from dashboard.store.schema import Case, Township
from data_loader.demo import life as demo_life
from data_loader.demo import model as dm
from data_loader.reference_tables import load_reference

DAY = np.timedelta64(86400, "s")


class SeedError(RuntimeError):
    """The database cannot be seeded as asked (it already holds cases)."""


@dataclass(frozen=True)
class Window:
    """The local days of the history (UTC starts) and the cut-off instant `now`."""

    day_starts: np.ndarray  # datetime64[s] UTC of each local midnight
    days: pd.DatetimeIndex  # the same, local
    cut: np.datetime64

    @classmethod
    def ending(cls, now: datetime, days: int, tz: str) -> Window:
        today = pd.Timestamp(now).tz_convert(tz).normalize()
        local = pd.date_range(end=today, periods=days, freq="D")
        utc = local.tz_convert("UTC").tz_localize(None).to_numpy().astype("datetime64[s]")
        return cls(utc, local, demo_life.as_utc(now))


def _keep_past(orders: dm.Orders, cut: np.datetime64) -> dm.Orders:
    keep = orders.received <= cut
    return dm.Orders(*(getattr(orders, f)[keep] for f in dm.Orders.__dataclass_fields__))


def ordinary_orders(rng: np.random.Generator, geo: dm.Geography, window: Window, per_day: float, tz: str) -> dm.Orders:
    counts = rng.poisson(per_day * dm.day_volume_factor(window.days))
    received = np.repeat(window.day_starts, counts) + dm.draw_hours(rng, int(counts.sum())).astype("timedelta64[s]")
    return dm.draw_orders(rng, received[received <= window.cut], geo, tz)


def repeat_callers(rng: np.random.Generator, geo: dm.Geography, window: Window, threads: int) -> dm.Orders:
    """Callers who call 3+ times about the same problem in the same township within four weeks."""
    township = rng.choice(len(geo.codes), threads, p=geo.share)
    topic = rng.choice(len(dm.SUBS), threads, p=dm.SUB_WEIGHT / dm.SUB_WEIGHT.sum())
    lon, lat = dm.jitter(rng, geo.lon[township], geo.lat[township], 600)
    first = window.day_starts[rng.integers(0, len(window.day_starts), threads)]
    thread = np.repeat(np.arange(threads), 3 + rng.poisson(1.0, threads))
    n = len(thread)
    received = first[thread] + rng.integers(0, 28, n) * DAY + dm.draw_hours(rng, n).astype("timedelta64[s]")
    plon, plat = dm.jitter(rng, lon[thread], lat[thread], 20)
    callers = dm.fake_numbers(rng, threads)[thread]
    return _keep_past(dm.Orders(received, township[thread], topic[thread], callers, plon, plat), window.cut)


def leaking_estate(rng: np.random.Generator, geo: dm.Geography, window: Window) -> dm.Orders:
    """One old estate's roofs leak after a storm: dozens of calls from nearly the same point.

    The storm falls in the July-August rains when the window has them, else in the last week, and
    at least two days before `now` so the whole wave of calls is in the history. Residents call more
    than once (a shared number pool).
    """
    old = np.isin(geo.district_codes, dm.OLD_CITY_DISTRICTS)
    township = rng.choice(np.flatnonzero(old), p=geo.share[old] / geo.share[old].sum())
    complete = window.day_starts + 2 * DAY <= window.cut
    rainy = np.flatnonzero(complete & np.isin(window.days.month, (7, 8)))
    recent = np.flatnonzero(complete)[-7:]
    candidates = rainy if len(rainy) else recent if len(recent) else np.arange(len(window.day_starts))
    storm = window.day_starts[rng.choice(candidates)]
    n = int(rng.integers(35, 60))
    received = storm + rng.choice([0, 1], n, p=[0.65, 0.35]) * DAY + dm.draw_hours(rng, n).astype("timedelta64[s]")
    lon, lat = dm.jitter(rng, np.array([geo.lon[township]]), np.array([geo.lat[township]]), 500)
    plon, plat = dm.jitter(rng, np.repeat(lon, n), np.repeat(lat, n), 25)
    callers = dm.fake_numbers(rng, max(1, n // 2))[rng.integers(0, max(1, n // 2), n)]
    topic = np.full(n, dm.sub_index("屋顶漏雨"))
    return _keep_past(dm.Orders(received, np.full(n, township), topic, callers, plon, plat), window.cut)


def bursts(rng: np.random.Generator, geo: dm.Geography, window: Window) -> dm.Orders:
    """Spikes of one topic in one township within a few hours (a water main, a night-time site).

    About one a week, and always one in the last day so the live wall has a hotspot to show.
    """
    k = max(1, len(window.day_starts) // 7)
    span = (window.cut - window.day_starts[0]).astype(np.int64)
    start = window.day_starts[0] + rng.integers(0, max(1, span), k).astype("timedelta64[s]")
    start[-1] = window.cut - np.timedelta64(int(rng.integers(2 * 3600, 12 * 3600)), "s")
    township = rng.choice(len(geo.codes), k, p=geo.share)
    topic = np.array([dm.sub_index(t) for t in dm.BURST_TOPICS])[rng.integers(0, len(dm.BURST_TOPICS), k)]
    lon, lat = dm.jitter(rng, geo.lon[township], geo.lat[township], 400)
    event = np.repeat(np.arange(k), rng.integers(12, 30, k))
    n = len(event)
    received = start[event] + rng.integers(0, 5 * 3600, n).astype("timedelta64[s]")
    plon, plat = dm.jitter(rng, lon[event], lat[event], 200)
    orders = dm.Orders(received, township[event], topic[event], dm.fake_numbers(rng, n), plon, plat, np.ones(n, bool))
    return _keep_past(orders, window.cut)


def case_ids(received: np.ndarray, tz: str, prefix: str) -> np.ndarray:
    """`D20261127000042`: local receipt day and sequence within it; `received` must be sorted."""
    local = dm.local_times(received, tz)
    ymd = (local.year * 10000 + local.month * 100 + local.day).to_numpy().astype(np.int64)
    _, first, counts = np.unique(ymd, return_index=True, return_counts=True)
    seq = np.arange(len(ymd)) - np.repeat(first, counts) + 1
    return (prefix + pd.Series(ymd * 1_000_000 + seq).astype(str)).to_numpy(dtype=object)


def generate_history(
    geo: dm.Geography,
    rules: Rules,
    now: datetime,
    days: int,
    per_day: float,
    seed: int,
    tz: str,
    caller_key: str,
) -> pd.DataFrame:
    """Contract columns of `days` local days of orders ending at `now` (not yet completed)."""
    rng = np.random.default_rng(seed)
    window = Window.ending(now, days, tz)
    total = per_day * days
    orders = dm.Orders.concat([
        ordinary_orders(rng, geo, window, per_day, tz),
        repeat_callers(rng, geo, window, max(1, int(total * 0.003))),
        leaking_estate(rng, geo, window),
        bursts(rng, geo, window),
    ])  # fmt: skip
    order = np.argsort(orders.received, kind="stable")
    orders = dm.Orders(*(getattr(orders, f)[order] for f in dm.Orders.__dataclass_fields__))
    ids = case_ids(orders.received, tz, "D")
    drawn = demo_life.draw_life(rng, orders, geo, rules, tz, seed)
    return demo_life.contract_frame(drawn, ids, geo, now, caller_key)


def load_geography(engine: Engine, seed: int) -> dm.Geography:
    """Townships from the database (the reference data the cases' foreign keys point to)."""
    with engine.connect() as conn:
        frame = pd.read_sql(select(Township.code, Township.name, Township.district_code, Township.kind,
                                   Township.lon, Township.lat), conn)  # fmt: skip
    return dm.Geography.from_townships(frame, seed)


def ensure_reference(engine: Engine) -> None:
    """Load districts and townships on a fresh database: cases have foreign keys to them."""
    with engine.connect() as conn:
        if conn.scalar(select(func.count()).select_from(Township)):
            return
    load_reference(engine)


def seed_database(
    engine: Engine,
    rules: Rules,
    *,
    days: int = 60,
    per_day: float = 7000,
    seed: int = 12345,
    now: datetime | None = None,
    tz: str = "Asia/Shanghai",
    caller_key: str,
) -> int:
    """Write demo history into an empty cases table; returns the number of orders written."""
    now = now or datetime.now(UTC)
    ensure_reference(engine)
    with engine.connect() as conn:
        existing = conn.scalar(select(func.count()).select_from(Case))
    if existing:
        raise SeedError(f"the database already holds {existing} cases; seed fills an empty database only")
    frame = generate_history(load_geography(engine, seed), rules, now, days, per_day, seed, tz, caller_key)
    return insert_cases(engine, complete_cases(frame, rules, now))

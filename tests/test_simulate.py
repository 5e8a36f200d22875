"""Live simulator: new orders arrive, open cases progress, and every change moves `updated_at`."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, func, select

from dashboard.store.schema import Case
from data_loader.demo import model as dm
from data_loader.demo.life import as_utc
from data_loader.demo.live_events import LiveEvents
from data_loader.demo.seed import seed_database
from data_loader.demo.simulate import Simulator, run_simulator
from tests.test_seed import RULES, assert_lifecycle_consistent, geography

SEEDED_AT = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # 10:00 in Beijing: office hours, a busy hour


def cases(engine: Engine) -> pd.DataFrame:
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(select(Case.__table__)).mappings().all())
    return frame.set_index("case_id", drop=False)


def test_ticks_insert_new_orders_and_progress_open_cases(any_engine: Engine):
    seed_database(any_engine, RULES, days=2, per_day=600, seed=5, now=SEEDED_AT, caller_key="k")
    before = cases(any_engine)
    sim = Simulator(any_engine, RULES, rate=0.5, seed=5, caller_key="k")
    now = SEEDED_AT
    results = []
    for _ in range(10):  # arrivals for 60 s per tick, while half an hour of open cases' steps come due
        now += timedelta(minutes=30)
        results.append(sim.tick(now, 60))
    after = cases(any_engine)

    new = after.loc[~after.index.isin(before.index)]
    assert len(new) == sum(r.inserted for r in results) > 100  # ~0.5/s x 600 s x the 10:00 peak factor
    assert (new["received_at"] > pd.Timestamp(SEEDED_AT)).all()
    assert (new["received_at"] <= pd.Timestamp(now)).all()
    assert (new["updated_at"] >= new["received_at"]).all()

    old = after.loc[before.index]
    moved = old["status"] != before["status"]
    assert moved.sum() >= 5 and sum(r.progressed for r in results) >= moved.sum()
    changed = old.index[(old["updated_at"] != before["updated_at"])]
    assert set(old.index[moved]) <= set(changed)
    assert (old.loc[changed, "updated_at"] > before.loc[changed, "updated_at"]).all()
    # a step moves forward only: open -> responded -> resolved -> closed
    order = {"open": 0, "responded": 1, "resolved": 2, "closed": 3}
    assert (old["status"].map(order) >= before["status"].map(order)).all()
    assert_lifecycle_consistent(after.reset_index(drop=True), now)


def test_run_simulator_in_a_thread_stops_on_the_event(sqlite_engine: Engine):
    seed_database(sqlite_engine, RULES, days=1, per_day=200, seed=9, now=datetime.now(UTC), caller_key="k")
    with sqlite_engine.connect() as conn:
        start = conn.scalar(select(func.count()).select_from(Case))
    stop = threading.Event()
    outcome = {}
    worker = threading.Thread(
        target=lambda: outcome.update(total=run_simulator(sqlite_engine, RULES, 50.0, stop, 9, tick_seconds=0.2))
    )
    worker.start()
    threading.Event().wait(1.5)
    stop.set()
    worker.join(timeout=10)
    assert not worker.is_alive()
    with sqlite_engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Case)) == start + outcome["total"].inserted
    assert outcome["total"].inserted > 0


def test_open_cases_are_read_once_and_again_only_after_a_failure(sqlite_engine: Engine, monkeypatch):
    seed_database(sqlite_engine, RULES, days=2, per_day=300, seed=4, now=SEEDED_AT, caller_key="k")
    sim = Simulator(sqlite_engine, RULES, rate=0.2, seed=4, caller_key="k")
    loads = []
    original = Simulator._load
    monkeypatch.setattr(Simulator, "_load", lambda self, cut: loads.append(cut) or original(self, cut))
    now = SEEDED_AT
    for _ in range(5):
        now += timedelta(minutes=10)
        sim.tick(now, 60)
    assert len(loads) == 1
    monkeypatch.setattr(Simulator, "_insert_new", lambda *a: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        sim.tick(now + timedelta(minutes=1), 60)
    monkeypatch.undo()
    monkeypatch.setattr(Simulator, "_load", lambda self, cut: loads.append(cut) or original(self, cut))
    sim.tick(now + timedelta(minutes=2), 60)
    assert len(loads) == 2


def test_a_day_of_ticks_follows_the_hours_and_leaves_hotspots_and_repeat_callers(sqlite_engine: Engine):
    """One tick every 10 minutes for a local day: busy 09-11 and 14-16, quiet nights, a few bursts
    (one township x topic, 10+ orders within hours) and callers calling 3+ times, and nothing that
    the model says should have happened is left undone (no order is overdue by more than a week)."""
    start = datetime(2026, 11, 25, 16, 0, tzinfo=UTC)  # local midnight
    seed_database(sqlite_engine, RULES, days=1, per_day=200, seed=8, now=start, caller_key="k")
    sim = Simulator(sqlite_engine, RULES, rate=0.05, seed=8, caller_key="k")
    now = start
    for _ in range(144):
        now += timedelta(minutes=10)
        sim.tick(now, 600)
    live = cases(sqlite_engine)
    live = live[live["case_id"].str.startswith("L")]
    hours = live["received_at"].dt.tz_convert("Asia/Shanghai").dt.hour.value_counts().reindex(range(24), fill_value=0)
    assert hours[[9, 10, 14, 15]].mean() > 5 * hours[[1, 2, 3, 4]].mean()
    assert hours[12] < hours[10]
    per_topic = live.groupby(["township_code", "subcategory"]).size()
    assert (per_topic >= 10).sum() >= 2
    callers = live.groupby(["caller_hash", "township_code", "category"]).size()
    assert (callers >= 3).sum() >= 1  # ~4 threads a day at this rate; the wall counts them over 30 days
    assert_lifecycle_consistent(cases(sqlite_engine).reset_index(drop=True), now)


def test_live_events_are_deterministic_per_seed_and_independent_of_ticks():
    geo = geography(3)
    day_start, day_end = as_utc(datetime(2026, 11, 25, 16, tzinfo=UTC)), as_utc(datetime(2026, 11, 26, 16, tzinfo=UTC))
    whole = LiveEvents(geo, 3, 8000, "Asia/Shanghai").due(day_start, day_end)
    ticked = LiveEvents(geo, 3, 8000, "Asia/Shanghai")
    step = np.timedelta64(3600, "s")
    parts = [ticked.due(day_start + i * step, day_start + (i + 1) * step) for i in range(24)]
    assert np.array_equal(np.sort(whole.received), np.sort(dm.Orders.concat(parts).received))
    other = LiveEvents(geo, 4, 8000, "Asia/Shanghai").due(day_start, day_end)
    assert not np.array_equal(np.sort(whole.received)[:10], np.sort(other.received)[:10])
    assert len(whole.received) > 30


def test_a_flat_simulator_keeps_its_rate_at_night(sqlite_engine: Engine):
    """At 04:30 in Beijing the day's shape gives 0.15 / 86.7 x 24 = 0.0415 of the mean rate; flat gives 1."""

    class Recording:  # the simulator's generator, recording the mean of each Poisson draw
        def __init__(self, rng: np.random.Generator) -> None:
            self.rng, self.asked = rng, []

        def poisson(self, lam, *args, **kwargs):
            self.asked.append(lam)
            return self.rng.poisson(lam, *args, **kwargs)

        def __getattr__(self, name: str):
            return getattr(self.rng, name)

    for day, flat, expected in ((19, False, 2.0 * 10 * 0.15 / 86.7 * 24), (20, True, 2.0 * 10)):
        night = datetime(2026, 11, day, 20, 30, tzinfo=UTC)  # 04:30 Asia/Shanghai, a night apart: new case ids
        sim = Simulator(sqlite_engine, RULES, rate=2.0, seed=3, caller_key="k", flat=flat)
        sim.open = sim._load(as_utc(night))  # the open plans first, so the arrivals' draw is the first one
        sim.rng = Recording(sim.rng)
        sim.tick(night, 10)
        assert sim.rng.asked[0] == pytest.approx(expected, rel=1e-3)

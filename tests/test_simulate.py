"""Live simulator: new orders arrive, open cases progress, and every change moves `updated_at`."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pandas as pd
from sqlalchemy import Engine, func, select

from dashboard.schema import Case
from data_loader.seed import seed_database
from data_loader.simulate import Simulator, run_simulator
from tests.test_seed import RULES, assert_lifecycle_consistent

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
    for _ in range(10):
        now += timedelta(seconds=60)
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

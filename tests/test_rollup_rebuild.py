"""The set-based rollup rebuild on hand-made cases: day boundaries, cut-off, valid callbacks (both engines)."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from dashboard.live import rollup_rebuild
from dashboard.live.rollups import rebuild
from dashboard.store.schema import DailyRollup, RollupLedger
from tests.assessment_data import SHANGHAI, add_reference, case, make_rules, write_cases

T1, T2 = "110101001", "110102001"
ROWS = [  # local (Asia/Shanghai) times
    case("R1", T1, "2026-03-01 23:59", "2026-03-05 11:59", "CSs"),  # callback valid: satisfied
    case("R2", T1, "2026-03-02 00:01", "2026-03-05 12:01", "C-b"),  # valid: contacted, not solved, basically
    case("R3", T2, "2026-03-02 12:30", "2026-03-05 10:00", "CS?"),  # no satisfaction: not a valid callback
    case("R4", T2, "2026-03-02 13:00"),  # no callback yet
]


def rollups(engine) -> dict[tuple, tuple]:
    with engine.connect() as conn:
        rows = conn.execute(select(DailyRollup.__table__)).all()
    return {(r.township_code, r.day): (r.orders, r.valid_callbacks, r.contacted, r.solved, r.satisfied, r.basically)
            for r in rows}  # fmt: skip


@pytest.fixture
def engine(any_engine):
    add_reference(any_engine)
    return any_engine


# Midnight: orders R1 on 1 Mar (23:59), R2 on 2 Mar (00:01), R3 and R4 on 2 Mar in T2. Callbacks on 5 Mar:
# R1 (contacted, solved, satisfied) and R2 (contacted, basically) in T1; R3 invalid.
MIDNIGHT = {
    (T1, date(2026, 3, 1)): (1, 0, 0, 0, 0, 0),
    (T1, date(2026, 3, 2)): (1, 0, 0, 0, 0, 0),
    (T2, date(2026, 3, 2)): (2, 0, 0, 0, 0, 0),
    (T1, date(2026, 3, 5)): (0, 2, 2, 1, 1, 1),
}
# Noon: day D runs from 12:00 on D-1 to 12:00 on D: R1 (1 Mar 23:59) and R2 (2 Mar 00:01) both fall on 2 Mar;
# R3 (12:30) and R4 (13:00) on 3 Mar. Callback R1 at 11:59 stays on 5 Mar, R2 at 12:01 moves to 6 Mar.
NOON = {
    (T1, date(2026, 3, 2)): (2, 0, 0, 0, 0, 0),
    (T2, date(2026, 3, 3)): (2, 0, 0, 0, 0, 0),
    (T1, date(2026, 3, 5)): (0, 1, 1, 1, 1, 0),
    (T1, date(2026, 3, 6)): (0, 1, 1, 0, 0, 1),
}


@pytest.mark.parametrize(
    ("overrides", "expected", "callback_days"),
    [
        ({}, MIDNIGHT, {"R1": date(2026, 3, 5), "R2": date(2026, 3, 5), "R3": None, "R4": None}),
        (
            {"periods.day_cutoff_hour": 12},
            NOON,
            {"R1": date(2026, 3, 5), "R2": date(2026, 3, 6), "R3": None, "R4": None},
        ),
    ],
    ids=["midnight", "noon-cut-off"],
)
def test_days_follow_the_cut_off_and_only_valid_callbacks_count(engine, overrides, expected, callback_days):
    rules = make_rules(**overrides)
    write_cases(engine, ROWS, rules)
    rebuild(engine, rules, tz=SHANGHAI)
    assert rollups(engine) == expected
    with engine.connect() as conn:
        ledger = {r.case_id: r.callback_day for r in conn.execute(select(RollupLedger.__table__))}
    assert ledger == callback_days


def test_sqlite_keeps_the_pandas_path_for_a_zone_with_summer_time(sqlite_engine, pg_engine):
    berlin = ZoneInfo("Europe/Berlin")
    with sqlite_engine.connect() as conn:
        assert rollup_rebuild.supported(conn, SHANGHAI) and not rollup_rebuild.supported(conn, berlin)
    with pg_engine.connect() as conn:
        assert rollup_rebuild.supported(conn, berlin)  # PostgreSQL has its own time-zone database

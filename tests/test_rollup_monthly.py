"""Monthly rollups (township x assessment month, issue 13): by hand, incremental == rebuilt, read path.

`rollup_monthly` is what a month's ranking reads; it must always hold the daily rollups summed per
township and month, whether kept by the change feed's deltas or rebuilt, on both engines.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from unittest import mock

import pandas as pd
import pytest
from sqlalchemy import delete, event, select

from dashboard.assessment import rankings
from dashboard.assessment.rankings import period_counts, rankings_payload
from dashboard.assessment.rules import parse_rules
from dashboard.live.derived import reconcile
from dashboard.live.rollups import GENERATION_KEY, MONTH_CUTOFF_KEY, catch_up, rebuild
from dashboard.scope import Scope
from dashboard.store.schema import DailyRollup, KeyValue, MonthlyRollup
from dashboard.store.state import read_state
from tests.assessment_data import SHANGHAI, add_reference, case, default_data, make_rules, write_cases

T1, T2 = "110101001", "110102001"
COUNTS = ["orders", "valid_callbacks", "contacted", "solved", "satisfied", "basically"]
# Local (Asia/Shanghai) times around the March / April 2026 boundary; callbacks in the next month.
BOUNDARY = [
    case("A", T1, "2026-03-31 23:30", "2026-04-02 10:00", "CSs"),  # order in March, callback in April
    case("B", T1, "2026-04-01 00:10", "2026-04-03 09:00", "C-b"),  # order and callback in April
    case("C", T2, "2026-03-15 12:00", "2026-03-31 23:59", "--d"),  # order and callback in March
]


def monthly(engine) -> dict[tuple, tuple]:
    with engine.connect() as conn:
        rows = conn.execute(select(MonthlyRollup.__table__)).all()
    return {(r.township_code, r.month): tuple(getattr(r, c) for c in COUNTS) for r in rows}


def daily_frame(engine) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(select(DailyRollup.__table__)).mappings().all())


def monthly_frame(engine) -> pd.DataFrame:
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(select(MonthlyRollup.__table__)).mappings().all())
    columns = ["township_code", "month", *COUNTS]
    frame = frame if not frame.empty else pd.DataFrame(columns=columns)
    frame = frame[columns].sort_values(["township_code", "month"]).reset_index(drop=True)
    return frame.astype(dict.fromkeys(COUNTS, "int64"))


def state(engine, key: str) -> str | None:
    with engine.connect() as conn:
        return read_state(conn, [key]).get(key)


@pytest.fixture
def engine(any_engine):
    add_reference(any_engine)
    return any_engine


def test_boundary_cases_by_hand(engine):
    """A counts its order in March and its callback in April; B is all April; C all March in T2.

    T1 April: valid 2 (A: contacted, solved, satisfied; B: contacted, not solved, basically):
    response 2/2 = 1, resolution 1/2 = .5, satisfaction (1 + .9) / 2 = .95,
    composite 100 x (.1 x 1 + .5 x .5 + .4 x .95) = 10 + 25 + 38 = 73.
    T2 March: one valid callback answering no to everything: composite 0.
    """
    rules = make_rules(**{"ranking.min_valid_callbacks": 1})
    catch_up(engine, rules, tz=SHANGHAI)  # loaded while empty: the cases arrive through the deltas
    write_cases(engine, BOUNDARY, rules)
    catch_up(engine, rules, tz=SHANGHAI)
    march, april = date(2026, 3, 1), date(2026, 4, 1)
    assert monthly(engine) == {
        (T1, march): (1, 0, 0, 0, 0, 0),
        (T1, april): (1, 2, 2, 1, 1, 1),
        (T2, march): (1, 1, 0, 0, 0, 0),
    }
    rows = {r["code"]: r for r in rankings_payload(engine, rules, "month", "2026-04", "township", Scope.all())["rows"]}
    assert (rows[T1]["orders"], rows[T1]["valid_callbacks"], rows[T1]["composite"], rows[T1]["rank"]) == (1, 2, 73.0, 1)
    assert (rows[T1]["response_rate"], rows[T1]["resolution_rate"], rows[T1]["satisfaction_rate"]) == (1.0, 0.5, 0.95)
    assert (rows[T2]["orders"], rows[T2]["valid_callbacks"], rows[T2]["rank"]) == (0, 0, None)
    rows = {r["code"]: r for r in rankings_payload(engine, rules, "month", "2026-03", "township", Scope.all())["rows"]}
    assert (rows[T2]["orders"], rows[T2]["valid_callbacks"], rows[T2]["composite"], rows[T2]["rank"]) == (1, 1, 0.0, 1)
    assert (rows[T1]["orders"], rows[T1]["valid_callbacks"], rows[T1]["rank"]) == (1, 0, None)
    rebuild(engine, rules, tz=SHANGHAI)  # the set-based rebuild gives the same table
    assert monthly(engine)[(T1, april)] == (1, 2, 2, 1, 1, 1) and len(monthly(engine)) == 3


def test_a_month_cut_off_keys_months_by_their_first_day(engine):
    """Cut-off day 19: month 2026-04 runs 03-19 .. 04-18, keyed 03-19. C (03-15, called 03-31) counts its
    order in 2026-03 (key 02-19) and its callback in 2026-04; A and B fall in 2026-04 entirely."""
    rules = make_rules(**{"periods.month_cutoff_day": 19})
    catch_up(engine, rules, tz=SHANGHAI)
    write_cases(engine, BOUNDARY, rules)
    catch_up(engine, rules, tz=SHANGHAI)
    assert monthly(engine) == {
        (T1, date(2026, 3, 19)): (2, 2, 2, 1, 1, 1),
        (T2, date(2026, 2, 19)): (1, 0, 0, 0, 0, 0),
        (T2, date(2026, 3, 19)): (0, 1, 0, 0, 0, 0),
    }
    incremental = monthly(engine)
    rebuild(engine, rules, tz=SHANGHAI)
    assert monthly(engine) == incremental


@contextmanager
def statements(engine) -> Iterator[list[str]]:
    """The SQL the engine runs while the block is open."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def daily_path_only():
    """Force the daily path, to compare its answer with the monthly one."""
    return mock.patch.object(rankings, "whole_months", lambda *_args: False)


def _reads(statements: list[str]) -> set[str]:
    return {t for t in ("rollup_monthly", "rollup_daily") if any(re.search(rf"\b{t}\b", s) for s in statements)}


def test_whole_months_read_the_monthly_table_other_ranges_the_daily_one(engine):
    rules = make_rules()
    write_cases(engine, BOUNDARY, rules)
    catch_up(engine, rules, tz=SHANGHAI)
    ranges = {
        (date(2026, 3, 1), date(2026, 3, 31)): {"rollup_monthly"},  # a month
        (date(2026, 3, 1), date(2026, 4, 30)): {"rollup_monthly"},  # two months
        (date(2026, 4, 2), date(2026, 4, 2)): {"rollup_daily"},  # a day
        (date(2026, 4, 1), date(2026, 4, 15)): {"rollup_daily"},  # month to date
        (date(2026, 3, 2), date(2026, 4, 1)): {"rollup_daily"},  # a month's length, not a month
    }
    for (first, last), tables in ranges.items():
        for level in ("township", "district"):
            with statements(engine) as seen:
                counts = period_counts(engine, first, last, level)
            assert _reads(seen) == tables, (first, last, level)
            with daily_path_only():
                assert counts.equals(period_counts(engine, first, last, level)), (first, last, level)


def test_rollups_from_before_migration_0006_fill_the_monthly_table_without_a_full_rebuild(engine, caplog):
    rules = make_rules()
    write_cases(engine, BOUNDARY, rules)
    catch_up(engine, rules, tz=SHANGHAI)
    expected, generation = monthly(engine), state(engine, GENERATION_KEY)
    with engine.begin() as conn:  # what an upgraded database looks like: daily rollups, no monthly ones
        conn.execute(delete(MonthlyRollup))
        conn.execute(delete(KeyValue).where(KeyValue.key == MONTH_CUTOFF_KEY))
    assert period_counts(engine, date(2026, 4, 1), date(2026, 4, 30), "township")["orders"].sum() == 1  # daily path
    with caplog.at_level("INFO"):
        catch_up(engine, rules, tz=SHANGHAI)
    assert monthly(engine) == expected
    assert state(engine, GENERATION_KEY) == generation  # the daily rollups were kept
    assert "rebuilding the monthly rollups from the daily ones" in caplog.text
    assert "from every case" not in caplog.text


def test_a_new_month_cut_off_rebuilds_only_the_monthly_table(engine):
    rules = make_rules()
    write_cases(engine, BOUNDARY, rules)
    catch_up(engine, rules, tz=SHANGHAI)
    generation, daily = state(engine, GENERATION_KEY), daily_frame(engine)
    nineteenth = make_rules(**{"periods.month_cutoff_day": 19})
    catch_up(engine, nineteenth, tz=SHANGHAI)
    assert state(engine, MONTH_CUTOFF_KEY) == "19" and state(engine, GENERATION_KEY) == generation
    pd.testing.assert_frame_equal(daily_frame(engine), daily)
    assert set(monthly(engine)) == {(T1, date(2026, 3, 19)), (T2, date(2026, 2, 19)), (T2, date(2026, 3, 19))}
    payload = rankings_payload(engine, nineteenth, "month", "2026-04", "township", Scope.all())
    with daily_path_only():
        assert payload == rankings_payload(engine, nineteenth, "month", "2026-04", "township", Scope.all())


def test_a_rules_change_that_moves_the_day_cut_off_rebuilds_the_monthly_table(engine):
    """With a 12:00 cut-off, A (03-31 23:30) counts on the day ending 04-01 12:00: its order moves to April."""
    rules = parse_rules(default_data(), digest="midnight")
    write_cases(engine, BOUNDARY, rules)
    assert reconcile(engine, rules, SHANGHAI)
    assert monthly(engine)[(T1, date(2026, 3, 1))] == (1, 0, 0, 0, 0, 0)
    data = default_data()
    data["periods"]["day_cutoff_hour"] = 12
    noon = parse_rules(data, digest="noon")
    assert reconcile(engine, noon, SHANGHAI)
    moved = monthly(engine)
    assert (T1, date(2026, 3, 1)) not in moved
    assert moved[(T1, date(2026, 4, 1))] == (2, 2, 2, 1, 1, 1)
    # C was called back 03-31 23:59, after noon: its callback now counts on 04-01, in April.
    assert moved[(T2, date(2026, 3, 1))] == (1, 0, 0, 0, 0, 0) and moved[(T2, date(2026, 4, 1))] == (0, 1, 0, 0, 0, 0)

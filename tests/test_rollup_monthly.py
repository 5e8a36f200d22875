"""Monthly rollups (township x assessment month, issue 13): by hand, incremental == rebuilt, read path.

`rollup_monthly` is what a month's ranking reads; it must always hold the daily rollups summed per
township and month, whether kept by the change feed's deltas or rebuilt, on both engines.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, event, func, select, update

from dashboard.assessment import rankings
from dashboard.assessment.rankings import period_counts, rankings_payload
from dashboard.assessment.rules import parse_rules
from dashboard.live.derived import reconcile
from dashboard.live.rollups import GENERATION_KEY, MONTH_CUTOFF_KEY, by_month, catch_up, rebuild
from dashboard.scope import Scope
from dashboard.store.schema import Case, DailyRollup, KeyValue, MonthlyRollup, RollupLedger
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


# ---- incremental == rebuilt on random histories -------------------------------------------------

CODES = ["110101001", "110101002", "110102001", "110105003"]
ANSWERS = [None, "CSs", "CSb", "C-d", "--d", "CS?", "-Sb"]
BASE = datetime(2026, 2, 12, tzinfo=SHANGHAI)  # receipts over 16 days: across 02-19 and 03-01
MINUTES = 16 * 24 * 60

case_spec = st.tuples(
    st.sampled_from(CODES),
    st.sampled_from(["供暖", "噪音"]),
    st.integers(0, MINUTES),  # received, minutes after BASE
    st.one_of(st.none(), st.integers(0, 12 * 24 * 60)),  # callback delay in minutes
    st.sampled_from(ANSWERS),
)
change = st.tuples(
    st.integers(0, 1000),  # which case (mod count)
    st.sampled_from(["township", "received", "callback", "uncallback", "answer", "delete"]),
    st.sampled_from(CODES),
    st.integers(0, MINUTES),
    st.sampled_from(ANSWERS[1:]),
)


def _fmt(t: datetime) -> str:
    return t.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def _reset(engine) -> None:
    with engine.begin() as conn:
        for table in (MonthlyRollup, DailyRollup, RollupLedger, KeyValue, Case):
            conn.execute(delete(table))


def _apply_change(engine, ids: list[str], spec, stamp: datetime) -> None:
    index, kind, code, minutes, answer = spec
    case_id = ids[index % len(ids)]
    if kind == "delete":
        with engine.begin() as conn:
            conn.execute(delete(Case).where(Case.case_id == case_id))
        return
    values: dict = {"updated_at": stamp}
    if kind == "township":  # a corrected import moves the case to another township (maybe another district)
        values |= {"township_code": code, "district_code": code[:6]}
    elif kind == "received":  # ... or to another day, often another month
        values["received_at"] = BASE + timedelta(minutes=minutes)
    elif kind == "callback":
        values["callback_at"] = BASE + timedelta(minutes=minutes + 6 * 24 * 60)
    elif kind == "uncallback":
        values |= {"callback_at": None, "satisfaction": None}
    else:
        sat = {"s": "satisfied", "b": "basically", "d": "dissatisfied"}.get(answer[2])
        values |= {"contacted": answer[0] == "C", "solved": answer[1] == "S", "satisfaction": sat}
    with engine.begin() as conn:
        conn.execute(update(Case).where(Case.case_id == case_id).values(**values))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cases=st.lists(case_spec, min_size=1, max_size=25),
    rounds=st.lists(st.lists(change, max_size=6), max_size=4),
    day_cutoff=st.sampled_from([0, 12]),
    month_cutoff=st.sampled_from([1, 19]),
)
def test_incremental_equals_rebuild(engine, cases, rounds, day_cutoff, month_cutoff):
    _reset(engine)
    rules = make_rules(**{"periods.day_cutoff_hour": day_cutoff, "periods.month_cutoff_day": month_cutoff})
    clock = datetime(2026, 3, 20, tzinfo=UTC)
    rows = [
        case(f"C{i}", code, _fmt(BASE + timedelta(minutes=rec)),
             _fmt(BASE + timedelta(minutes=rec + cb)) if cb is not None else None, answer, category=cat)
        for i, (code, cat, rec, cb, answer) in enumerate(cases)
    ]  # fmt: skip
    write_cases(engine, rows, rules, now=clock)
    catch_up(engine, rules, tz=SHANGHAI)
    ids = [r["case_id"] for r in rows]
    for changes in rounds:
        for spec in changes:
            clock += timedelta(seconds=1)
            _apply_change(engine, ids, spec, clock)
        catch_up(engine, rules, tz=SHANGHAI)
    incremental = monthly_frame(engine)
    # Always the daily rollups summed per township and month (Python's month_of_day) ...
    daily = daily_frame(engine)
    summed = by_month(daily, rules) if not daily.empty else pd.DataFrame(columns=incremental.columns)
    summed = summed[list(incremental.columns)].sort_values(["township_code", "month"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(incremental, summed.astype(dict.fromkeys(COUNTS, "int64")))
    # ... and what the set-based rebuild computes (the database's month arithmetic).
    rebuild(engine, rules, tz=SHANGHAI)
    pd.testing.assert_frame_equal(incremental, monthly_frame(engine))
    with engine.connect() as conn:
        alive = conn.scalar(select(func.count()).select_from(Case))
    assert int(incremental["orders"].sum()) == alive  # every remaining case counted once, wherever it moved

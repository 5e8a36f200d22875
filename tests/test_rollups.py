"""Rollups: the incremental path equals a full rebuild, on random histories (hypothesis), on both engines.

A history is a batch of random cases followed by rounds of random changes (callback arrives or is
withdrawn, answers change, township moved to another district by a corrected import, received on
another day or month, category changed, deleted), with an incremental apply after each round. At
the end the incrementally maintained tables (daily, and monthly: issue 13) must equal what a
rebuild computes from scratch, and the monthly table the daily one summed per month.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select, update

from dashboard.live.rollups import by_month, catch_up, rebuild
from dashboard.store.schema import Case, DailyRollup, KeyValue, MonthlyRollup, RollupLedger
from tests.assessment_data import SHANGHAI, add_reference, case, make_rules, write_cases
from tests.test_rollup_monthly import COUNTS, monthly_frame

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
    st.sampled_from(["township", "category", "received", "callback", "uncallback", "answer", "delete"]),
    st.sampled_from(CODES),
    st.integers(0, MINUTES),
    st.sampled_from(ANSWERS[1:]),
)


def _fmt(t: datetime) -> str:
    return t.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def _rollup_table(engine) -> pd.DataFrame:
    with engine.connect() as conn:
        rows = conn.execute(select(DailyRollup.__table__)).all()
    cols = [c.name for c in DailyRollup.__table__.columns]
    return pd.DataFrame(rows, columns=cols).sort_values(["township_code", "day", "category"]).reset_index(drop=True)


def _reset(engine) -> None:
    with engine.begin() as conn:
        for table in (MonthlyRollup, DailyRollup, RollupLedger, KeyValue, Case):
            conn.execute(delete(table))


def _apply_change(engine, ids: list[str], spec, stamp: datetime) -> None:
    index, kind, code, minutes, answer = spec
    case_id = ids[index % len(ids)]
    values: dict = {"updated_at": stamp}
    if kind == "delete":  # deletions reach the rollups through the change feed too
        with engine.begin() as conn:
            conn.execute(delete(Case).where(Case.case_id == case_id))
        return
    if kind == "township":
        values |= {"township_code": code, "district_code": code[:6]}
    elif kind == "category":
        values["category"] = "交通"
    elif kind == "received":  # ... or to another day, often another month
        values["received_at"] = BASE + timedelta(minutes=minutes)
    elif kind == "callback":
        values["callback_at"] = BASE + timedelta(minutes=minutes + 6 * 24 * 60)
    elif kind == "uncallback":
        values |= {"callback_at": None, "satisfaction": None}
    else:
        values |= {"contacted": answer[0] == "C", "solved": answer[1] == "S", "satisfaction": None}
        values["satisfaction"] = {"s": "satisfied", "b": "basically", "d": "dissatisfied"}.get(answer[2])
    with engine.begin() as conn:
        conn.execute(update(Case).where(Case.case_id == case_id).values(**values))


@pytest.fixture
def reference_engine(any_engine):
    add_reference(any_engine)
    return any_engine


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cases=st.lists(case_spec, min_size=1, max_size=25),
    rounds=st.lists(st.lists(change, max_size=6), max_size=4),
    day_cutoff=st.sampled_from([0, 12]),
    month_cutoff=st.sampled_from([1, 19]),
)
def test_incremental_equals_rebuild(reference_engine, cases, rounds, day_cutoff, month_cutoff):
    engine = reference_engine
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
    incremental, months = _rollup_table(engine), monthly_frame(engine)
    # The monthly table is always the daily one summed per township and month (Python's month_of_day) ...
    summed = by_month(incremental, rules) if not incremental.empty else pd.DataFrame(columns=months.columns)
    summed = summed[list(months.columns)].sort_values(["township_code", "month"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(months, summed.astype(dict.fromkeys(COUNTS, "int64")))
    rebuild(engine, rules, tz=SHANGHAI)
    rebuilt = _rollup_table(engine)
    pd.testing.assert_frame_equal(incremental, rebuilt)
    pd.testing.assert_frame_equal(months, monthly_frame(engine))  # ... and what the set-based rebuild computes
    with engine.connect() as conn:
        alive = conn.scalar(select(func.count()).select_from(Case))
    assert rebuilt["orders"].sum() == alive  # every remaining case counted once, wherever it moved


def test_callback_moves_case_into_its_day_and_township_move(any_engine):
    """By hand: one order received 03-01; its callback on 03-04 adds a valid callback to 03-04; an
    import then moves it to another township: both its order and its callback move."""
    add_reference(any_engine)
    rules = make_rules()
    t0 = datetime(2026, 3, 5, tzinfo=UTC)
    write_cases(any_engine, [case("A", "110101001", "2026-03-01 08:00")], rules, now=t0)
    catch_up(any_engine, rules, tz=SHANGHAI)
    with any_engine.begin() as conn:
        conn.execute(update(Case).values(
            callback_at=datetime(2026, 3, 4, 2, tzinfo=UTC), contacted=True, solved=False, satisfaction="basically",
            updated_at=t0 + timedelta(seconds=1),
        ))  # fmt: skip
    catch_up(any_engine, rules, tz=SHANGHAI)
    table = _rollup_table(any_engine)
    counted = table[["township_code", "orders", "valid_callbacks", "contacted", "solved", "basically"]]
    assert counted.values.tolist() == [
        ["110101001", 1, 0, 0, 0, 0], ["110101001", 0, 1, 1, 0, 1],
    ]  # fmt: skip
    assert [d.isoformat() for d in table["day"]] == ["2026-03-01", "2026-03-04"]
    with any_engine.begin() as conn:
        conn.execute(update(Case).values(
            township_code="110102001", district_code="110102", updated_at=t0 + timedelta(seconds=2),
        ))  # fmt: skip
    catch_up(any_engine, rules, tz=SHANGHAI)
    assert set(_rollup_table(any_engine)["township_code"]) == {"110102001"}


def test_changed_day_cutoff_rebuilds(sqlite_engine):
    """Rollup days depend on the cut-off; a rules change must not mix two definitions of a day."""
    add_reference(sqlite_engine)
    rules = make_rules()
    write_cases(sqlite_engine, [case("A", "110101001", "2026-03-01 13:00")], rules)
    catch_up(sqlite_engine, rules, tz=SHANGHAI)
    assert _rollup_table(sqlite_engine)["day"].tolist()[0].isoformat() == "2026-03-01"
    noon = make_rules(**{"periods.day_cutoff_hour": 12})
    catch_up(sqlite_engine, noon, tz=SHANGHAI)
    # 13:00 on 03-01 is after the 12:00 cut-off: it belongs to the day ending 03-02 12:00.
    assert _rollup_table(sqlite_engine)["day"].tolist()[0].isoformat() == "2026-03-02"

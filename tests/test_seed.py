"""Demo seed: deterministic, life cycle consistent in the database, shaped like Beijing's 12345."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import numpy as np
import pandas as pd
import psycopg
import pytest
from sqlalchemy import Engine, func, inspect, select

from dashboard.assessment.rules import load_rules
from dashboard.settings import DEFAULT_RULES_PATH
from dashboard.store.case_rows import complete_cases, insert_cases
from dashboard.store.schema import Case
from data_loader.demo import model as dm
from data_loader.demo.seed import SeedError, ensure_reference, generate_history, seed_database
from geo import reference

NOW = datetime(2026, 11, 27, 6, 30, tzinfo=UTC)  # 14:30 in Beijing
TZ = "Asia/Shanghai"
RULES = load_rules(DEFAULT_RULES_PATH)
LIFE = ("received_at", "dispatched_at", "responded_at", "resolved_at", "callback_at")
ANSWERS = ("contacted", "solved", "satisfaction")


def geography(seed: int = 12345) -> dm.Geography:
    return dm.Geography.from_townships(reference.townships(), seed)


def history(days: int, per_day: float, seed: int = 12345, now: datetime = NOW) -> pd.DataFrame:
    frame = generate_history(geography(seed), RULES, now, days, per_day, seed, TZ, "test-key")
    return complete_cases(frame, RULES, now)


def assert_lifecycle_consistent(cases: pd.DataFrame, now: datetime) -> None:
    """The invariants every writer of demo data must keep (shared with the simulator tests)."""
    assert cases["case_id"].is_unique
    times = {c: pd.to_datetime(cases[c], utc=True) for c in (*LIFE, "extended_until", "updated_at")}
    for earlier, later in pairwise(LIFE):
        both = times[earlier].notna() & times[later].notna()
        assert (times[earlier][both] <= times[later][both]).all(), f"{earlier} after {later}"
        # a later step never happens without the earlier one (dispatch is filled on receipt)
        assert not (times[earlier].isna() & times[later].notna()).any(), f"{later} without {earlier}"
    for col in LIFE:
        assert (times[col].dropna() <= pd.Timestamp(now)).all(), f"{col} in the future"
    no_callback = times["callback_at"].isna()
    for col in ANSWERS:
        assert cases.loc[no_callback, col].isna().all(), f"{col} without a callback"
    assert set(cases["satisfaction"].dropna()) <= set(dm.SATISFACTION)
    assert set(cases["urgency"]) <= set(dm.URGENCY_KEYS)
    assert (times["extended_until"].dropna() > times["dispatched_at"][times["extended_until"].notna()]).all()
    assert (times["updated_at"] <= pd.Timestamp(now)).all()
    expected = np.select(
        [no_callback.eq(False), times["resolved_at"].notna(), times["responded_at"].notna()],
        ["closed", "resolved", "responded"], "open",
    )  # fmt: skip
    assert (cases["status"].to_numpy() == expected).all()


def test_same_seed_gives_identical_rows_and_another_seed_does_not():
    first, again, other = history(3, 400), history(3, 400), history(3, 400, seed=7)
    pd.testing.assert_frame_equal(first, again)
    assert not first["caller_hash"].equals(other["caller_hash"].reindex(first.index))
    assert len(first) > 800


def test_seed_writes_a_consistent_life_cycle(any_engine: Engine):
    written = seed_database(any_engine, RULES, days=3, per_day=500, seed=3, now=NOW, caller_key="k")
    with any_engine.connect() as conn:
        stored = pd.DataFrame(conn.execute(select(Case.__table__)).mappings().all())
    assert len(stored) == written > 1000
    assert_lifecycle_consistent(stored, NOW)
    assert stored["received_at"].map(lambda t: t.tzinfo is not None).all()
    assert set(stored["status"]) == {"open", "responded", "resolved", "closed"}
    # every case lies near its township's representative point
    points = reference.townships().set_index("code")[["lon", "lat"]]
    near = points.loc[stored["township_code"]].to_numpy()
    assert np.abs(stored[["lon", "lat"]].to_numpy(dtype=float) - near).max() < 0.05
    with pytest.raises(SeedError):
        seed_database(any_engine, RULES, days=1, per_day=10, now=NOW, caller_key="k")


@pytest.fixture(scope="module")
def month() -> pd.DataFrame:
    """30 days at 3,000 a day, in memory: large enough for shares, small enough for a unit test."""
    return history(30, 3000)


def test_life_cycle_mix_old_closed_recent_open_some_overdue(month: pd.DataFrame):
    assert_lifecycle_consistent(month, NOW)
    age = pd.Timestamp(NOW) - month["received_at"]
    assert (month.loc[age > timedelta(days=20), "status"] == "closed").mean() > 0.85
    assert (month.loc[age < timedelta(hours=6), "status"] == "closed").mean() < 0.05
    assert month["extended_until"].notna().mean() > 0.005
    assert (month["extended_until"].dropna() == month.loc[month["extended_until"].notna(), "resolve_due_at"]).all()
    old_resolved = month["resolved_at"] < pd.Timestamp(NOW) - timedelta(days=10)
    assert month.loc[old_resolved, "callback_at"].isna().mean() > 0.01  # never called back
    unreachable = month["callback_at"].notna() & month["contacted"].isna()
    assert 0.02 < unreachable.sum() / month["callback_at"].notna().sum() < 0.1
    valid = month["contacted"].notna()
    assert 0.75 < month.loc[valid, "solved"].astype(bool).mean() < 0.97


def test_open_set_is_recent_and_overdue_orders_are_few_and_only_a_little_late(month: pd.DataFrame):
    """Beijing 2024 resolves ~97% in time: the wall's "most urgent" list is hours-late orders, not
    weeks-old ones that never moved. Old overdue orders are a thin tail of extended complex cases."""
    now = pd.Timestamp(NOW)
    open_ = month[month["status"].isin(["open", "responded"])]
    assert (now - open_["received_at"] < timedelta(days=7)).mean() > 0.75
    overdue = open_[open_["resolve_due_at"] < now]
    assert 20 < len(overdue) < 0.03 * len(open_)
    late = now - overdue["resolve_due_at"]
    assert (late < timedelta(days=7)).mean() > 0.95
    assert (late < timedelta(days=1)).mean() > 0.5
    old = overdue[now - overdue["received_at"] > timedelta(days=20)]
    assert len(old) < 0.1 * len(overdue)
    assert (old["extended_until"].notna() | (old["urgency"] == "complex")).mean() > 0.5
    resolved = month[month["resolved_at"].notna()]
    assert (resolved["resolved_at"] <= resolved["resolve_due_at"]).mean() > 0.9
    extended = month.loc[month["extended_until"].notna(), "urgency"]
    assert (extended == "complex").mean() > 0.5


def test_district_shares_follow_2019_volumes(month: pd.DataFrame):
    share = month["district_code"].value_counts(normalize=True)
    expected = pd.Series(dm.DISTRICT_ORDERS_2019) / sum(dm.DISTRICT_ORDERS_2019.values())
    assert len(share) == 16
    assert ((share - expected).abs() / expected < 0.2).all(), (share / expected).round(2).to_dict()
    assert share["110105"] > share["110108"] > share["110101"] > share["110119"]  # Chaoyang, Haidian, .., Yanqing


def test_hourly_peaks_and_quiet_nights(month: pd.DataFrame):
    hours = month["received_at"].dt.tz_convert(TZ).dt.hour.value_counts().reindex(range(24), fill_value=0)
    peak = hours[[9, 10, 14, 15]].mean()
    assert peak > 10 * hours[[1, 2, 3, 4]].mean()
    assert set(hours.nlargest(4).index) <= {9, 10, 11, 14, 15, 16}
    assert hours[12] < hours[10] and hours[12] < hours[15]  # the lunch dip between the peaks


def test_weekends_are_quieter(month: pd.DataFrame):
    local = month["received_at"].dt.tz_convert(TZ)
    per_day = local.dt.normalize().value_counts().iloc[1:]  # drop today's partial day
    weekend = per_day.index.day_of_week >= 5
    assert per_day[weekend].mean() < 0.92 * per_day[~weekend].mean()


def test_taxonomy_has_two_levels_and_the_named_topics(month: pd.DataFrame):
    assert len(dm.TAXONOMY) >= 12 and all(len(c.subs) >= 2 for c in dm.TAXONOMY)
    named = {"市场监管", "公共服务", "住房", "卫生健康", "城乡建设", "交通与停车", "社会治安", "劳动社保", "教育",
             "水电气热", "文化", "环境卫生"}  # fmt: skip
    assert named == set(month["category"])
    for topic in ("供暖服务", "公交服务", "建筑垃圾", "施工扬尘", "屋顶漏雨", "私装地锁", "小区门口拥堵"):
        assert topic in set(month["subcategory"])
    assert all(dm.LABELS_EN[name] for name in set(month["category"]) | set(month["subcategory"]))


def test_seasons_heating_roofs_and_construction():
    doy = {"jun": 160, "nov20": 324, "jan": 15, "mar": 70, "apr": 105, "jul": 205, "oct": 290}
    p = {k: dm.topic_probabilities(np.array([d]))[0] for k, d in doy.items()}
    heating, roof, waste = dm.sub_index("暖气不热"), dm.sub_index("屋顶漏雨"), dm.sub_index("建筑垃圾")
    assert p["nov20"][heating] > 20 * p["jun"][heating] and p["jan"][heating] > 10 * p["jun"][heating]
    assert p["nov20"][heating] > p["jan"][heating]  # the surge when heating starts
    assert p["jul"][roof] > 5 * p["mar"][roof]
    assert p["apr"][waste] > 1.5 * p["oct"][waste]


def test_recurring_problems_repeat_callers_leaking_estate_and_a_burst(month: pd.DataFrame):
    # repeat complainants: same caller, township and category, 3+ orders within 30 days
    groups = month.groupby(["caller_hash", "township_code", "category"])["received_at"]
    spans = groups.agg(["count", "min", "max"])
    repeat = spans[(spans["count"] >= 3) & (spans["max"] - spans["min"] <= timedelta(days=30))]
    assert len(repeat) >= 50
    # one estate: dozens of leaking-roof calls within ~100 m of one point
    roofs = month.loc[month["subcategory"] == "屋顶漏雨", ["lon", "lat"]].to_numpy(dtype=float)
    neighbours = (np.abs(roofs[:, None, :] - roofs[None, :, :]) < 0.001).all(axis=2).sum(axis=1)
    assert neighbours.max() >= 30
    # a burst in the last day: one township x topic far above its usual daily count
    last_day = month[month["received_at"] > pd.Timestamp(NOW) - timedelta(hours=24)]
    counts = last_day.groupby(["township_code", "subcategory"]).size()
    assert counts.max() >= 10


def _case_indexes(engine: Engine) -> set[str]:
    inspector = inspect(engine)
    return {ix["name"] for ix in inspector.get_indexes("cases")} | {
        fk["referred_table"] for fk in inspector.get_foreign_keys("cases")
    }


def test_fast_load_rebuilds_indexes_and_keys_and_a_failed_load_keeps_them(any_engine: Engine):
    """The bulk path drops and rebuilds indexes (PostgreSQL: and foreign keys) on an empty table:
    none may go missing, whether the load succeeds or fails."""
    ensure_reference(any_engine)
    indexes = _case_indexes(any_engine)
    assert len(indexes) >= 5 + (3 if any_engine.dialect.name == "postgresql" else 0)
    frame = history(1, 50)
    with pytest.raises((sqlite3.IntegrityError, psycopg.errors.UniqueViolation)):
        insert_cases(any_engine, pd.concat([frame, frame.iloc[:1]]))  # duplicate case id
    assert _case_indexes(any_engine) == indexes
    with any_engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Case)) == 0
    assert insert_cases(any_engine, frame) == len(frame)
    assert _case_indexes(any_engine) == indexes

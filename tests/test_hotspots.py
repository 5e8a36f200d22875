"""Hotspots by hand: a burst in a quiet township, no false alarm on a large steady one, clusters,
repeat complainants.

now = 2026-03-20 12:00 (Shanghai); window = 24 h from 03-19 12:00; baseline = the 28 assessment
days 02-19 .. 03-18 before the window's first day, read from rollups.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from scipy import stats
from sqlalchemy import insert

from dashboard.assessment.hotspots import bursts, clusters, find_hotspots, repeat_complainants
from dashboard.scope import Scope
from dashboard.store.schema import DailyRollup
from tests.assessment_data import SHANGHAI, add_reference, case, local, make_rules, write_cases

RULES = make_rules()  # window 24 h, baseline 28 days, min_count 5, p 0.001, 150 m, cluster_min 8
NOW = local("2026-03-20 12:00")
QUIET, BIG, NEW, ROAD = "110101001", "110105003", "110102001", "110102002"


def _baseline(engine, township: str, category: str, daily: list[int]) -> None:
    days = [date(2026, 2, 19) + timedelta(days=i) for i in range(28)]
    rows = [
        {"township_code": township, "day": d, "category": category, "orders": n, "valid_callbacks": 0,
         "contacted": 0, "solved": 0, "satisfied": 0, "basically": 0}
        for d, n in zip(days, daily, strict=True) if n
    ]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(DailyRollup), rows)


def _many(prefix: str, township: str, category: str, count: int, **extra) -> list[dict]:
    return [case(f"{prefix}{i}", township, "2026-03-20 08:00", category=category, **extra) for i in range(count)]


@pytest.fixture
def city(any_engine):
    add_reference(any_engine)
    _baseline(any_engine, QUIET, "房屋漏水", [1, 0] * 14)  # 14 orders in 28 days: mean 0.5 a day
    _baseline(any_engine, BIG, "供暖", [180, 220] * 14)  # mean 200, variance 400 x 28/27 = 414.8
    _baseline(any_engine, BIG, "噪音", [180, 220] * 14)
    _baseline(any_engine, ROAD, "道路", [10] * 28)  # 10 road orders today is an ordinary day there
    # 8 leaks at one estate (within ~40 m), one elsewhere in the township, no coordinates on the rest.
    leaks = [
        case(f"L{i}", QUIET, "2026-03-20 08:00", category="房屋漏水", lat=39.9 + i * 0.0001, lon=116.4)
        for i in range(8)
    ] + [case("L8", QUIET, "2026-03-20 08:00", category="房屋漏水", lat=39.95, lon=116.45)]
    # Ten road complaints in a line 120 m apart: neighbours, but not one place; must not chain into a cluster.
    road = [
        case(f"R{i}", ROAD, "2026-03-20 08:00", category="道路", lat=39.9, lon=116.4 + i * 0.0014) for i in range(10)
    ]
    rows = leaks + road + _many("B", BIG, "供暖", 260) + _many("N", BIG, "噪音", 330) + _many("X", NEW, "交通", 4)
    rows.append(case("OLD", QUIET, "2026-03-19 11:59", category="房屋漏水"))  # just before the window
    write_cases(any_engine, rows, RULES)
    return any_engine


def test_burst_in_quiet_township_but_not_in_big_steady_one(city):
    found = {(b["township_code"], b["category"]): b for b in bursts(city, RULES, NOW, Scope.all(), tz=SHANGHAI)}
    # Quiet: 9 leaks vs expected (14 + 0.5) / 28 = 0.517857 a day; variance 0.259 < mean -> Poisson.
    leak = found[(QUIET, "房屋漏水")]
    assert leak["count"] == 9 and leak["expected"] == 0.518 and leak["factor"] == round(9 / (14.5 / 28), 2)
    assert leak["method"] == "poisson" and leak["p_value"] == pytest.approx(stats.poisson.sf(8, 14.5 / 28))
    assert "9 orders in 24 h" in leak["reason"] and "17.4x" in leak["reason"]
    # Big: 260 heating orders vs 200.02 expected. A plain Poisson test would flag it (p ~ 3e-5), but
    # its own history varies by +-20 a day, so the negative binomial tail (p ~ 0.003) does not.
    assert stats.poisson.sf(259, 5600.5 / 28) < RULES.hotspot_p_value
    assert (BIG, "供暖") not in found
    # 330 noise orders are 6 standard deviations out even for that history: flagged.
    assert found[(BIG, "噪音")]["method"] == "negative_binomial"
    # A township with no history but only 4 orders stays under min_count = 5.
    assert (NEW, "交通") not in found
    assert set(found) == {(QUIET, "房屋漏水"), (BIG, "噪音")}


def test_scope_limits_bursts(city):
    scoped = bursts(city, RULES, NOW, Scope.for_districts(["110105"]), tz=SHANGHAI)
    assert [(b["township_code"], b["category"]) for b in scoped] == [(BIG, "噪音")]


def test_point_cluster_same_place_not_a_chain(city):
    found = clusters(city, RULES, NOW, Scope.all())
    assert len(found) == 1
    leak = found[0]
    assert (leak["category"], leak["count"], leak["township_code"]) == ("房屋漏水", 8, QUIET)
    assert leak["case_ids"] == [f"L{i}" for i in range(8)]
    assert leak["lat"] == pytest.approx(39.90035) and "8 房屋漏水 orders within 150 m" in leak["reason"]
    assert "case_ids" not in clusters(city, RULES, NOW, Scope(aggregates_only=True))[0]
    kinds = [h["kind"] for h in find_hotspots(city, RULES, NOW, Scope.all(), tz=SHANGHAI)]
    assert kinds == ["burst", "burst", "cluster"]


def test_repeat_complainants(sqlite_engine):
    add_reference(sqlite_engine)
    rows = [
        # h1: 3 leak orders in one township within 30 days -> repeat complainant.
        case("a1", QUIET, "2026-02-25 09:00", category="房屋漏水", caller_hash="h1"),
        case("a2", QUIET, "2026-03-10 09:00", category="房屋漏水", caller_hash="h1"),
        case("a3", QUIET, "2026-03-20 09:00", category="房屋漏水", caller_hash="h1"),
        # h2: 3 orders but one in another category -> not.
        case("b1", QUIET, "2026-03-01 09:00", category="房屋漏水", caller_hash="h2"),
        case("b2", QUIET, "2026-03-02 09:00", category="房屋漏水", caller_hash="h2"),
        case("b3", QUIET, "2026-03-03 09:00", category="噪音", caller_hash="h2"),
        # h3: the first of 3 orders is 31 days before now -> outside the 30-day window.
        case("c1", QUIET, "2026-02-17 09:00", category="房屋漏水", caller_hash="h3"),
        case("c2", QUIET, "2026-03-05 09:00", category="房屋漏水", caller_hash="h3"),
        case("c3", QUIET, "2026-03-06 09:00", category="房屋漏水", caller_hash="h3"),
    ]
    write_cases(sqlite_engine, rows, RULES)
    found = repeat_complainants(sqlite_engine, RULES, NOW, Scope.all())
    assert [(r["caller_hash"], r["orders"], r["case_ids"]) for r in found] == [("h1", 3, ["a1", "a2", "a3"])]
    assert found[0]["reason"] == "3 orders from one caller in 30 days (threshold 3)"
    wall = repeat_complainants(sqlite_engine, RULES, NOW, Scope(aggregates_only=True))
    assert "caller_hash" not in wall[0] and "case_ids" not in wall[0] and wall[0]["orders"] == 3
    assert repeat_complainants(sqlite_engine, RULES, NOW, Scope.for_districts(["110105"])) == []


def test_a_burst_in_a_pair_with_no_history_at_all_is_scored_not_crashed(any_engine):
    """A brand-new township x category (no rollup rows) must still be tested against the prior."""
    from datetime import UTC, datetime, timedelta

    import pandas as pd

    from dashboard.assessment.hotspots import bursts
    from dashboard.assessment.rules import load_rules
    from dashboard.scope import Scope
    from dashboard.settings import DEFAULT_RULES_PATH
    from dashboard.store.case_rows import complete_cases, insert_cases
    from data_loader.reference_tables import load_reference

    rules = load_rules(DEFAULT_RULES_PATH)
    load_reference(any_engine)
    now = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
    rows = [
        {"case_id": f"N{i}", "received_at": now - timedelta(hours=1, minutes=i), "category": "住房",
         "urgency": "general", "district_code": "110101", "township_code": "110101001"}
        for i in range(9)
    ]  # fmt: skip
    insert_cases(any_engine, complete_cases(pd.DataFrame(rows), rules, now))
    found = bursts(any_engine, rules, now, Scope.all())
    # 9 orders vs an expected (0 + 0.5) / 28 per day: flagged, with the evidence in numbers.
    assert [(f["township_code"], f["count"]) for f in found] == [("110101001", 9)]
    assert found[0]["expected"] == round(0.5 / 28, 3)

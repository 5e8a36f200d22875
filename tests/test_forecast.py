"""Month-end forecast on tiny histories (issue 15).

1. On the month's last day nothing is left to draw, so the forecast must be the official result:
   on the March 2026 scenario of test_rankings (its docstring has the arithmetic) every composite
   interval collapses onto the ranked composite, every rank onto the official rank, and each class
   has probability 1 for its official members and 0 for everyone else.
2. Mid-month, as of 2026-03-10 (10 days elapsed, 21 left), rules: minimum 3 callbacks, one advanced,
   one rectification, no improved or governance lists:
     110101001: 20 callbacks CSs   -> composite now 100; 2 a day -> 20 + 2 x 21 = 62 expected
     110101002: 20 callbacks --d   -> composite now 0
     110101003: 10 CSs + 10 C-d    -> 10 + 25 + 20 = 55
   The perfect township is advanced in (nearly) every simulation and never in rectification; its
   80% interval lies in (90, 100] (its remaining callbacks may include a few bad ones, drawn from
   a mix that gives the city's outcomes one pseudo-callback). The worst is rectification ~100%.
"""

from __future__ import annotations

from datetime import date

import pytest

from dashboard.assessment.forecast import at_risk, forecast
from dashboard.assessment.rankings import rankings_payload
from dashboard.live.rollups import catch_up
from dashboard.scope import Scope
from tests.analysis_data import write_scenario
from tests.assessment_data import SHANGHAI, add_reference, case, make_rules, write_cases
from tests.test_rankings import RULES


def test_last_day_forecast_is_the_official_result(sqlite_engine):
    write_scenario(sqlite_engine)
    result = forecast(sqlite_engine, RULES, date(2026, 3, 31), Scope.all(), sims=200, seed=3)
    assert result["days_left"] == 0 and result["days_elapsed"] == 31
    official = {r["code"]: r for r in rankings_payload(sqlite_engine, RULES, "month", "2026-03", "township",
                                                       Scope.all())["rows"]}  # fmt: skip
    for row in result["rows"]:
        o = official[row["code"]]
        assert row["valid_so_far"] == o["valid_callbacks"], row["code"]
        if o["composite"] is not None:
            assert row["composite"] == [round(o["composite"], 2)] * 3, row["code"]
        assert row["rank"] == ([float(o["rank"])] * 3 if o["rank"] else [None] * 3), row["code"]
        assert {c for c, p in row["classes"].items() if p == 1.0} == set(o["classes"]), row["code"]
        assert all(p in (0.0, 1.0) for p in row["classes"].values()), row["code"]


TINY = make_rules(**{"ranking.min_valid_callbacks": 3, "classes.township.advanced": 1,
                     "classes.township.improved": 0, "classes.township.rectification": 1,
                     "classes.township.governance": 0})  # fmt: skip


@pytest.fixture
def tiny(sqlite_engine):
    add_reference(sqlite_engine)
    plan = {"110101001": ["CSs"] * 20, "110101002": ["--d"] * 20, "110101003": ["CSs"] * 10 + ["C-d"] * 10}
    rows = [
        case(f"T-{code}-{i}", code, "2026-03-02 09:00", "2026-03-05 10:00", answer)
        for code, answers in plan.items()
        for i, answer in enumerate(answers)
    ]
    write_cases(sqlite_engine, rows, TINY)
    catch_up(sqlite_engine, TINY, SHANGHAI)
    return sqlite_engine


def test_tiny_history_mid_month(tiny):
    result = forecast(tiny, TINY, date(2026, 3, 10), Scope.all(), sims=2000, seed=11)
    assert (result["days_elapsed"], result["days_left"]) == (10, 21)
    rows = {r["code"]: r for r in result["rows"]}
    perfect, worst, middle = rows["110101001"], rows["110101002"], rows["110101003"]
    assert perfect["valid_so_far"] == 20 and perfect["valid_expected"] == 62.0
    low, median, high = perfect["composite"]
    assert 90 < low <= median <= high <= 100
    assert perfect["classes"]["rectification"] == 0.0 and perfect["classes"]["advanced"] > 0.99
    assert worst["classes"]["rectification"] > 0.99 and worst["composite"][2] < 15
    assert 40 < middle["composite"][1] < 70 and middle["classes"]["advanced"] < 0.01
    assert worst["rank"] == [3.0, 3.0, 3.0] and perfect["rank"][1] == 1.0
    assert rows["110101004"]["composite"] == [None, None, None] and rows["110101004"]["ranked_probability"] == 0.0
    assert [r["code"] for r in at_risk(result, "110101")] == ["110101002"]


def test_seeded_and_scoped(tiny):
    one = forecast(tiny, TINY, date(2026, 3, 10), Scope.for_districts(["110101"]), sims=300, seed=5)
    two = forecast(tiny, TINY, date(2026, 3, 10), Scope.for_districts(["110101"]), sims=300, seed=5)
    assert one == two  # same data, same seed: the same forecast
    assert {r["district_code"] for r in one["rows"]} == {"110101"} and len(one["rows"]) == 4
    other = forecast(tiny, TINY, date(2026, 3, 10), Scope.all(), sims=300, seed=6)
    assert other["rows"] != forecast(tiny, TINY, date(2026, 3, 10), Scope.all(), sims=300, seed=5)["rows"]

"""Scores against targets (issue 15): score = actual / target in day, week, month and quarter columns.

Township 110101001, day = Wednesday 2026-03-11 (the week starts Monday 03-09; Q1 starts 01-01):
  01-15: CSs x8      03-02: --d x4      03-09: CSs CSs      03-11: CSs C-s
  day     2 valid: response 1,    resolution 1/2 = .5,      sat 1,    composite 10 + 25 + 40 = 75
  week    4 valid: response 1,    resolution 3/4 = .75,     sat 1,    composite 10 + 37.5 + 40 = 87.5
  month   8 valid: response .5,   resolution 3/8 = .375,    sat .5,   composite 5 + 18.75 + 20 = 43.75
  quarter 16 valid: response .75, resolution 11/16 = .6875, sat .75,  composite 7.5 + 34.375 + 30 = 71.875
Targets: resolution 0.5 from the CSV (overrides the rules' 0.90); composite 90 from the rules.
  resolution scores: .5/.5 = 1, .75/.5 = 1.5, .375/.5 = .75, .6875/.5 = 1.375
  composite scores:  75/90 = .8333, 87.5/90 = .9722, 43.75/90 = .4861, 71.875/90 = .7986
"""

from __future__ import annotations

from datetime import date

import pytest

from dashboard.assessment.rules import RulesError
from dashboard.assessment.targets import TargetsError, load_overrides, scorecard, target_for, windows
from dashboard.live.rollups import catch_up
from dashboard.scope import Scope
from tests.assessment_data import SHANGHAI, add_reference, case, make_rules, write_cases

RULES = make_rules()
DAY = date(2026, 3, 11)


@pytest.fixture
def engine(sqlite_engine):
    add_reference(sqlite_engine)
    plan = {"2026-01-15 10:00": ["CSs"] * 8, "2026-03-02 10:00": ["--d"] * 4, "2026-03-09 10:00": ["CSs"] * 2,
            "2026-03-11 10:00": ["CSs", "C-s"]}  # fmt: skip
    rows = [
        case(f"T-{called[:10]}-{i}", "110101001", called[:10] + " 08:00", called, answer)
        for called, answers in plan.items()
        for i, answer in enumerate(answers)
    ]
    write_cases(sqlite_engine, rows, RULES)
    catch_up(sqlite_engine, RULES, SHANGHAI)
    return sqlite_engine


def test_windows_end_on_the_day():
    assert windows(DAY, RULES) == {
        "day": (DAY, DAY),
        "week": (date(2026, 3, 9), DAY),
        "month": (date(2026, 3, 1), DAY),
        "quarter": (date(2026, 1, 1), DAY),
    }
    assert windows(date(2026, 5, 3), RULES)["quarter"][0] == date(2026, 4, 1)


def test_scores_by_hand(engine, tmp_path):
    path = tmp_path / "targets.csv"
    path.write_text("level,code,measure,target\ntownship,110101001,resolution_rate,0.5\n", "utf-8")
    overrides = load_overrides(path)
    card = scorecard(engine, RULES, overrides, "township", DAY, Scope.all())
    rows = {r["measure"]: r for r in card["110101001"]}
    resolution, composite = rows["resolution_rate"], rows["composite"]
    assert resolution["target"] == 0.5 and composite["target"] == 90.0
    assert [resolution[w]["actual"] for w in ("day", "week", "month", "quarter")] == [0.5, 0.75, 0.375, 0.6875]
    assert [resolution[w]["score"] for w in ("day", "week", "month", "quarter")] == [1.0, 1.5, 0.75, 1.375]
    assert [composite[w]["score"] for w in ("day", "week", "month", "quarter")] == [0.8333, 0.9722, 0.4861, 0.7986]
    assert [composite[w]["valid_callbacks"] for w in ("day", "week", "month", "quarter")] == [2, 4, 8, 16]
    # Another township keeps the rules' default; with no callbacks there is no actual and no score.
    other = {r["measure"]: r for r in card["110101002"]}
    assert other["resolution_rate"]["target"] == 0.9 and other["resolution_rate"]["month"]["score"] is None


def test_scope_and_district_level(engine):
    card = scorecard(engine, RULES, {}, "district", DAY, Scope.for_districts(["110101"]))
    assert set(card) == {"110101"}
    rows = {r["measure"]: r for r in card["110101"]}
    assert rows["composite"]["target"] == 92.0 and rows["composite"]["month"]["actual"] == 43.75


def test_bad_targets_are_named(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("level,code,measure,target\ntownship,1,resolution_rate,1.5\n", "utf-8")
    with pytest.raises(TargetsError, match="line 2"):
        load_overrides(path)
    path.write_text("level,code,target\n", "utf-8")
    with pytest.raises(TargetsError, match="measure"):
        load_overrides(path)
    with pytest.raises(TargetsError, match="cannot read"):
        load_overrides(tmp_path / "missing.csv")
    assert target_for(RULES, {}, "district", "110105", "response_rate") == 0.98
    with pytest.raises(RulesError, match=r"targets\.township\.composite"):
        make_rules(**{"targets.township.composite": 150})
    with pytest.raises(RulesError, match=r"unknown field `targets\.township\.speed`"):
        make_rules(**{"targets.township.speed": 1})

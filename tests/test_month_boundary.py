"""The month boundary (issue 10, point 6): early in a month the overview shows last month's final lists."""

from __future__ import annotations

from datetime import UTC, date, datetime

from dashboard.assessment.periods import classes_month
from dashboard.live.open_cases import OpenCases
from dashboard.live.rollups import catch_up
from dashboard.live.snapshot import Names, build_snapshot
from layouts.overview import class_lists, classes_title
from layouts.rankings import summary
from tests.assessment_data import SHANGHAI, add_reference, case, make_rules, write_cases

RULES = make_rules(**{"ranking.min_valid_callbacks": 3, "classes.township.advanced": 1})


def test_the_closed_month_until_the_configured_day_then_the_month_to_date():
    assert classes_month(date(2026, 12, 1), RULES) == (classes_month(date(2026, 11, 30), RULES)[0], True)
    assert classes_month(date(2026, 12, 9), RULES)[0].label == "2026-11"  # 9th day: still November's lists
    shown, final = classes_month(date(2026, 12, 10), RULES)
    assert (shown.label, final) == ("2026-12", False)  # from the 10th: December to date, provisional
    later = make_rules(**{"periods.final_classes_until_day": 3})
    assert classes_month(date(2026, 12, 3), later)[0].label == "2026-12"


def test_a_100_from_three_callbacks_on_the_1st_is_not_the_months_advanced(sqlite_engine):
    """November: T1 has 3 callbacks, 2 solved (composite 100 x (0.1 + 0.5 x 2/3 + 0.4 x 1) = 83.3333),
    T2 has 3 callbacks, 1 solved (100 x (0.1 + 0.5/3 + 0.4) = 66.6667): November's advanced is T1.
    On 12-01 T2 gets 3 callbacks, all solved and satisfied: 100.0 for December so far. The overview on
    12-01 must still show T1 as 先进类, under November's title; the rankings page labels December 暂定
    with its median number of valid callbacks (3)."""
    add_reference(sqlite_engine)
    t1, t2 = "110101001", "110101002"
    rows = [case(f"N1{i}", t1, "2026-11-02 09:00", "2026-11-20 10:00", "CSs" if i < 2 else "C-s") for i in range(3)]
    rows += [case(f"N2{i}", t2, "2026-11-02 09:00", "2026-11-20 10:00", "CSs" if i < 1 else "C-s") for i in range(3)]
    rows += [case(f"D2{i}", t2, "2026-11-25 09:00", "2026-12-01 08:00", "CSs") for i in range(3)]
    write_cases(sqlite_engine, rows, RULES)
    catch_up(sqlite_engine, RULES, SHANGHAI)
    open_set = OpenCases()
    open_set.refresh(sqlite_engine)
    now = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)  # 12:00 in Beijing on the 1st
    snap = build_snapshot(sqlite_engine, RULES, SHANGHAI, now, open_set, Names.load(sqlite_engine), version=1)
    lists = class_lists(snap, "zh")
    advanced = lists[0].children[1].children  # the 先进类 column's items
    assert [item.children[0].children for item in advanced] == ["东城街道1"]  # T1, from November
    assert classes_title(snap, "zh") == "2026-11 分类(上月终榜)"
    december = snap["rankings"]["month_township"]
    assert next(r for r in december["rows"] if r["code"] == t2)["composite"] == 100.0
    assert december["median_valid_callbacks"] == 3.0
    assert summary({**december, "provisional": True}, "zh").startswith("暂定 · 有效回访中位数 3")

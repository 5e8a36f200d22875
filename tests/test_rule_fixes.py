"""Small rule fixes from review (issue 10, point 8): exact ties, one day cut-off, callers with no number."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import select

from dashboard.assessment.hotspots import repeat_complainants
from dashboard.assessment.rankings import top_concentration
from dashboard.assessment.scoring import rank, score
from dashboard.live.open_cases import OpenCases
from dashboard.live.rollups import catch_up
from dashboard.live.snapshot import Names, build_snapshot
from dashboard.privacy import hash_caller
from dashboard.scope import Scope
from dashboard.settings import load_settings
from dashboard.store.schema import Case
from data_loader.files.importer import import_file
from data_loader.reference_tables import load_reference
from tests.assessment_data import SHANGHAI, case, make_rules, write_cases


def test_ties_compare_the_exact_composite_not_the_printed_one():
    """T1 and T2: 1,000,000 valid callbacks each, all contacted, 600,000 solved.
    T1 satisfied 500,000 -> 100 x (0.1 + 0.5 x 0.6 + 0.4 x 0.5) = 60.0
    T2 satisfied 500,001 -> 100 x (0.1 + 0.3 + 0.4 x 0.500001) = 60.00004, printed 60.0 as well.
    Same printed composite and resolution would give T1 (lower code) rank 1; exact, T2 is ahead."""
    rules = make_rules()
    counts = pd.DataFrame(
        {"code": ["T1", "T2"], "orders": [0, 0], "valid_callbacks": [1_000_000] * 2, "contacted": [1_000_000] * 2,
         "solved": [600_000] * 2, "satisfied": [500_000, 500_001], "basically": [0, 0]}
    )  # fmt: skip
    scored = score(counts, rules)
    assert scored["composite"].tolist() == [60.0, 60.0]
    assert rank(scored, rules).tolist() == [2, 1]


def test_orders_today_uses_the_day_cut_off_of_the_rankings_and_top_10(sqlite_engine):
    """Day cut-off 12:00. Now 2026-03-10 14:00 Shanghai, so today is the assessment day 03-11 (03-10 12:00
    .. 03-11 12:00). Received 03-10 11:00 belongs to day 03-10; 12:30 and 13:00 to today: orders_today = 2,
    the same 2 as today's top 10 (read from the day-03-11 rollups)."""
    load_reference(sqlite_engine)
    rules = make_rules(**{"periods.day_cutoff_hour": 12})
    town = "110105001"
    times = ["2026-03-10 11:00", "2026-03-10 12:30", "2026-03-10 13:00"]
    write_cases(sqlite_engine, [case(f"D{i}", town, t) for i, t in enumerate(times)], rules)
    now = datetime(2026, 3, 10, 6, 0, tzinfo=UTC)
    catch_up(sqlite_engine, rules, SHANGHAI)
    open_set = OpenCases()
    open_set.refresh(sqlite_engine)
    snap = build_snapshot(sqlite_engine, rules, SHANGHAI, now, open_set, Names.load(sqlite_engine), version=1)
    assert snap["assessment_day"] == "2026-03-11"
    assert snap["kpis"]["orders_today"] == 2
    top = top_concentration(sqlite_engine, rules, datetime(2026, 3, 11).date(), Scope.all())
    assert [(t["code"], t["orders"]) for t in top] == [(town, 2)]


def test_a_caller_value_with_no_digits_is_missing_and_never_a_repeat_complainant(any_engine, tmp_path: Path):
    for word in ("匿名", "保密", "无", "unknown", " - "):
        assert hash_caller(word, "k") is None
    assert hash_caller("138-0013-8000", "k") == hash_caller("+86 13800138000", "k")
    load_reference(any_engine)
    rows = "".join(f"N{i},2026-10-0{i + 1} 09:00,供暖,一般,110105,110105001,{w}\n" for i, w in
                   enumerate(["匿名", "匿名", "保密", "无", "unknown"]))  # fmt: skip
    path = tmp_path / "anonymous.csv"
    path.write_text("工单编号,受理时间,问题分类,紧急程度,所属区,街乡镇,来电号码\n" + rows, encoding="utf-8")
    summary = import_file(any_engine, path, load_settings({}), make_rules(), now=datetime(2026, 10, 10, tzinfo=UTC))
    assert summary.accepted == 5
    with any_engine.connect() as conn:
        assert conn.execute(select(Case.caller_hash)).scalars().all() == [None] * 5
    assert repeat_complainants(any_engine, make_rules(), datetime(2026, 10, 10, tzinfo=UTC), Scope.all()) == []

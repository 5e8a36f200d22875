"""Paging the open orders from the case database (SQLite and PostgreSQL), on eight hand-made cases.

Default rules: emergency respond 1 h, utilities respond 2 h, general respond 24 h / resolve 7 days,
complex resolve 15 days; critical under 2 h left, warning under 25 % of the window left.
NOW = 2026-11-27 06:00 UTC. The deadline that matters is the respond deadline until responded.

| case | township  | category | urgency   | dispatched  | responded | deadline that matters      | state    |
|------|-----------|----------|-----------|-------------|-----------|----------------------------|----------|
| A1   | 110105001 | 住房     | general   | NOW - 10 h  | no        | respond NOW + 14 h (> 6 h) | ok       |
| A2   | 110105001 | 住房     | emergency | NOW - 4 h   | no        | respond NOW - 3 h          | overdue  |
| A3   | 110105002 | 供暖     | utilities | NOW - 1 h   | no        | respond NOW + 1 h (< 2 h)  | critical |
| A4   | 110108001 | 供暖     | general   | NOW - 8 d   | yes       | resolve NOW - 1 d          | overdue  |
| A5   | 110108001 | 交通     | complex   | NOW - 14 d  | yes       | resolve NOW + 24 h (< 90 h)| warning  |
| A6   | 110105002 | 住房     | general   | NOW - 25 h  | no        | respond NOW - 1 h          | overdue  |
| A7   | 110105001 | 教育     | general   | closed (callback made): never an open order               |
| A8   | 110108001 | 住房     | general   | NOW - 2 h   | yes       | resolve NOW + 166 h (>42 h)| ok       |

Most urgent first: overdue by deadline A4, A2, A6; critical A3; warning A5; ok A1, A8.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from dashboard.assessment.rules import load_rules
from dashboard.assessment.sla import countdown_state
from dashboard.live.open_orders import (
    OpenOrderFilters,
    open_categories,
    overdue_by_township,
    page_open_orders,
    state_counts,
)
from dashboard.scope import Scope
from dashboard.settings import DEFAULT_RULES_PATH
from dashboard.store.case_rows import complete_cases, insert_cases
from data_loader.reference_tables import load_reference

RULES = load_rules(DEFAULT_RULES_PATH)
NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
H = timedelta(hours=1)
DEFAULT_ORDER = ["A4", "A2", "A6", "A3", "A5", "A1", "A8"]
ALL = Scope.all()
NO_FILTERS = OpenOrderFilters()


def hand_made() -> pd.DataFrame:
    towns = {"110105001": "110105", "110105002": "110105", "110108001": "110108"}
    rows = [  # case, township, category, urgency, dispatched, responded
        ("A1", "110105001", "住房", "general", NOW - 10 * H, None),
        ("A2", "110105001", "住房", "emergency", NOW - 4 * H, None),
        ("A3", "110105002", "供暖", "utilities", NOW - 1 * H, None),
        ("A4", "110108001", "供暖", "general", NOW - 8 * 24 * H, NOW - 7 * 24 * H),
        ("A5", "110108001", "交通", "complex", NOW - 14 * 24 * H, NOW - 13 * 24 * H),
        ("A6", "110105002", "住房", "general", NOW - 25 * H, None),
        ("A8", "110108001", "住房", "general", NOW - 2 * H, NOW - 1 * H),
    ]
    frame = pd.DataFrame(
        [{"case_id": c, "township_code": t, "district_code": towns[t], "category": cat, "urgency": u,
          "received_at": d, "dispatched_at": d, "responded_at": r, "channel": "phone"}
         for c, t, cat, u, d, r in rows]
    )  # fmt: skip
    closed = {"case_id": "A7", "township_code": "110105001", "district_code": "110105", "category": "教育",
              "urgency": "general", "received_at": NOW - 5 * 24 * H, "responded_at": NOW - 4 * 24 * H,
              "resolved_at": NOW - 3 * 24 * H, "callback_at": NOW - 2 * 24 * H, "contacted": True, "solved": True,
              "satisfaction": "satisfied", "channel": "phone"}  # fmt: skip
    return pd.concat([frame, pd.DataFrame([closed])], ignore_index=True)


@pytest.fixture
def engine(any_engine):
    load_reference(any_engine)
    insert_cases(any_engine, complete_cases(hand_made(), RULES, NOW))
    return any_engine


def ids(engine, filters=NO_FILTERS, sort=(), start=0, end=100, scope=ALL) -> list[str]:
    return list(page_open_orders(engine, scope, filters, sort, start, end, now=NOW, rules=RULES).rows["case_id"])


def test_default_order_is_most_urgent_first_and_pages_cross_states(engine):
    page = page_open_orders(engine, ALL, OpenOrderFilters(), (), 0, 100, now=NOW, rules=RULES)
    assert list(page.rows["case_id"]) == DEFAULT_ORDER and page.total == 7  # A7 is closed
    assert list(page.rows["state"]) == ["overdue"] * 3 + ["critical", "warning", "ok", "ok"]
    # rows [2, 5) span three state blocks: the last overdue, the critical and the warning order
    assert ids(engine, start=2, end=5) == ["A6", "A3", "A5"]
    assert ids(engine, start=7, end=100) == []
    first = page.rows.iloc[0]  # A4: resolve deadline = dispatch + 7 days = NOW - 1 day
    assert first["due_kind"] == "resolve" and first["subcategory"] == ""
    assert first["due_at"] == int((NOW - 24 * H).timestamp() * 1000)
    assert first["dispatched_at"] == int((NOW - 8 * 24 * H).timestamp() * 1000)


def test_sql_states_agree_with_the_python_rule(engine):
    rows = page_open_orders(engine, ALL, OpenOrderFilters(), (("case_id", "asc"),), 0, 100, now=NOW, rules=RULES).rows
    due = pd.to_datetime(rows["due_at"], unit="ms", utc=True)
    start = pd.to_datetime(rows["dispatched_at"], unit="ms", utc=True)
    assert list(rows["state"]) == list(countdown_state(NOW, due, start, RULES))
    assert list(rows["case_id"]) == ["A1", "A2", "A3", "A4", "A5", "A6", "A8"]


def test_sorts_by_a_column_then_the_deadline(engine):
    # township codes descending; within a township the earliest deadline first
    assert ids(engine, sort=(("township", "desc"),)) == ["A4", "A5", "A8", "A6", "A3", "A2", "A1"]
    assert ids(engine, sort=(("countdown", "desc"),))[0] == "A8"  # NOW + 166 h is the latest deadline
    assert ids(engine, sort=(("state", "desc"),)) == ["A1", "A8", "A5", "A3", "A4", "A2", "A6"]
    # urgency order: emergency, utilities, general, complex
    assert ids(engine, sort=(("urgency", "asc"),)) == ["A2", "A3", "A4", "A6", "A1", "A8", "A5"]


def test_filters_combine_and_counts_ignore_the_state_filter(engine):
    chaoyang = OpenOrderFilters(district="110105")
    assert ids(engine, chaoyang) == ["A2", "A6", "A3", "A1"]
    overdue = OpenOrderFilters(district="110105", state="overdue")
    page = page_open_orders(engine, ALL, overdue, (), 0, 100, now=NOW, rules=RULES)
    assert list(page.rows["case_id"]) == ["A2", "A6"] and page.total == 2
    counts = state_counts(engine, ALL, overdue, now=NOW, rules=RULES)
    assert counts == {"overdue": 2, "critical": 1, "warning": 0, "ok": 1}
    assert ids(engine, OpenOrderFilters(category="供暖", urgency="general")) == ["A4"]
    assert ids(engine, OpenOrderFilters(township="110108001", state="warning")) == ["A5"]
    assert ids(engine, OpenOrderFilters(state="critical")) == ["A3"]


def test_an_hour_later_the_states_move_with_now(engine):
    later = NOW + 2 * H  # A3 (due NOW + 1 h) is now overdue; A1 (due NOW + 14 h, 12 h left) still ok
    counts = state_counts(engine, ALL, OpenOrderFilters(), now=later, rules=RULES)
    assert counts == {"overdue": 4, "critical": 0, "warning": 1, "ok": 2}


def test_scope_limits_rows_counts_and_bars(engine):
    haidian = Scope.for_districts(["110108"])
    page = page_open_orders(engine, haidian, OpenOrderFilters(), (), 0, 100, now=NOW, rules=RULES)
    assert list(page.rows["case_id"]) == ["A4", "A5", "A8"] and page.total == 3
    # a filter naming another district cannot widen the scope
    assert ids(engine, OpenOrderFilters(district="110105"), scope=haidian) == []
    assert state_counts(engine, haidian, OpenOrderFilters(), now=NOW, rules=RULES) == {
        "overdue": 1, "critical": 0, "warning": 1, "ok": 1}  # fmt: skip
    assert overdue_by_township(engine, haidian, OpenOrderFilters(), 15, now=NOW, rules=RULES) == [("110108001", 1)]
    assert open_categories(engine, haidian) == ["交通", "住房", "供暖"]
    wall = page_open_orders(engine, Scope(aggregates_only=True), OpenOrderFilters(), (), 0, 3, now=NOW, rules=RULES)
    assert list(wall.rows["case_id"]) == [
        "#1",
        "#2",
        "#3",
    ]  # row keys, no case ids and list(wall.rows["state"]) == ["overdue"] * 3


def test_overdue_by_township_ties_by_code_and_categories_skip_closed(engine):
    bars = overdue_by_township(engine, ALL, OpenOrderFilters(state="ok"), 15, now=NOW, rules=RULES)
    assert bars == [("110105001", 1), ("110105002", 1), ("110108001", 1)]  # A2, A6, A4: the state filter ignored
    assert overdue_by_township(engine, ALL, OpenOrderFilters(), 1, now=NOW, rules=RULES) == [("110105001", 1)]
    assert open_categories(engine, ALL) == ["交通", "住房", "供暖"]  # 教育 belongs to the closed A7


def test_a_page_is_bounded(engine):
    page = page_open_orders(engine, ALL, OpenOrderFilters(), (), 0, 10_000, now=NOW, rules=RULES)
    assert len(page.rows) == 7 and page.total == 7
    assert ids(engine, start=5, end=2) == []  # an inverted range is empty

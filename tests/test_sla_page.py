"""The SLA board's plain functions on a hand-made snapshot: filters, URL round trip, sort, pages."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from callbacks.sla_page import filters_search
from layouts import sla
from layouts.routes import parse_view

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)  # 14:00 in Beijing
NOW_MS = int(NOW.timestamp() * 1000)
HOUR = 3_600_000
NAMES = {
    "township": {"110105001": "建外街道", "110105002": "朝外街道", "110108001": "万寿路街道"},
    "district": {"110105": "朝阳区", "110108": "海淀区"},
    "district_en": {"110105": "Chaoyang", "110108": "Haidian"},
    "township_district": {"110105001": "110105", "110105002": "110105", "110108001": "110108"},
}
CASES = [  # case_id, township, category, urgency, due_kind, state, due offset (hours)
    ("A1", "110105001", "住房", "general", "resolve", "ok", 50),
    ("A2", "110105001", "住房", "emergency", "respond", "overdue", -3),
    ("A3", "110105002", "供暖", "utilities", "respond", "critical", 1),
    ("A4", "110108001", "供暖", "general", "resolve", "overdue", -30),
    ("A5", "110108001", "交通", "complex", "resolve", "warning", 5),
    ("A6", "110105002", "住房", "general", "respond", "overdue", -1),
]


def snapshot() -> dict:
    columns = {k: [] for k in sla.COLUMNS}
    for case_id, town, category, urgency, kind, state, hours in CASES:
        row = {
            "case_id": case_id,
            "township_code": town,
            "district_code": NAMES["township_district"][town],
            "category": category,
            "subcategory": "子类" if case_id != "A5" else None,
            "urgency": urgency,
            "due_kind": kind,
            "state": state,
            "dispatched_at": NOW_MS - 10 * HOUR,
            "due_at": NOW_MS + hours * HOUR,
        }
        for key in sla.COLUMNS:
            columns[key].append(row[key])
    return {"version": 3, "generated_at": NOW.isoformat(), "open_cases": columns, "names": NAMES}


@pytest.fixture
def frame():
    return sla.open_frame(snapshot())


def test_default_order_is_most_urgent_first(frame):
    ordered = sla.sort_frame(frame, None)
    # overdue (longest overdue first), then critical, warning, ok
    assert list(ordered["case_id"]) == ["A4", "A2", "A6", "A3", "A5", "A1"]


def test_server_side_sort_by_a_column_then_deadline(frame):
    by_township_desc = sla.sort_frame(frame, [{"colId": "township", "sort": "desc"}])
    assert list(by_township_desc["case_id"]) == ["A4", "A5", "A6", "A3", "A2", "A1"]
    by_countdown = sla.sort_frame(frame, [{"colId": "countdown", "sort": "desc"}])
    assert by_countdown["case_id"].iloc[0] == "A1"


def test_filters_combine_and_tiles_ignore_the_state_filter(frame):
    filters = sla.SlaFilters(district="110105", state="overdue")
    assert set(sla.filter_frame(frame, filters)["case_id"]) == {"A2", "A6"}
    counts = sla.state_counts(sla.filter_frame(frame, filters, with_state=False))
    assert counts == {"overdue": 2, "critical": 1, "warning": 0, "ok": 1}
    heating = sla.filter_frame(frame, sla.SlaFilters(category="供暖", urgency="general"))
    assert list(heating["case_id"]) == ["A4"]


def test_overdue_by_township_counts_ties_by_code(frame):
    assert sla.overdue_by_township(frame) == [("110105001", 1), ("110105002", 1), ("110108001", 1)]
    assert sla.overdue_by_township(frame, limit=1) == [("110105001", 1)]


def test_pages_carry_labels_local_time_and_the_deadline(frame):
    ordered = sla.sort_frame(frame, None)
    block = sla.rows_response(ordered, {"startRow": 1, "endRow": 3}, NAMES, "en", TZ, NOW)
    assert block["rowCount"] == 6
    first = block["rowData"][0]
    assert first["case_id"] == "A2"
    assert first["state_label"] == "Overdue" and first["urgency_label"] == "Emergency"
    assert first["district"] == "Chaoyang" and first["township"] == "Jianwai Subdistrict"
    assert first["due_at"] == "11-27 11:00"  # 03:00 UTC in Beijing
    assert first["due_iso"] == "2026-11-27T03:00:00Z"
    assert first["countdown"] == NOW_MS - 3 * HOUR
    assert first["countdown_text"] == "overdue 03:00:00"
    assert first["due_kind"] == "respond"
    zh = sla.rows_response(ordered, {"startRow": 5, "endRow": 100}, NAMES, "zh", TZ, NOW)["rowData"]
    assert [r["case_id"] for r in zh] == ["A1"] and zh[0]["countdown_text"] == "2天 02:00:00"
    assert zh[0]["state_label"] == "正常" and zh[0]["category"] == "住房 · 子类"


def test_a_page_is_never_larger_than_the_block_limit(frame):
    block = sla.rows_response(frame, {"startRow": 0, "endRow": 10_000}, NAMES, "zh", TZ, NOW)
    assert len(block["rowData"]) == 6
    assert sla.rows_response(frame, {"startRow": 100, "endRow": 200}, NAMES, "zh", TZ, NOW)["rowData"] == []


def test_url_round_trip_keeps_language_and_kiosk():
    view = parse_view("/sla", "?lang=en&district=110105&state=overdue&kiosk=1")
    filters = sla.filters_from_query(view.query, NAMES)
    assert filters == sla.SlaFilters(district="110105", state="overdue")
    search = sla.search_with(view.query, filters)
    again = parse_view("/sla", search)
    assert sla.filters_from_query(again.query, NAMES) == filters
    assert again.lang == "en" and again.kiosk


def test_unknown_values_in_the_url_are_dropped():
    query = {"district": "999999", "township": "110108001", "urgency": "soon", "state": "late", "category": "住房"}
    assert sla.filters_from_query(query, NAMES) == sla.SlaFilters(township="110108001", category="住房")
    # a township outside the chosen district is dropped
    assert sla.filters_from_query({"district": "110105", "township": "110108001"}, NAMES).township is None


def test_a_control_change_writes_the_url_once_and_never_loops():
    query = {"lang": "en", "district": "110105", "township": "110105001"}
    values = {"district": "110108", "township": "110105001", "category": None, "urgency": None, "state": None}
    new = filters_search(query, NAMES, values, "district")
    assert new == "?lang=en&district=110108"  # another district clears the township
    # the rebuilt page reports the same values back: nothing to write
    rebuilt = parse_view("/sla", new).query
    same = {"district": "110108", "township": None, "category": None, "urgency": None, "state": None}
    assert filters_search(rebuilt, NAMES, same, None) is None
    assert filters_search({}, NAMES, {**same, "district": None, "state": "ok"}, "state") == "?state=ok"


def test_empty_snapshot_gives_an_empty_board():
    empty = sla.open_frame({"open_cases": {k: [] for k in sla.COLUMNS}})
    assert sla.state_counts(empty) == {"overdue": 0, "critical": 0, "warning": 0, "ok": 0}
    assert sla.rows_response(sla.sort_frame(empty, None), {"startRow": 0, "endRow": 100}, NAMES, "zh", TZ, NOW) == {
        "rowData": [],
        "rowCount": 0,
    }

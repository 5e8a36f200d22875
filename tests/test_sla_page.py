"""The SLA board's plain functions on hand-made pages: filters, URL round trip, rows, tiles."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pandas as pd

from callbacks.sla_page import filters_search
from dashboard.live.open_orders import OpenPage
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
# A page of open orders as dashboard.live.open_orders returns it (its SQL is tested in test_open_orders.py).
PAGE_ROWS = pd.DataFrame({
    "case_id": ["A2", "A6"], "township_code": ["110105001", "110105002"], "district_code": ["110105", "110105"],
    "category": ["住房", "住房"], "subcategory": ["子类", ""], "urgency": ["emergency", "general"],
    "due_kind": ["respond", "respond"], "state": ["overdue", "ok"], "dispatched_at": [NOW_MS - 4 * HOUR] * 2,
    "due_at": [NOW_MS - 3 * HOUR, NOW_MS + 50 * HOUR],
})  # fmt: skip
BOARD = sla.Board({"overdue": 2, "critical": 1, "warning": 0, "ok": 1}, [("110105001", 1), ("110105002", 1)],
                  ["住房", "供暖"], PAGE_ROWS)  # fmt: skip


def test_pages_carry_labels_local_time_and_the_deadline():
    block = sla.rows_response(OpenPage(PAGE_ROWS, 6), NAMES, "en", TZ, NOW)
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
    zh = sla.rows_response(OpenPage(PAGE_ROWS.iloc[1:], 6), NAMES, "zh", TZ, NOW)["rowData"]
    assert [r["case_id"] for r in zh] == ["A6"] and zh[0]["countdown_text"] == "2天 02:00:00"
    assert zh[0]["state_label"] == "正常" and zh[0]["category"] == "住房"


def test_a_block_request_is_never_larger_than_five_blocks():
    assert sla.block_range({"startRow": 100, "endRow": 200}) == (100, 200)
    assert sla.block_range({"startRow": 0, "endRow": 10_000}) == (0, 5 * sla.PAGE_SIZE)
    assert sla.block_range({"startRow": -5}) == (0, sla.PAGE_SIZE)


def test_tiles_and_title_come_from_the_board_counts():
    view = parse_view("/sla", "?district=110105&state=overdue")
    filters = sla.filters_from_query(view.query, NAMES)
    assert sla.rows_title(BOARD, filters, "en").endswith("2")  # the overdue orders of the selection
    assert sla.rows_title(BOARD, sla.SlaFilters(), "en").endswith("4")  # 2 + 1 + 0 + 1
    tiles = sla.count_tiles(BOARD, view, filters)
    assert len(tiles) == 5  # total plus one per state


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


def test_an_empty_board_shows_zeros():
    assert sla.EMPTY_BOARD.total == 0 and sla.EMPTY_BOARD.matching(sla.SlaFilters(state="ok")) == 0
    assert sla.rows_response(OpenPage(sla.EMPTY_BOARD.top, 0), NAMES, "zh", TZ, NOW) == {"rowData": [], "rowCount": 0}

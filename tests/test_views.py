"""Plain view functions behind the callbacks: routes, formats, map values, drill-down, unit pages."""

from __future__ import annotations

import pandas as pd
import pytest

from callbacks.map_page import camera_for, click_target, controls_search, measure_values
from callbacks.overview import map_values
from callbacks.router import stale_message, version_stub
from layouts.i18n import fmt_count, fmt_countdown, fmt_delta, fmt_rate
from layouts.routes import parse_view
from layouts.unit import category_counts, due_soon, mask_caller, unit_row

SPEC = {"codes": ["110101001", "110101002", "110105001"]}


def tiny_snapshot() -> dict:
    """Three townships in two districts, numbers chosen so every expected value is obvious."""
    return {
        "version": 7,
        "generated_at": "2026-11-27T06:00:00+00:00",
        "map": {
            "township": {
                "110101001": {"orders_today": 5, "overdue": 1, "composite": 90.5, "orders_7d": 30},
                "110101002": {"orders_today": 0, "overdue": 0, "composite": None, "orders_7d": 2},
            },
            "district": {"110101": {"orders_today": 5}},
        },
        "category_orders": {"today": {"110101001": {"住房": 3, "教育": 2}, "110105001": {"住房": 4}}},
        "names": {
            "township": {"110101001": "东华门街道", "110101002": "景山街道", "110105001": "建外街道"},
            "district": {"110101": "东城区", "110105": "朝阳区"},
            "township_district": {"110101001": "110101", "110101002": "110101", "110105001": "110105"},
        },
        "rankings": {"month_township": {"rows": [{"code": "110101001", "rank": 4, "composite": 90.5}]}},
        "repeat_callers": [],
    }


def test_routes_parse_pages_language_and_kiosk():
    view = parse_view("/district/110105", "?lang=en&kiosk=1")
    assert (view.page, view.arg, view.lang, view.kiosk, view.theme) == ("district", "110105", "en", True, "dark")
    assert parse_view("/township/110101001", "").page == "township"
    assert parse_view("/", "").page == "overview" and parse_view("/", "").theme == "light"
    assert parse_view("/nowhere", "").page == "not_found"
    assert parse_view("/district/12", "").page == "not_found"


@pytest.mark.parametrize(
    ("seconds", "lang", "text"),
    [
        (2 * 86400 + 3 * 3600 + 12 * 60 + 45, "zh", "2天 03:12:45"),
        (3 * 3600 + 12 * 60 + 45, "zh", "03:12:45"),
        (-(3600 + 2 * 60 + 3), "zh", "超期 01:02:03"),
        (2 * 86400 + 3 * 3600 + 12 * 60 + 45, "en", "2d 03:12:45"),
        (-(3600 + 2 * 60 + 3), "en", "overdue 01:02:03"),
        (0.4, "zh", "00:00:00"),
    ],
)
def test_countdown_format_matches_the_design(seconds, lang, text):
    assert fmt_countdown(seconds, lang) == text


def test_number_formats():
    assert fmt_count(18342, "zh") == "18,342"
    assert fmt_count(18342, "zh", compact=True) == "1.8万"
    assert fmt_rate(0.9812) == "98.1%"
    assert fmt_delta(0.6) == ("▲0.6", "up")
    assert fmt_delta(-5, 0) == ("▼5", "down")
    assert fmt_delta(None) == ("", "flat")


def test_version_stub_only_when_the_version_moved():
    snap = tiny_snapshot()
    assert version_stub(snap, None)["version"] == 7
    assert version_stub(snap, {"version": 7}) is None
    assert version_stub(None, None) is None


def test_stale_message_names_the_reason():
    assert stale_message({"stale": {"reason": "database unreachable"}}, "en").endswith("(database unreachable)")
    assert stale_message({"stale": None}, "zh") is None
    degraded = stale_message({"stale": None, "cache_degraded": "redis unreachable"}, "en")
    assert degraded.startswith("Shared cache unavailable") and degraded.endswith("(redis unreachable)")


def test_map_values_fill_missing_units_with_zero_and_keep_order():
    snap = tiny_snapshot()
    assert map_values(snap, "township", "orders_today", SPEC["codes"]) == [5, 0, 0]


def test_map_measure_values_for_category_and_district_layer():
    snap = tiny_snapshot()
    town = {"layer": "township", "measure": "orders", "window": "today", "category": "住房"}
    assert measure_values(snap, SPEC, town) == [3, 0, 4]
    district = {**town, "layer": "district"}
    assert measure_values(snap, {"codes": ["110101", "110105"]}, district) == [3, 4]
    seven = {"layer": "township", "measure": "orders", "window": "7d", "category": ""}
    assert measure_values(snap, SPEC, seven) == [30, 2, None]
    composite = {**seven, "measure": "composite"}
    assert measure_values(snap, SPEC, composite) == [90.5, None, None]


def test_a_first_tap_zooms_to_a_district_and_a_second_opens_it():
    first = parse_view("/map", "?layer=district")
    assert click_target(first, {"location": "110105"}) == (None, "?layer=district&focus=110105")
    second = parse_view("/map", "?layer=district&focus=110105&lang=en")
    path, search = click_target(second, {"location": "110105"})
    assert path == "/district/110105" and search == "?lang=en"
    assert click_target(parse_view("/map", "?layer=district&focus=110105"), {"location": "110105"})[1] == ""
    town = parse_view("/map", "?layer=township")
    assert click_target(town, {"location": "110101001"})[0] == "/township/110101001"


def test_camera_centres_on_the_box_and_zooms_in_for_smaller_boxes():
    centre, wide = camera_for([116.0, 39.5, 117.0, 40.5])
    assert centre == {"lon": 116.5, "lat": 40.0}
    _, narrow = camera_for([116.4, 39.9, 116.5, 40.0])
    assert narrow == pytest.approx(wide + 3.32, abs=0.01)  # a box 10x smaller is log2(10) zoom levels closer


def test_unit_page_helpers():
    snap = tiny_snapshot()
    assert unit_row(snap, "township", "110101001")["rank"] == 4
    assert unit_row(snap, "township", "110105001") is None
    # a page of open orders sorted by deadline, as dashboard.live.open_orders returns it
    rows = pd.DataFrame({"case_id": ["C", "A"], "township_code": ["110101002", "110101001"],
                         "district_code": ["110101", "110101"], "category": ["住房", "住房"],
                         "subcategory": ["", "屋顶漏雨"], "urgency": ["complex", "general"],
                         "due_kind": ["resolve", "resolve"], "state": ["ok", "overdue"], "dispatched_at": [0, 0],
                         "due_at": [2_000, 3_000]})  # fmt: skip
    soon = due_soon(rows, snap["names"])
    assert [r["case_id"] for r in soon] == ["C", "A"] and soon[1]["due_ms"] == 3_000
    assert soon[1]["category"] == "屋顶漏雨" and soon[0]["category"] == "住房"  # no subcategory: the category
    assert soon[0]["township_name"] == "景山街道"
    assert category_counts(snap, "district", "110101", "today") == [("住房", 3), ("教育", 2)]
    assert category_counts(snap, "township", "110105001", "today") == [("住房", 4)]
    tag = mask_caller("629ddbfbd9a0259db4207126be387d9d", "zh")
    assert tag == "来电人 #629DDB" and "629ddbfbd9a0" not in tag


def test_controls_rewrite_the_url_only_when_they_change():
    view = parse_view("/map", "?layer=district&focus=110105&lang=en")
    assert controls_search(view, "district", "orders", "today", "") is None  # first render: no rewrite
    assert controls_search(view, "district", "overdue", "today", "") == (
        "?layer=district&focus=110105&lang=en&measure=overdue&window=today"
    )
    assert "focus" not in controls_search(view, "township", "orders", "today", "")

"""The rankings page's plain functions: URL options, rank change text, class lists, sparklines, rows."""

from __future__ import annotations

import pytest

from layouts import rankings
from layouts.routes import parse_view

SNAPSHOT = {
    "month": "2026-11",
    "assessment_day": "2026-11-27",
    "names": {
        "district": {"110105": "朝阳区", "110108": "海淀区"},
        "district_en": {"110105": "Chaoyang", "110108": "Haidian"},
    },
}


def row(code, rank, composite, change=None, classes=(), orders=50, rank_change=None, district="110105", **extra):
    return {"code": code, "name": f"街道{code[-1]}", "district_code": district, "orders": orders,
            "valid_callbacks": 40, "response_rate": 0.987654, "resolution_rate": 0.91234, "satisfaction_rate": 0.5,
            "composite": composite, "rank": rank, "classes": list(classes), "sufficient_sample": rank is not None,
            "previous_rank": None, "rank_change": rank_change, "previous_composite": None,
            "composite_change": change, **extra}  # fmt: skip


PAYLOAD = {
    "period": "month", "date": "2026-11", "level": "township", "rules_version": "2026.1", "rules_digest": "abc",
    "first_day": "2026-11-01", "last_day": "2026-11-30", "min_valid_callbacks": 10,
    "rows": [
        row("110105001", 1, 97.25, 1.5, ["advanced"], rank_change=3),
        row("110105002", 2, 95.0, 6.0, ["improved", "governance"], orders=900, rank_change=-2),
        row("110108001", 3, 90.0, 2.0, ["improved"], district="110108", rank_change=0),
        row("110108002", 4, 60.04, -1.0, ["rectification"], district="110108"),
        row("110108003", None, 99.0, None, ["governance"], orders=1200, district="110108"),
    ],
}  # fmt: skip


@pytest.mark.parametrize(
    ("change", "expected"),
    [(3, ("▲3", "up")), (-2, ("▼2", "down")), (0, ("■ 0", "flat")), (None, ("—", "flat"))],
)
def test_rank_change_has_an_arrow_and_a_sign_never_colour_alone(change, expected):
    assert rankings.rank_change_text(change) == expected


def test_class_lists_are_ordered_by_what_earned_them():
    rows = PAYLOAD["rows"]
    assert [r["code"] for r in rankings.class_members(rows, "advanced")] == ["110105001"]
    assert [r["code"] for r in rankings.class_members(rows, "improved")] == ["110105002", "110108001"]
    assert [r["code"] for r in rankings.class_members(rows, "rectification")] == ["110108002"]
    # governance is by orders and includes units with an insufficient sample
    assert [r["code"] for r in rankings.class_members(rows, "governance")] == ["110108003", "110105002"]
    assert rankings.class_value(rows[1], "improved", "zh") == "▲6.0"
    assert rankings.class_value(rows[4], "governance", "en") == "1,200"
    assert rankings.class_value(rows[3], "rectification", "zh") == "60.0"


def test_grid_rows_keep_full_values_and_show_texts():
    rows = rankings.grid_rows(PAYLOAD, {"110105001": [None, 90.0, 95.0]}, SNAPSHOT["names"], "zh")
    first, last = rows[0], rows[-1]
    assert first["composite"] == 97.25 and first["response_rate"] == 0.987654  # full values for sorting/export
    assert first["fmt"]["composite"] == f"{97.25:.1f}"
    assert first["fmt"]["response_rate"] == "98.8%" and first["fmt"]["resolution_rate"] == "91.2%"
    assert first["fmt"]["rank_change"] == "▲3" and first["rank_change_dir"] == "up"
    assert first["href"] == "/township/110105001" and first["district_name"] == "朝阳区"
    assert first["spark"] == rankings.spark_segments([None, 90.0, 95.0])
    assert last["rank"] is None and last["fmt"]["rank"] == "样本不足"  # shown at the bottom, never dropped
    assert len(rows) == len(PAYLOAD["rows"])
    english = rankings.grid_rows({**PAYLOAD, "level": "district", "rows": [row("110105", 1, 80.0)]}, {},
                                 SNAPSHOT["names"], "en")  # fmt: skip
    assert english[0]["name"] == "Chaoyang" and english[0]["href"] == "/district/110105?lang=en"
    assert english[0]["fmt"]["rank_change"] == "—" and english[0]["spark"] == []


def test_sparkline_data_scales_each_unit_and_leaves_gaps():
    assert rankings.spark_segments([]) == [] and rankings.spark_segments([None, None]) == []
    segments = rankings.spark_segments([None, 50.0, None, 60.0, 70.0, None], width=96, height=28, pad=3)
    assert segments == ["21.0,25.0", "57.0,14.0 75.0,3.0"]  # a lone month is a point, then a line
    flat = rankings.spark_segments([80.0, 80.0, 80.0])
    assert flat == ["3.0,14.0 48.0,14.0 93.0,14.0"]
    assert rankings.spark_text([None, 50.0, None, 60.0, 70.0, None]) == "·▁·▅█·"
    assert rankings.spark_image([]) == "—"
    image = rankings.spark_image(segments)
    assert image.src.startswith("data:image/svg+xml;utf8,")


def test_options_come_from_the_url_with_the_current_period_as_default():
    view = parse_view("/rankings", "?lang=en&kiosk=1")
    assert rankings.rank_options(view, SNAPSHOT) == {"period": "month", "date": "2026-11", "level": "township"}
    day = parse_view("/rankings", "?period=day&level=district&date=2026-11-03")
    assert rankings.rank_options(day, SNAPSHOT) == {"period": "day", "date": "2026-11-03", "level": "district"}
    wrong = parse_view("/rankings", "?period=day&date=2026-11&level=city")
    assert rankings.rank_options(wrong, SNAPSHOT) == {"period": "day", "date": "2026-11-27", "level": "township"}
    assert rankings.rank_options(view, None)["date"] is None  # before the first snapshot


def test_url_round_trip_and_control_changes():
    view = parse_view("/rankings", "?lang=en&kiosk=1&period=month&date=2026-10&level=district")
    options = rankings.rank_options(view, SNAPSHOT)
    search = rankings.search_for(view.query, options)
    assert search == "?lang=en&kiosk=1&period=month&date=2026-10&level=district"
    assert rankings.rank_options(parse_view("/rankings", search), SNAPSHOT) == options
    # a new period drops the date (the current one of that period is the default)
    assert rankings.changed_options(options, "day", "district", "2026-10", None) == {
        "period": "day",
        "date": None,
        "level": "district",
    }
    # picking a month or a day; the day picker may send a datetime
    assert rankings.changed_options(options, "month", "district", "2025-12", None)["date"] == "2025-12"
    day = {"period": "day", "date": "2026-11-27", "level": "township"}
    assert rankings.changed_options(day, "day", "township", None, "2026-11-20T00:00:00")["date"] == "2026-11-20"
    assert rankings.changed_options(day, "day", "township", None, "garbage") == day


def test_month_choices_cross_the_year():
    months = rankings.month_choices("2026-02", 4)
    assert months == ["2026-02", "2026-01", "2025-12", "2025-11"]
    assert len(rankings.month_choices("2026-11")) == 24


def test_title_summary_and_export_name():
    assert rankings.title(PAYLOAD, "zh") == "2026-11 月度街乡镇排名"
    assert rankings.title({**PAYLOAD, "period": "day", "date": "2026-11-27", "level": "district"}, "en") == (
        "Districts ranking, day 2026-11-27"
    )
    summary = rankings.summary(PAYLOAD, "en")
    assert "4 ranked" in summary and "1 with an insufficient sample" in summary and "2026.1" in summary
    assert rankings.export_filename(PAYLOAD, "xlsx") == "rankings-township-2026-11.xlsx"

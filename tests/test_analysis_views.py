"""The plain functions behind issue 15's screens: the trace drawer, the forecast line, targets, what-if.

Numbers come from the March 2026 scenario of test_rankings (arithmetic in its docstring and in
test_trace / test_whatif); here we check what the viewer is shown and that scope is applied.
"""

from __future__ import annotations

import base64
from datetime import date

import pytest

from callbacks.trace_drawer import drawer_content
from callbacks.whatif_page import preview, upload_text
from dashboard.live.analysis_source import forecast_day
from dashboard.scope import Scope
from dashboard.settings import DEFAULT_RULES_PATH
from layouts import forecast as views
from tests.analysis_data import fake_runtime, write_scenario
from tests.assessment_data import TOWNSHIPS
from tests.test_rankings import RULES


@pytest.fixture
def runtime(sqlite_engine):
    return fake_runtime(write_scenario(sqlite_engine))


def _text(component) -> str:
    """All text of a Dash component tree."""
    if component is None or isinstance(component, (str, int, float)):
        return "" if component is None else str(component)
    if isinstance(component, (list, tuple)):
        return " ".join(_text(c) for c in component)
    return _text(getattr(component, "children", None))


def test_drawer_lists_the_orders_behind_a_rate(runtime):
    title, summary, rows, href = drawer_content(runtime, TOWNSHIPS, "township", "110105003", "2026-03",
                                                "resolution_rate", Scope.all(), "zh")  # fmt: skip
    assert title == "解决率明细 · 朝阳街道3 · 2026-03"
    assert summary.startswith("有效回访 4 条：已联系 3，已解决 2，满意 1，基本满意 1；未计入 0 条")
    assert sorted(r["case_id"] for r in rows) == ["M-110105003-2", "S-3"]
    assert {r["reason"] for r in rows} == {"未解决 · 不满意", "未联系 · 未解决 · 不满意"}
    assert href.endswith("level=township&code=110105003&period=month&date=2026-03&figure=resolution_rate")
    _, _, rows, _ = drawer_content(runtime, TOWNSHIPS, "township", "110101002", "2026-03", "satisfaction_rate",
                                   Scope.all(), "en")  # fmt: skip
    assert [r["reason"] for r in rows] == ["basically", "not counted: no satisfaction"]  # CSb, then the invalid one
    denied = drawer_content(runtime, TOWNSHIPS, "township", "110105003", "2026-03", "composite",
                            Scope.for_districts(["110101"]), "zh")  # fmt: skip
    assert denied == ("无权查看该区域的工单明细", "", [], "")


def test_what_if_preview_and_errors(runtime):
    text = DEFAULT_RULES_PATH.read_text("utf-8").replace("min_valid_callbacks = 10", "min_valid_callbacks = 2")
    for name in ("advanced", "improved", "rectification", "governance"):
        text = text.replace(f"{name} = 10", f"{name} = 2")
    shown = _text(preview(runtime, text, "2026-03", "township", Scope.all(), "zh"))
    assert "2 个单位类别变化" in shown and "东城街道4" in shown
    assert "not valid TOML" in _text(preview(runtime, "version = ", "2026-03", "township", Scope.all(), "zh"))
    bad = text.replace("response = 0.1", "response = 0.2")
    assert "must add up to 1" in _text(preview(runtime, bad, "2026-03", "township", Scope.all(), "en"))
    encoded = "data:application/octet-stream;base64," + base64.b64encode(b"version = 'x'").decode()
    assert upload_text(encoded) == "version = 'x'" and upload_text("data:,\xff") is None


def test_forecast_line_and_targets_table():
    row = {"composite": [80.1, 84.2, 88.0], "rank": [120.0, 150.0, 180.0], "ranked_probability": 1.0,
           "valid_so_far": 40, "valid_expected": 124.0,
           "classes": {"advanced": 0.0, "improved": 0.05, "rectification": 0.72, "governance": 0.0}}  # fmt: skip
    result = {"as_of": "2026-03-10", "simulations": 1000}
    line = views.forecast_line(row, result, "zh")
    assert _text(line).startswith("月末预计：整改类风险 72%") and "state-overdue" in line.className
    assert "80% interval 80.1–88.0" in _text(views.forecast_line(row, result, "en"))
    assert "样本不足" in _text(views.forecast_line({**row, "ranked_probability": 0.2}, result, "zh"))
    window = {"actual": 0.45, "score": 0.5, "valid_callbacks": 20}
    table = views.targets_table(
        [{"measure": "resolution_rate", "target": 0.9, **dict.fromkeys(views.WINDOWS, window)}], "zh"
    )
    assert "45.0%" in _text(table) and "0.50" in _text(table) and "90.0%" in _text(table)
    assert forecast_day(date(2026, 3, 1), RULES) == date(2026, 3, 1)
    assert forecast_day(date(2026, 3, 11), RULES) == date(2026, 3, 10)

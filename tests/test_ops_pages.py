"""Operator page views (pure): alert rows with acknowledge buttons, screen rows with their states."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from dash import html

from layouts import ids
from layouts.ops_pages import alert_rows, screen_rows

TZ = ZoneInfo("Asia/Shanghai")


def walk(node):
    yield node
    children = getattr(node, "children", None)
    for child in children if isinstance(children, list) else [children] if children is not None else []:
        yield from walk(child)


def test_only_unacknowledged_alerts_carry_a_button():
    at = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
    alerts = [
        {"id": 2, "kind": "stale", "severity": "critical", "title": "数据管道中断", "body": "b", "created_at": at,
         "delivery": "webhook:http://x ok", "acknowledged_at": None, "acknowledged_by": None},
        {"id": 1, "kind": "hotspot", "severity": "warning", "title": "热点预警", "body": "b", "created_at": at,
         "delivery": None, "acknowledged_at": at, "acknowledged_by": "duty"},
    ]  # fmt: skip
    rows = alert_rows(alerts, "en", TZ)
    buttons = [n for r in rows for n in walk(r) if isinstance(n, html.Button)]
    assert [b.id for b in buttons] == [{"type": ids.ALERT_ACK, "id": 2}]
    texts = [n for r in rows for n in walk(r) if isinstance(n, str)]
    assert "Pipeline stale" in texts and "Hotspot" in texts and "11-20 14:00:00" in texts  # local time
    assert any(t.startswith("Acknowledged · duty") for t in texts)
    assert alert_rows([], "zh", TZ)[0].children == "暂无预警"


def test_screen_rows_show_state_words_heap_and_a_reload_button_unless_pending():
    screens = [
        {"screen": "hall-left", "state": "ok", "page": "/", "data_time": "2026-11-20T14:00:05+08:00", "heap_mb": 84.4,
         "seen_ago": 12, "rendered_ago": 5, "reload_pending": False},
        {"screen": "lobby", "state": "gone", "page": "/map", "data_time": "", "heap_mb": None, "seen_ago": 700,
         "rendered_ago": None, "reload_pending": True},
    ]  # fmt: skip
    rows = screen_rows(screens, "en")
    assert len(rows) == 3  # a header and two screens
    texts = [n for r in rows[1:] for n in walk(r) if isinstance(n, str)]
    assert texts[:8] == ["OK", "hall-left", "/", "14:00:05", "12 s ago", "5 s ago", "84 MB", "Reload"]
    assert "Gone" in texts and "Reload pending" in texts and "700 s ago" in texts
    buttons = [n for r in rows for n in walk(r) if isinstance(n, html.Button)]
    assert [b.id for b in buttons] == [{"type": ids.SCREEN_RELOAD, "screen": "hall-left"}]

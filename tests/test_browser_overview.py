"""The overview in a real headless Chromium at wall and tablet sizes, against a live server."""

from __future__ import annotations

import re

import pytest

from layouts import ids
from tests.shots import SHOTS

pytestmark = pytest.mark.browser
KPI_VALUE = f"#{ids.KPIS} .kpi-value"


def _number(text: str) -> int:
    return int(re.sub(r"[^\d]", "", text))


@pytest.mark.parametrize(
    ("width", "height", "query", "name"),
    [(1920, 1080, "?kiosk=1", "overview-wall-1920x1080"), (1024, 768, "", "overview-tablet-1024x768")],
)
def test_overview_shows_kpis_map_and_ticking_countdowns(live_server, watched, width, height, query, name):
    w = watched(width, height)
    page = w.page
    page.goto(live_server.url + "/" + query)
    snapshot = live_server.wait_for_snapshot()
    # KPIs: the orders-today tile shows the snapshot's value (or a later one: the poller keeps ticking).
    page.wait_for_function(f"(document.querySelector('{KPI_VALUE}') || {{textContent: ''}}).textContent.match(/[1-9]/)")
    shown = _number(page.locator(KPI_VALUE).first.inner_text())
    assert shown >= snapshot["kpis"]["orders_today"] > 0
    # The map draws district polygons (maplibre canvas plus plotly's choropleth layer).
    page.wait_for_selector(f"#{ids.MAP} .maplibregl-canvas", timeout=60_000)
    # Countdowns tick in the browser: the first clock changes within ~2 s.
    clock = page.locator(".countdown-row .cd-clock").first
    clock.wait_for()
    seen = set()
    for _ in range(12):  # 6 s: a loaded CI machine may delay a tick, never stop it
        seen.add(clock.inner_text())
        page.wait_for_timeout(500)
    assert len(seen) >= 3, seen
    assert re.search(r"(\d+天 )?\d{2}:\d{2}:\d{2}", clock.inner_text())
    page.wait_for_timeout(1500)  # let the map finish drawing before the picture
    page.screenshot(path=str(SHOTS / f"{name}.png"))
    w.assert_clean()


def test_health_says_ok(live_server):
    import json
    from urllib.request import urlopen

    with urlopen(live_server.url + "/health") as response:
        body = json.load(response)
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    # Fresh, not timed: a snapshot exists and is not marked stale (age limits belong to /health's own rules).
    assert body["snapshot_age_seconds"] is not None and body["snapshot_stale"] is None

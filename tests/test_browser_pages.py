"""Map, district and township pages and the wall rotation, in headless Chromium against a live server."""

from __future__ import annotations

import json
from urllib.request import urlopen

import pytest

from layouts import ids
from tests.shots import SHOTS

pytestmark = pytest.mark.browser
PLOT = f"document.querySelector('#{ids.MAP_PAGE_GRAPH} .js-plotly-plot')"


def api(live_server, path: str) -> dict:
    with urlopen(live_server.url + path) as response:
        return json.load(response)


def settle(page, ms: int = 2500) -> None:
    page.wait_for_selector(".maplibregl-canvas", timeout=60_000)
    page.wait_for_timeout(ms)


def test_map_page_controls_live_in_the_url_and_hotspots_explain_themselves(live_server, watched):
    w = watched(1920, 1080)
    page = w.page
    page.goto(live_server.url + "/map?layer=district&measure=orders&window=7d")
    settle(page)
    assert page.locator(f"#{ids.MAP_LAYER} .selected").inner_text() == "区"
    page.locator(f"#{ids.MAP_MEASURE} .dash-options-list-option", has_text="超期在办").click()
    page.wait_for_url("**measure=overdue**", timeout=60_000)
    settle(page, 1500)
    snapshot = live_server.wait_for_snapshot()
    cards = page.locator(".hotspot-card")
    if snapshot["hotspots"]:
        assert "倍" in cards.first.inner_text() or "米" in cards.first.inner_text()
    else:
        assert page.locator(".hotspot-list .empty-note").count() == 1
    page.screenshot(path=str(SHOTS / "map-desktop-1920x1080.png"))
    w.assert_clean()


def test_city_to_district_to_township(live_server, watched):
    w = watched(1024, 768)
    page = w.page
    page.goto(live_server.url + "/map?layer=district&focus=110105")
    settle(page)
    # A tap on the focused district opens its page (plotly reports the tapped location).
    page.evaluate(f"{PLOT}.emit('plotly_click', {{points: [{{location: '110105', curveNumber: 0, pointNumber: 0}}]}})")
    page.wait_for_url("**/district/110105", timeout=60_000)
    page.wait_for_selector(".township-link:not(.township-link-head)", timeout=60_000)
    district = api(live_server, "/api/v1/rankings?period=month&date=" + live_server.wait_for_snapshot()["month"]
                   + "&level=district")  # fmt: skip
    row = next(r for r in district["rows"] if r["code"] == "110105")
    shown = page.locator(".unit-kpis .kpi-value").nth(7).inner_text()
    assert shown == ("—" if row["composite"] is None else f"{row['composite']:.1f}")
    settle(page, 1000)
    page.screenshot(path=str(SHOTS / "district-tablet-1024x768.png"))
    first = page.locator(".township-link:not(.township-link-head)").first
    name = first.locator(".tl-name").inner_text()
    first.click()
    page.wait_for_url("**/township/110105*", timeout=60_000)
    page.wait_for_selector(".unit-title")
    assert name in page.locator(".unit-title").inner_text()
    page.wait_for_timeout(1500)
    page.screenshot(path=str(SHOTS / "township-tablet-1024x768.png"))
    w.assert_clean()


def test_english_switch_changes_every_label(live_server, watched):
    w = watched(1920, 1080)
    page = w.open(live_server.url + "/?lang=en", f"#{ids.KPIS} .kpi-label")
    labels = page.locator(f"#{ids.KPIS} .kpi-label").all_inner_texts()
    assert labels[:4] == ["Orders today", "Open", "Overdue", "Due within 2 h"]
    assert "Beijing 12345" in page.locator(".app-title").inner_text()
    page.wait_for_function(f"document.querySelector('#{ids.CLOCK}').textContent.match(/(Mon|Tue|Wed|Thu|Fri|Sat|Sun)/)")
    assert w.console_errors == [], "\n".join(w.console_errors)


def test_wall_rotation_moves_to_the_next_page(live_server, watched):
    w = watched(1920, 1080)
    page = w.page
    page.goto(live_server.url + "/?kiosk=1&rotate=10")
    page.wait_for_url("**/map?kiosk=1&rotate=10", timeout=60_000)
    assert page.locator(".app-nav").count() == 0  # no controls on the wall
    no_scroll = page.evaluate("document.documentElement.scrollHeight <= window.innerHeight + 1")
    assert no_scroll


def test_a_district_tap_zooms_the_map_to_that_district(live_server, watched):
    w = watched(1920, 1080)
    page = w.page
    zoom_js = f"{PLOT}._fullLayout.map._subplot.map.getZoom()"
    centre_js = f"{PLOT}._fullLayout.map._subplot.map.getCenter().lng"
    page.goto(live_server.url + "/map?layer=district")
    settle(page)
    city_zoom = page.evaluate(zoom_js)
    page.evaluate(f"{PLOT}.emit('plotly_click', {{points: [{{location: '110116', curveNumber: 0, pointNumber: 0}}]}})")
    page.wait_for_url("**focus=110116**", timeout=60_000)
    settle(page)
    # 怀柔区 (110116) is a fraction of the city: the camera moves in and north-east of the centre.
    assert page.evaluate(zoom_js) > city_zoom + 0.5
    assert 116.3 < page.evaluate(centre_js) < 117.0
    assert w.console_errors == [], "\n".join(w.console_errors)

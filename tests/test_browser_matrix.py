"""Every page at wall (1920x1080 and 3840x2160, kiosk) and tablet (1024x768) sizes.

Each must show its key element, fit the wall without scrolling, keep touch targets on tablets,
send no request outside 127.0.0.1 and log no console error.
"""

from __future__ import annotations

import pytest

from layouts import ids
from tests.shots import SHOTS

pytestmark = pytest.mark.browser

PAGES = {
    "overview": ("/", f"#{ids.KPIS} .kpi-value"),
    "map": ("/map", ".hotspot-list"),
    "sla": ("/sla", ".kpi-tile"),
    "rankings": ("/rankings", ".cls-title, .rank-class-title, h3"),
    "district": ("/district/110105", ".unit-title"),
    "township": ("/township/110105001", ".unit-title"),
}
SIZES = {"wall": (1920, 1080, "?kiosk=1"), "wall4k": (3840, 2160, "?kiosk=1"), "tablet": (1024, 768, "")}


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("page_name", list(PAGES))
def test_page_renders_cleanly(live_server, watched, page_name, size):
    width, height, query = SIZES[size]
    path, key = PAGES[page_name]
    w = watched(width, height)
    page = w.open(live_server.url + path + query, key, timeout=60_000)
    page.wait_for_timeout(2500)
    assert page.locator(".freshness").first.is_visible()
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width + 1, "no horizontal scrollbar"
    if query:  # the wall: no navigation, and the pages built for the wall fit without scrolling
        assert page.locator(".app-nav").count() == 0
        if page_name in ("overview", "map", "sla", "rankings"):
            assert page.evaluate("document.documentElement.scrollHeight") <= height + 1
    else:  # tablet: every navigation target is at least 44 px tall
        heights = page.eval_on_selector_all(".nav-link", "els => els.map(e => e.getBoundingClientRect().height)")
        assert heights and min(heights) >= 44
    if size == "wall4k":
        page.screenshot(path=str(SHOTS / f"{page_name}-wall-3840x2160.png"))
    w.assert_clean()

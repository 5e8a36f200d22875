"""The wall in a real headless Chromium: five wall shapes, English pages, hot words, screen heartbeats.

Screenshots go to the test's tmp dir, or to $HOTLINE_SCREENSHOTS (docs/screenshots when refreshing
the committed ones), so a test run never modifies tracked files.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from layouts import ids

pytestmark = pytest.mark.browser

# width, height; the design is 1920x1080 and type scales with min(width / 1920, height / 1080).
WALLS = {"1080p": (1920, 1080), "4k": (3840, 2160), "32x9": (3840, 1080), "3x3": (5760, 3240), "21x9": (2560, 1080)}
KPI_PX_1080P = 59.5  # .kpi-value at 1920x1080 (assets/wall.css)
KPI_VALUE = f"#{ids.KPIS} .kpi-value"
PANELS = f"#{ids.KPIS} .kpi-tile, .overview .panel"
# Bounding boxes of every panel, and of each panel's last visible row, in CSS px.
GEOMETRY = """sel => Array.from(document.querySelectorAll(sel)).map(e => {
  const r = e.getBoundingClientRect();
  return {cls: e.className, x: r.left, y: r.top, r: r.right, b: r.bottom, w: r.width, h: r.height};
})"""
CJK_RATIO = """() => {
  const text = document.body.innerText;
  const cjk = (text.match(/[\\u3400-\\u9fff]/g) || []).length;
  const latin = (text.match(/[A-Za-z]/g) || []).length;
  return {cjk, latin, ratio: cjk / Math.max(1, cjk + latin)};
}"""


def shots_dir(tmp_path: Path) -> Path:
    path = Path(os.environ.get("HOTLINE_SCREENSHOTS") or tmp_path)
    path.mkdir(parents=True, exist_ok=True)
    return path


def overlap(a: dict, b: dict) -> float:
    return max(0.0, min(a["r"], b["r"]) - max(a["x"], b["x"])) * max(0.0, min(a["b"], b["b"]) - max(a["y"], b["y"]))


def wait_for_data(page) -> None:
    page.wait_for_function(
        f"(document.querySelector('{KPI_VALUE}') || {{textContent: ''}}).textContent.match(/[1-9]/)", timeout=60_000
    )
    page.wait_for_function(f"document.querySelectorAll('#{ids.COUNTDOWNS} .countdown-row').length >= 5", timeout=60_000)
    page.wait_for_function(
        f"document.querySelector('#{ids.HOT_WORDS} .hw-row, #{ids.HOT_WORDS} .empty-note')", timeout=60_000
    )


@pytest.mark.parametrize("wall", list(WALLS))
def test_the_overview_fills_every_wall_shape_without_overlap_cropping_or_scrolling(live_server, watched, wall,
                                                                                  tmp_path):  # fmt: skip
    width, height = WALLS[wall]
    w = watched(width, height)
    page = w.page
    page.goto(live_server.url + "/?kiosk=1&screen=test-" + wall)
    wait_for_data(page)
    page.wait_for_timeout(1500)
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1, "no horizontal scrolling"
    assert page.evaluate("document.documentElement.scrollHeight") <= height + 1, "no vertical scrolling"
    boxes = page.evaluate(GEOMETRY, PANELS)
    assert len(boxes) == 8 + 5  # eight KPI tiles; map, countdowns, top 10, class lists, hot words
    for box in boxes:  # nothing cut at the wall's edges
        assert box["x"] >= -1 and box["y"] >= -1 and box["r"] <= width + 1 and box["b"] <= height + 1, box
    for i, a in enumerate(boxes):  # nothing drawn over anything else
        for b in boxes[i + 1 :]:
            assert overlap(a, b) < 4, (a["cls"], b["cls"])
    scale = min(width / 1920, height / 1080)
    kpi = page.evaluate(f"parseFloat(getComputedStyle(document.querySelector('{KPI_VALUE}')).fontSize)")
    assert kpi == pytest.approx(KPI_PX_1080P * scale, rel=0.03)  # 3x3 wall: three times the 1080p type
    # No panel collapsed to its title: ten countdown rows and ten top-10 rows lie inside their panels.
    for panel, rows in ((".panel-countdowns", ".countdown-row"), (".panel-top10", ".bar-row")):
        outer = page.evaluate(GEOMETRY, panel)[0]
        inner = page.evaluate(GEOMETRY, f"{panel} {rows}")
        assert len(inner) >= 5
        visible = [r for r in inner if r["b"] <= outer["b"] + 1 and r["h"] > 0]
        assert len(visible) == len(inner), f"{panel}: {len(visible)} of {len(inner)} rows visible"
    map_box = page.evaluate(GEOMETRY, ".panel-map")[0]
    assert map_box["h"] >= 0.4 * height and map_box["w"] >= 0.2 * width
    page.screenshot(path=str(shots_dir(tmp_path) / f"wall-overview-{width}x{height}.png"))
    w.assert_clean()


@pytest.mark.parametrize("path", ["/map", "/sla", "/rankings"])
@pytest.mark.parametrize("wall", ["32x9", "3x3"])
def test_the_other_wall_pages_fit_wide_and_tiled_walls(live_server, watched, path, wall, tmp_path):
    width, height = WALLS[wall]
    w = watched(width, height)
    page = w.open(live_server.url + path + "?kiosk=1", ".panel", timeout=60_000)
    page.wait_for_timeout(3000)
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    assert page.evaluate("document.documentElement.scrollHeight") <= height + 1
    boxes = [b for b in page.evaluate(GEOMETRY, ".page > div > .panel, .page > div > div > .panel, .map-side > .panel")
             if b["h"] > 0]  # fmt: skip
    assert boxes
    for i, a in enumerate(boxes):
        assert a["r"] <= width + 1 and a["b"] <= height + 1
        for b in boxes[i + 1 :]:
            assert overlap(a, b) < 4, (a["cls"], b["cls"])
    page.screenshot(path=str(shots_dir(tmp_path) / f"wall{path.replace('/', '-')}-{width}x{height}.png"))
    assert w.console_errors == [], "\n".join(w.console_errors)


@pytest.mark.parametrize("query", ["?lang=en", "?lang=en&kiosk=1"])
@pytest.mark.parametrize("path", ["/", "/sla", "/rankings", "/district/110105"])
def test_english_pages_are_mostly_free_of_chinese(live_server, watched, path, query):
    w = watched(1920, 1080)
    page = w.open(live_server.url + path + query, ".panel", timeout=60_000)
    page.wait_for_function("!document.querySelector('.empty-note') || document.body.innerText.length > 600",
                           timeout=60_000)  # fmt: skip
    page.wait_for_timeout(2500)
    measured = page.evaluate(CJK_RATIO)
    # Only data values with no translation stay Chinese (hot words, estates): a few per cent.
    assert measured["latin"] > 300
    assert measured["ratio"] < 0.05, measured


def test_a_hot_word_filters_the_map_and_lists_its_orders(live_server, watched):
    snapshot = live_server.wait_for_snapshot()
    deadline = time.monotonic() + 90
    while not (snapshot.get("hot_words") or {}).get("city") and time.monotonic() < deadline:
        time.sleep(1)
        snapshot = live_server.runtime.cache.get()
    hot = snapshot["hot_words"]["city"][0]  # the seed always ends with a burst naming its cause
    w = watched(1366, 1024)
    page = w.page
    page.goto(live_server.url + "/")
    word_row = f"#{ids.HOT_WORDS} .hw-row[data-word='{hot['word']}']"
    page.wait_for_selector(word_row, timeout=60_000)
    page.click(word_row)
    page.wait_for_selector(f"#{ids.HOT_WORD_ORDERS} .wo-row", timeout=60_000)
    assert f"word={quote(hot['word'])}" in page.url or f"word={hot['word']}" in page.url
    listed = page.locator(f"#{ids.HOT_WORD_ORDERS} .wo-row").count()
    assert listed == hot["count"]  # every order of the last 24 h naming the word
    assert page.locator(".hw-row.hw-chosen").count() == 1
    # The map's values are the word's orders per township (restyled in the browser).
    assert sum(hot["townships"].values()) == hot["count"]
    page.wait_for_function(
        f"total => {{ const g = document.querySelector('#{ids.MAP_PAGE_GRAPH} .js-plotly-plot');"
        " return !!(g && g.data) && g.data[0].z.reduce((a, b) => a + (b || 0), 0) === total; }",
        arg=hot["count"],
        timeout=60_000,
    )
    assert w.console_errors == [], "\n".join(w.console_errors)


def test_a_wall_screen_reports_its_heartbeat_and_reloads_when_asked(live_server, watched):
    fleet = live_server.app.server.config["screen_fleet"]
    w = watched(1920, 1080)
    page = w.page
    page.goto(live_server.url + "/?kiosk=1&screen=hall-test")
    wait_for_data(page)

    def mine() -> dict | None:
        return next((s for s in fleet.screens() if s["screen"] == "hall-test" and s["rendered_at"]), None)

    deadline = time.monotonic() + 90
    while mine() is None:
        assert time.monotonic() < deadline, "no heartbeat with a render time within 90 s"
        time.sleep(0.5)
    screen = mine()
    assert screen["state"] == "ok" and screen["page"] == "/" and screen["heap_mb"] > 0
    page.evaluate("window.__beforeReload = true")
    assert fleet.request_reload("hall-test")
    page.wait_for_function("window.__beforeReload === undefined", timeout=90_000)  # reloaded by the answer
    assert w.console_errors == [], "\n".join(w.console_errors)

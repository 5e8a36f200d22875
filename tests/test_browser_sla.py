"""The SLA board in a real headless Chromium: wall (kiosk) and tablet, values checked against the snapshot."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from layouts import ids
from tests.waiting import distinct_texts

pytestmark = pytest.mark.browser
CLOCK = re.compile(r"^(超期 )?(\d+天 )?\d{2}:\d{2}:\d{2}$")
COUNTS = f"#{ids.SLA_COUNTS}"
ROW0 = f"#{ids.SLA_GRID} .ag-row[row-index='0']"
ROWS_TITLE = f"#{ids.SLA_ROWS_TITLE}"
GRID_API = f"dash_ag_grid.getApi('{ids.SLA_GRID}')"


def _number(text: str) -> int:
    return int(re.sub(r"[^\d]", "", text))


def _tile_values(page) -> list[int]:
    return [_number(v) for v in page.locator(f"{COUNTS} .kpi-value").all_inner_texts()]


def _db_counts(live_server, snapshot: dict, district: str | None = None) -> tuple[int, Counter]:
    """Open orders per state at the snapshot's time, read straight from the case database."""
    from datetime import datetime

    from dashboard.live.open_orders import OpenOrderFilters, state_counts
    from dashboard.scope import Scope

    runtime = live_server.runtime
    counts = state_counts(runtime.engine, Scope.all(), OpenOrderFilters(district=district),
                          now=datetime.fromisoformat(snapshot["generated_at"]), rules=runtime.rules)  # fmt: skip
    return sum(counts.values()), Counter(counts)


def test_wall_shows_tiles_most_urgent_rows_and_overdue_townships(live_server, watched):
    w = watched(1920, 1080)
    page = w.open(live_server.url + "/sla?kiosk=1", f"{COUNTS} .kpi-tile")
    snapshot = live_server.wait_for_snapshot()
    total, states = _db_counts(live_server, snapshot)
    values = _tile_values(page)
    assert values[0] == total == snapshot["kpis"]["open"]
    assert sum(values[1:]) == total
    assert values[1] >= states["overdue"]  # orders only ever become overdue while the page is open
    # the wall shows the 15 most urgent orders, most overdue first, without case ids, ticking
    rows = page.locator(f"#{ids.SLA_WALL_ROWS} .wt-row:not(.wt-head)")
    assert rows.count() == min(15, total)
    first_clock = rows.first.locator(".wt-clock")
    seen = distinct_texts(first_clock.inner_text, 2)
    assert len(seen) >= 2 and all(CLOCK.match(s) for s in seen), seen
    first_case = snapshot["countdowns"][0]["case_id"]
    assert first_case not in page.locator(f"#{ids.SLA_WALL_ROWS}").inner_text()
    # overdue by township: links to the township pages, counts from the snapshot
    bars = page.locator(f"#{ids.SLA_OVERDUE_BY_TOWNSHIP} a.bar-row")
    overdue_towns = {code: v["overdue"] for code, v in snapshot["map"]["township"].items() if v["overdue"]}
    if overdue_towns:
        top_code, top_n = sorted(overdue_towns.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        assert bars.first.get_attribute("href") == f"/township/{top_code}"
        assert _number(bars.first.locator(".bar-value").inner_text()) >= top_n
    # one screen, no scrollbar, no controls
    assert page.evaluate("document.documentElement.scrollHeight <= window.innerHeight")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert not page.locator(".sla-controls").is_visible()
    w.shoot("sla-wall-1920x1080")
    w.assert_clean()


def test_tablet_grid_filters_from_url_pages_and_ticks(live_server, watched):
    snapshot = live_server.wait_for_snapshot()
    district = max(snapshot["map"]["district"].items(), key=lambda kv: (kv[1]["open"], kv[0]))[0]
    name = snapshot["names"]["district"][district]
    w = watched(1024, 768)
    # the bookmarked filter is applied: the dropdown shows it, every row is in the district
    page = w.open(live_server.url + f"/sla?district={district}", f"{ROW0} .chip")
    assert name in page.locator(f"#{ids.SLA_DISTRICT}").inner_text()
    total, states = _db_counts(live_server, snapshot, district)
    assert _number(page.locator(ROWS_TITLE).inner_text()) == total
    districts = page.locator(f"#{ids.SLA_GRID} .ag-row [col-id='district']").all_inner_texts()
    assert districts and set(districts) == {name}
    # rows are touch-sized; the countdown cell ticks in the browser
    height = page.locator(ROW0).bounding_box()["height"]
    assert height >= 44
    clock = page.locator(f"{ROW0} .countdown")
    seen = distinct_texts(clock.inner_text, 2)
    assert len(seen) >= 2 and all(CLOCK.match(s) for s in seen), seen
    # tapping the overdue tile filters by state through the URL
    page.locator(f"{COUNTS} a.state-overdue").click()
    page.wait_for_url(re.compile(r"state=overdue"))
    assert f"district={district}" in page.url
    page.wait_for_function(
        f"document.querySelector('{ROWS_TITLE}') && "
        f"document.querySelector('{ROWS_TITLE}').textContent.includes('{states['overdue']:,}')"
    )
    # the same grid purges its blocks and reads the filtered rows (the default order already puts overdue
    # first, so the row count is what proves the filter reached the server)
    page.wait_for_function(f"{GRID_API}.getDisplayedRowCount() === {states['overdue']}",
                           timeout=60_000)  # fmt: skip
    if states["overdue"]:
        page.wait_for_selector(f"{ROW0} .state-chip")
        assert set(page.locator(f"#{ids.SLA_GRID} .ag-row .state-chip").all_inner_texts()) == {"超期"}
    w.shoot("sla-tablet-1024x768")
    w.assert_clean()


def test_infinite_grid_serves_far_pages_and_english(live_server, watched):
    snapshot = live_server.wait_for_snapshot()
    total = snapshot["kpis"]["open"]
    w = watched(1280, 900)
    page = w.open(live_server.url + "/sla?lang=en", f"{ROW0} .chip")
    assert "Overdue" in page.locator(COUNTS).inner_text()
    target = min(total - 1, 1234)
    page.evaluate(f"{GRID_API}.ensureIndexVisible({target}, 'middle')")
    page.wait_for_selector(f"#{ids.SLA_GRID} .ag-row[row-index='{target}'] .chip")
    # the grid knows the full row count from the server, not just the loaded blocks
    assert page.evaluate(f"{GRID_API}.getDisplayedRowCount()") == total
    w.assert_clean()

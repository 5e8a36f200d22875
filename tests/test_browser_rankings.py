"""The rankings page in a real headless Chromium: values against GET /api/v1/rankings, exports, wall."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from urllib.request import urlopen

import pytest

from tests.shots import SHOTS

pytestmark = pytest.mark.browser


def _one_decimal(value: float | None) -> str:
    """What the page shows for a composite: one decimal, or a dash when there is no sample."""
    return "—" if value is None else f"{value:.1f}"


def _api(live_server, period: str, date: str, level: str) -> dict:
    with urlopen(f"{live_server.url}/api/v1/rankings?period={period}&date={date}&level={level}") as response:
        return json.load(response)


def test_wall_shows_the_four_lists_and_the_top_of_the_table(live_server, watched):
    snapshot = live_server.wait_for_snapshot()
    api = _api(live_server, "month", snapshot["month"], "township")
    w = watched(1920, 1080)
    page = w.page
    page.goto(live_server.url + "/rankings?kiosk=1")
    page.wait_for_selector("#rank-wall .wt-row:not(.wt-head)")
    assert page.locator("#rank-classes .cls-column").count() == 4
    first = page.locator("#rank-wall .wt-row:not(.wt-head)").first
    top = api["rows"][0]
    assert first.locator(".wt-name").inner_text() == top["name"]
    assert first.locator(".wt-composite").inner_text() == _one_decimal(top["composite"])
    advanced = [r["name"] for r in api["rows"] if "advanced" in r["classes"]]
    shown = page.locator("#rank-classes .cls-column").first.locator(".cls-name").all_inner_texts()
    assert shown == advanced
    assert snapshot["month"] in page.locator("#rank-title").inner_text()
    assert api["rules_version"] in page.locator("#rank-title").inner_text()
    assert page.evaluate("document.documentElement.scrollHeight <= window.innerHeight")
    assert not page.locator(".rank-controls").is_visible()
    page.wait_for_timeout(1200)  # the header clock and freshness badge tick once a second
    page.screenshot(path=str(SHOTS / "rankings-wall-1920x1080.png"))
    assert w.external_requests() == []
    assert w.console_errors == [], "\n".join(w.console_errors)


def test_tablet_grid_agrees_with_the_api_and_exports_what_is_shown(live_server, watched):
    snapshot = live_server.wait_for_snapshot()
    api = _api(live_server, "month", snapshot["month"], "township")
    w = watched(1024, 768)
    page = w.page
    page.goto(live_server.url + "/rankings")
    page.wait_for_selector("#rank-grid .ag-row[row-index='0'] .grid-link")
    row0 = page.locator("#rank-grid .ag-center-cols-container .ag-row[row-index='0']")
    top = api["rows"][0]
    assert row0.locator("[col-id='composite']").inner_text() == _one_decimal(top["composite"])
    rate = top["resolution_rate"]
    assert row0.locator("[col-id='resolution_rate']").inner_text() == ("—" if rate is None else f"{rate * 100:.1f}%")
    link = row0.locator(".grid-link")
    assert link.inner_text() == top["name"] and link.get_attribute("href") == f"/township/{top['code']}"
    # touch-sized rows and export buttons
    assert row0.bounding_box()["height"] >= 44
    assert page.locator("#rank-export-xlsx").bounding_box()["height"] >= 44
    # every unit is there; an insufficient sample is at the bottom with its label instead of a rank
    count = page.evaluate("dash_ag_grid.getApi('rank-grid').getDisplayedRowCount()")
    assert count == len(api["rows"])
    last = api["rows"][-1]
    page.evaluate(f"dash_ag_grid.getApi('rank-grid').ensureIndexVisible({count - 1}, 'bottom')")
    expected = str(last["rank"]) if last["rank"] is not None else "样本不足"
    bottom = page.locator(f"#rank-grid .ag-pinned-left-cols-container .ag-row[row-index='{count - 1}']")
    bottom.filter(has_text=expected).wait_for(timeout=60_000)
    assert bottom.inner_text().strip() == expected
    page.evaluate("dash_ag_grid.getApi('rank-grid').ensureIndexVisible(0, 'top')")
    page.wait_for_timeout(1200)  # the header clock and freshness badge tick once a second
    page.screenshot(path=str(SHOTS / "rankings-tablet-1024x768.png"))
    with page.expect_download() as xlsx:
        page.locator("#rank-export-xlsx").click()
    assert xlsx.value.suggested_filename == f"rankings-township-{snapshot['month']}.xlsx"
    assert Path(xlsx.value.path()).read_bytes()[:2] == b"PK"
    with page.expect_download() as csv_file:
        page.locator("#rank-export-csv").click()
    assert csv_file.value.suggested_filename == f"rankings-township-{snapshot['month']}.csv"
    rows = list(csv.DictReader(io.StringIO(Path(csv_file.value.path()).read_text("utf-8-sig"))))
    assert [r["code"] for r in rows] == [r["code"] for r in api["rows"]]
    assert float(rows[0]["composite"]) == top["composite"]  # full value, same digits as the API
    assert w.external_requests() == []
    assert w.console_errors == [], "\n".join(w.console_errors)


def test_day_and_district_from_the_url_and_the_controls(live_server, watched):
    snapshot = live_server.wait_for_snapshot()
    day = snapshot["assessment_day"]
    api = _api(live_server, "day", day, "district")
    w = watched(1024, 768)
    page = w.page
    page.goto(live_server.url + f"/rankings?period=day&date={day}&level=district&lang=en")
    page.wait_for_selector("#rank-grid .ag-row[row-index='0'] .grid-link")
    assert day in page.locator("#rank-title").inner_text()
    assert "Districts" in page.locator("#rank-title").inner_text()
    assert not page.locator(".rank-lists").is_visible()  # the four lists are monthly
    names = page.locator("#rank-grid .ag-center-cols-container .grid-link").all_inner_texts()
    english = snapshot["names"]["district_en"]
    assert names[0] == english[api["rows"][0]["code"]]
    # the day picker opens its calendar offline
    assert page.locator("#rank-day").input_value() == day
    page.locator("#rank-day").click()
    page.wait_for_selector("#rank-day-wrapper[aria-expanded='true']")
    page.keyboard.press("Escape")
    # switching to the month writes the URL and shows the month's lists
    page.locator(".rank-controls label", has_text="Month").click()
    page.wait_for_url(re.compile(r"period=month"))
    page.wait_for_selector(".rank-lists", state="visible")
    assert "lang=en" in page.url and "level=district" in page.url
    assert snapshot["month"] in page.locator("#rank-title").inner_text()
    assert w.external_requests() == []
    assert w.console_errors == [], "\n".join(w.console_errors)

"""The rankings page in a real headless Chromium: values against GET /api/v1/rankings, exports, wall."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from urllib.request import urlopen

import pytest

from layouts import ids

pytestmark = pytest.mark.browser


def _one_decimal(value: float | None) -> str:
    """What the page shows for a composite: one decimal, or a dash when there is no sample."""
    return "—" if value is None else f"{value:.1f}"


WALL_ROWS = f"#{ids.RANK_WALL} .wt-row:not(.wt-head)"
CLASS_COLUMNS = f"#{ids.RANK_CLASSES} .cls-column"
TITLE = f"#{ids.RANK_TITLE}"
FIRST_LINK = f"#{ids.RANK_GRID} .ag-row[row-index='0'] .grid-link"
GRID_API = f"dash_ag_grid.getApi('{ids.RANK_GRID}')"


def _api(live_server, period: str, date: str, level: str) -> dict:
    with urlopen(f"{live_server.url}/api/v1/rankings?period={period}&date={date}&level={level}") as response:
        return json.load(response)


def _month_townships(live_server) -> tuple[dict, dict]:
    """The live snapshot and the API's township ranking for its month: what the page must agree with."""
    snapshot = live_server.wait_for_snapshot()
    return snapshot, _api(live_server, "month", snapshot["month"], "township")


def test_wall_shows_the_four_lists_and_the_top_of_the_table(live_server, watched):
    snapshot, api = _month_townships(live_server)
    w = watched(1920, 1080)
    page = w.open(live_server.url + "/rankings?kiosk=1", WALL_ROWS)
    assert page.locator(CLASS_COLUMNS).count() == 4
    first = page.locator(WALL_ROWS).first
    top = api["rows"][0]
    assert first.locator(".wt-name").inner_text() == top["name"]
    assert first.locator(".wt-composite").inner_text() == _one_decimal(top["composite"])
    advanced = [r["name"] for r in api["rows"] if "advanced" in r["classes"]]
    shown = page.locator(CLASS_COLUMNS).first.locator(".cls-name").all_inner_texts()
    assert shown == advanced
    assert snapshot["month"] in page.locator(TITLE).inner_text()
    assert api["rules_version"] in page.locator(TITLE).inner_text()
    assert page.evaluate("document.documentElement.scrollHeight <= window.innerHeight")
    assert not page.locator(".rank-controls").is_visible()
    w.shoot("rankings-wall-1920x1080")
    w.assert_clean()


def test_tablet_grid_agrees_with_the_api_and_exports_what_is_shown(live_server, watched):
    snapshot, api = _month_townships(live_server)
    w = watched(1024, 768)
    page = w.open(live_server.url + "/rankings", FIRST_LINK)
    row0 = page.locator(f"#{ids.RANK_GRID} .ag-center-cols-container .ag-row[row-index='0']")
    top = api["rows"][0]
    assert row0.locator("[col-id='composite']").inner_text() == _one_decimal(top["composite"])
    rate = top["resolution_rate"]
    assert row0.locator("[col-id='resolution_rate']").inner_text() == ("—" if rate is None else f"{rate * 100:.1f}%")
    link = row0.locator(".grid-link")
    assert link.inner_text() == top["name"] and link.get_attribute("href") == f"/township/{top['code']}"
    # touch-sized rows and export buttons
    assert row0.bounding_box()["height"] >= 44
    assert page.locator(f"#{ids.RANK_EXPORT_XLSX}").bounding_box()["height"] >= 44
    # every unit is there; an insufficient sample is at the bottom with its label instead of a rank
    count = page.evaluate(f"{GRID_API}.getDisplayedRowCount()")
    assert count == len(api["rows"])
    last = api["rows"][-1]
    page.evaluate(f"{GRID_API}.ensureIndexVisible({count - 1}, 'bottom')")
    expected = str(last["rank"]) if last["rank"] is not None else "样本不足"
    bottom = page.locator(f"#{ids.RANK_GRID} .ag-pinned-left-cols-container .ag-row[row-index='{count - 1}']")
    bottom.filter(has_text=expected).wait_for(timeout=60_000)
    assert bottom.inner_text().strip() == expected
    page.evaluate(f"{GRID_API}.ensureIndexVisible(0, 'top')")
    w.shoot("rankings-tablet-1024x768")
    with page.expect_download() as xlsx:
        page.locator(f"#{ids.RANK_EXPORT_XLSX}").click()
    assert xlsx.value.suggested_filename == f"rankings-township-{snapshot['month']}.xlsx"
    assert Path(xlsx.value.path()).read_bytes()[:2] == b"PK"
    with page.expect_download() as csv_file:
        page.locator(f"#{ids.RANK_EXPORT_CSV}").click()
    assert csv_file.value.suggested_filename == f"rankings-township-{snapshot['month']}.csv"
    rows = list(csv.DictReader(io.StringIO(Path(csv_file.value.path()).read_text("utf-8-sig"))))
    assert [r["code"] for r in rows] == [r["code"] for r in api["rows"]]
    assert float(rows[0]["composite"]) == top["composite"]  # full value, same digits as the API
    w.assert_clean()


def test_day_and_district_from_the_url_and_the_controls(live_server, watched):
    snapshot = live_server.wait_for_snapshot()
    day = snapshot["assessment_day"]
    api = _api(live_server, "day", day, "district")
    w = watched(1024, 768)
    page = w.open(live_server.url + f"/rankings?period=day&date={day}&level=district&lang=en", FIRST_LINK)
    assert day in page.locator(TITLE).inner_text()
    assert "Districts" in page.locator(TITLE).inner_text()
    assert not page.locator(".rank-lists").is_visible()  # the four lists are monthly
    names = page.locator(f"#{ids.RANK_GRID} .ag-center-cols-container .grid-link").all_inner_texts()
    english = snapshot["names"]["district_en"]
    assert names[0] == english[api["rows"][0]["code"]]
    # the day picker opens its calendar offline (dcc.DatePickerSingle wraps its input in `<id>-wrapper`)
    assert page.locator(f"#{ids.RANK_DAY}").input_value() == day
    page.locator(f"#{ids.RANK_DAY}").click()
    page.wait_for_selector(f"#{ids.RANK_DAY}-wrapper[aria-expanded='true']")
    page.keyboard.press("Escape")
    # switching to the month writes the URL and shows the month's lists
    page.locator(".rank-controls label", has_text="Month").click()
    page.wait_for_url(re.compile(r"period=month"))
    page.wait_for_selector(".rank-lists", state="visible")
    assert "lang=en" in page.url and "level=district" in page.url
    assert snapshot["month"] in page.locator(TITLE).inner_text()
    w.assert_clean()

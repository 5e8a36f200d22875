"""Issue 15 in headless Chromium: a rate opens the orders behind it, the forecast line, the targets
table and pack links, and the what-if page, at tablet (1024x768) and desktop (1920x1080) sizes."""

from __future__ import annotations

import re
from urllib.request import urlopen

import pytest

from layouts import ids

pytestmark = pytest.mark.browser
WAIT = 90_000  # the first forecast of a worker simulates 1,000 months


@pytest.mark.parametrize(("width", "height"), [(1024, 768), (1920, 1080)])
def test_rate_opens_its_orders_and_the_district_shows_risk_and_targets(live_server, watched, tmp_path, width, height):
    w = watched(width, height)
    page = w.open(live_server.url + "/district/110105", ".targets-table tbody tr", timeout=WAIT)
    assert page.locator(".targets-table tbody tr").count() == 4
    assert page.locator(".panel-risk .risk-row, .panel-risk .empty-note").count() >= 1
    pack = page.locator(".pack-links a").first.get_attribute("href")
    assert re.fullmatch(r"/api/v1/pack\.pdf\?district=110105&date=\d{4}-\d{2}", pack)
    page.locator(".trace-tile").nth(1).click()  # 解决率
    page.wait_for_selector(".trace-drawer:not(.hidden)", timeout=WAIT)
    page.wait_for_function(f"document.querySelector('#{ids.TRACE_TITLE}').innerText.includes('解决率明细')",
                           timeout=WAIT)  # fmt: skip
    assert page.locator(f"#{ids.TRACE_SUMMARY}").inner_text().startswith("有效回访")
    href = page.locator(f"#{ids.TRACE_EXPORT}").get_attribute("href")
    with urlopen(live_server.url + href) as response:
        assert response.status == 200 and response.read(2) == b"PK"  # an XLSX (zip)
    page.screenshot(path=str(tmp_path / f"trace-{width}.png"))
    page.locator(f"#{ids.TRACE_CLOSE}").click()
    page.wait_for_selector(".trace-drawer.hidden", state="attached", timeout=WAIT)
    w.assert_clean()


def test_township_forecast_line_and_what_if_page(live_server, watched):
    w = watched(1024, 768)
    page = w.open(live_server.url + "/township/110105001", ".forecast-line", timeout=WAIT)
    line = page.locator(".forecast-line").inner_text()
    assert re.match(r"月末预计：(整改类风险 \d+%|样本不足)", line), line
    page.goto(live_server.url + "/whatif")
    editor, run = page.locator(f"#{ids.WHATIF_RULES}"), page.locator(f"#{ids.WHATIF_RUN}")
    editor.wait_for(timeout=WAIT)
    editor.fill(editor.input_value().replace("advanced = 10", "advanced = 20"))
    run.click()
    page.wait_for_selector(".whatif-grid .ag-center-cols-container .ag-row", timeout=WAIT)
    heading = page.locator(f"#{ids.WHATIF_RESULT} .panel-title").inner_text()
    assert re.match(r"\d+ 个单位类别变化|没有单位的类别发生变化", heading), heading
    editor.fill("version = ")
    run.click()
    page.wait_for_selector(".whatif-error", timeout=WAIT)
    assert "not valid TOML" in page.locator(".whatif-error").inner_text()
    w.assert_clean()

"""In Chromium with the app's Content-Security-Policy enforced: every page renders and nothing is
blocked (no 'unsafe-eval' needed); login, the wall's token link and the demo banner work (issue 12)."""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from layouts import ids
from layouts.access import DEMO_BANNER
from tests.access_app import PASSWORD, build_access_app

PAGES = {
    "/?kiosk=1": ".countdown-row", "/": ".countdown-row", "/map": ".map-graph", "/sla": ".ag-row",
    "/sla?kiosk=1": ".panel", "/rankings": ".ag-row", "/rankings?kiosk=1": ".panel", "/district/110105": ".unit-map",
}  # fmt: skip
RECORD_VIOLATIONS = (
    "window.__csp = []; document.addEventListener('securitypolicyviolation', function (e) {"
    " window.__csp.push(e.violatedDirective + ' ' + e.blockedURI); });"
)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    made = build_access_app(tmp_path_factory.mktemp("access-browser"))
    server = make_server("127.0.0.1", 0, made.app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    made.url = f"http://127.0.0.1:{server.server_port}"
    yield made
    server.shutdown()


def open_page(browser, width: int = 1920, height: int = 1080):
    """A page WITH the CSP enforced (unlike conftest's WatchedPage), recording violations and errors."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.add_init_script(RECORD_VIOLATIONS)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return context, page, errors


def test_every_page_renders_under_the_csp_after_login(browser, served):
    context, page, errors = open_page(browser)
    try:
        page.goto(served.url + "/sla")
        assert "/login?next=" in page.url
        page.fill("input[name=name]", "leader")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(served.url + "/sla", timeout=60_000)
        for path, selector in PAGES.items():
            page.goto(served.url + path)
            page.wait_for_selector(selector, timeout=60_000)
            page.wait_for_timeout(1500)  # the live callbacks after the first render
            assert page.evaluate("window.__csp") == [], path
        assert page.locator(f"#{ids.ACCESS_BAR} .access-name").inner_text() == "leader"
        assert errors == []
    finally:
        context.close()


def test_wall_token_link_becomes_a_session_without_the_token(browser, served):
    context, page, errors = open_page(browser)
    try:
        page.goto(f"{served.url}/?kiosk=1&token={served.wall_token}")
        page.wait_for_selector(".countdown-row", timeout=60_000)
        assert page.url == served.url + "/?kiosk=1"
        assert page.evaluate("window.__csp") == [] and errors == []
        assert page.locator(f"#{ids.ACCESS_BAR}").is_hidden()  # nothing of a person on the wall, not even a name
    finally:
        context.close()


def test_demo_mode_says_there_is_no_login(browser, live_server):
    context, page, errors = open_page(browser)
    try:
        page.goto(live_server.url + "/?kiosk=1")
        page.wait_for_selector(f"#{ids.DEMO_BANNER}", timeout=60_000)
        assert DEMO_BANNER == "演示模式：未启用登录 / Demo mode: no login"
        shown = page.locator(f"#{ids.DEMO_BANNER}").inner_text().split()
        assert shown == ["演示模式：未启用登录", "Demo", "mode:", "no", "login"]
        page.wait_for_selector(".countdown-row", timeout=60_000)
        assert page.evaluate("window.__csp") == [] and errors == []
    finally:
        context.close()

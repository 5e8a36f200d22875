"""Live behaviour in a real headless Chromium: countdowns tick with no network, the age badge turns
amber when the poller stops, and screens reload themselves after a restart or a deploy.

Uses its own server (not the shared `live_server`) because these tests pause its poller and
restart it.
"""

from __future__ import annotations

import json
import os
import threading

import pytest

from dashboard.live.poller import start_in_thread
from dashboard.runtime import Runtime
from data_loader.demo.seed import seed_database
from layouts import ids
from tests.waiting import distinct_texts

pytestmark = [pytest.mark.browser, pytest.mark.slow]
POLL_SECONDS = 2
CLOCK = ".countdown-row .cd-clock"
POLLS = ("/_dash-update-component", "/api/v1/version")
BADGE = f"#{ids.FRESHNESS}"


class PipelineServer:
    """The real app on loopback with a pausable poller, and a listener that can go down and come back."""

    def __init__(self, tmp_dir) -> None:
        from app import create_app

        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_dir / 'pipe.db'}", "POLL_SECONDS": str(POLL_SECONDS)}
        env.pop("REDIS_URL", None)
        self.runtime = Runtime.from_environment(env)
        seed_database(self.runtime.engine, self.runtime.rules, days=3, per_day=1500, seed=7, caller_key="test")
        self.app = create_app(self.runtime, demo=False, poller=False)
        self.poller = self.runtime.make_poller(standby=False)
        self.stop_poller = start_in_thread(self.poller)
        self.port = 0
        self.up()

    def up(self) -> None:
        from werkzeug.serving import make_server

        self.server = make_server("127.0.0.1", self.port, self.app.server, threaded=True)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def down(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def close(self) -> None:
        self.down()
        self.stop_poller.set()


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    server = PipelineServer(tmp_path_factory.mktemp("pipeline"))
    yield server
    server.close()


def open_overview(watched, pipeline):
    w = watched(1920, 1080)
    w.page.goto(pipeline.url + "/?kiosk=1")
    w.page.locator(CLOCK).first.wait_for(timeout=60_000)
    w.page.wait_for_function("window.hotlineReconnect && window.hotlineReconnect.state().bootId !== null")
    # The map fetches its geometry once; let it arrive before a test cuts the network.
    w.page.wait_for_selector(f"#{ids.MAP} .maplibregl-canvas", timeout=60_000)
    w.page.wait_for_function(
        "performance.getEntriesByType('resource').filter(e => e.name.includes('/geo/')).length >= 2",
        timeout=60_000,
    )
    return w


def test_countdowns_tick_every_second_with_the_network_cut(pipeline, watched):
    page = open_overview(watched, pipeline).page
    attempted: list[str] = []

    def cut(route):
        attempted.append(route.request.url)
        route.abort()

    page.route("**/*", cut)
    clock = page.locator(CLOCK).first
    seen = distinct_texts(clock.inner_text, 4)  # new values keep coming, from the deadline alone
    assert len(seen) >= 4, seen
    assert all(any(p in url for p in POLLS) for url in attempted), attempted  # only the polls even tried


def test_the_age_badge_turns_amber_then_red_when_the_poller_pauses_and_green_when_it_resumes(pipeline, watched):
    """The badge ages from the poller's last database read: amber past 4 intervals, red past 10."""
    page = open_overview(watched, pipeline).page
    page.wait_for_selector(f"{BADGE}.freshness-live", timeout=60_000)
    pipeline.poller.pause()
    try:
        page.wait_for_selector(f"{BADGE}.freshness-late", timeout=120_000)
        page.wait_for_selector(f"{BADGE}.freshness-stale", timeout=120_000)
    finally:
        pipeline.poller.resume()
    page.wait_for_selector(f"{BADGE}.freshness-live", timeout=120_000)


def test_a_screen_reloads_itself_after_a_server_restart(pipeline, watched):
    page = open_overview(watched, pipeline).page
    page.evaluate("window.__beforeRestart = true")
    pipeline.down()
    try:
        page.wait_for_selector("html[data-connection='lost'] #connection-banner", state="attached",
                               timeout=120_000)  # fmt: skip
    finally:
        pipeline.up()
    page.wait_for_function("window.__beforeRestart === undefined", timeout=120_000)
    page.locator(CLOCK).first.wait_for(timeout=60_000)


def test_a_screen_reloads_itself_when_a_new_deployment_answers(pipeline, watched):
    page = open_overview(watched, pipeline).page
    page.evaluate("window.__oldDeploy = true")
    body = json.dumps({"version": 1, "boot_id": "a-new-deployment"})
    page.route("**/api/v1/version", lambda route: route.fulfill(status=200, content_type="application/json", body=body))
    page.wait_for_function("window.__oldDeploy === undefined", timeout=120_000)

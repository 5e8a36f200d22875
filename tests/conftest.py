"""Shared fixtures: real SQLite, PostgreSQL and Redis.

Under CI (CI=true) a missing service fails the test; on a developer machine it skips with the reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine, create_engine, text

from dashboard.store.db import make_engine, migrate
from tests.shots import SHOTS

if TYPE_CHECKING:
    from playwright.sync_api import Page

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _worker_redis_url(url: str, worker: str) -> str:
    """Under pytest-xdist, worker gwN uses database (N + the given one) mod 16: workers never flush each other."""
    if not worker.startswith("gw"):
        return url
    base, _, db = url.rpartition("/")
    return f"{base}/{(int(db or 0) + int(worker[2:])) % 16}"


REDIS_TEST_URL = _worker_redis_url(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
                                   os.environ.get("PYTEST_XDIST_WORKER", ""))  # fmt: skip
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# Tests start the app outside the demo, which needs its keys and, for login off, HOTLINE_AUTH=off
# said explicitly (issue 12); tests of access control (tests/test_access_*.py) switch login on.
os.environ.setdefault("HOTLINE_AUTH", "off")
os.environ.setdefault("HOTLINE_SECRET_KEY", "test-secret-key")
os.environ.setdefault("HOTLINE_CALLER_KEY", "test-caller-key")

# No per-example time limit (a loaded machine is slow, not wrong); under CI the same examples every run.
hypothesis_settings.register_profile("hotline", deadline=None, derandomize=IN_CI, print_blob=True)
hypothesis_settings.load_profile("hotline")


def service_missing(what: str, exc: Exception) -> None:
    message = f"{what} is not reachable: {exc}"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: a missing service is a failure)")
    pytest.skip(message)


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'hotline.db'}"


def migrated_engine(url: str) -> Iterator[Engine]:
    """An engine on `url` with every migration applied, disposed when the test ends."""
    engine = make_engine(url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_engine(sqlite_url) -> Iterator[Engine]:
    yield from migrated_engine(sqlite_url)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    name = f"hotline_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        service_missing("PostgreSQL", exc)
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def pg_engine(pg_url) -> Iterator[Engine]:
    yield from migrated_engine(pg_url)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_engine(request) -> Engine:
    """Run a test once on SQLite and once on PostgreSQL."""
    return request.getfixturevalue("sqlite_engine" if request.param == "sqlite" else "pg_engine")


@pytest.fixture
def redis_url() -> Iterator[str]:
    import redis

    client = redis.Redis.from_url(REDIS_TEST_URL)
    try:
        client.ping()
    except Exception as exc:
        service_missing("Redis", exc)
    client.flushdb()
    yield REDIS_TEST_URL
    client.flushdb()
    client.close()


CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# maplibre logs an event object whose inner error holds the message, URL and status
INNER_ERROR_JS = (
    "x => { try { return x && x.error ? String(x.error.message || x.error) + ' ' + (x.error.url || '') "
    "+ ' ' + (x.error.status || '') : '' } catch (e) { return '' } }"
)
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip


class LiveServer:
    """A real app on a free loopback port, fed by a small seeded SQLite database and its poller."""

    def __init__(self, tmp_dir, days: int = 10, per_day: int = 1500) -> None:
        import threading

        from werkzeug.serving import make_server

        from app import create_app
        from dashboard.runtime import Runtime
        from data_loader.demo.seed import seed_database

        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_dir / 'live.db'}", "POLL_SECONDS": "2"}
        env.pop("REDIS_URL", None)
        self.runtime = Runtime.from_environment(env)
        seed_database(self.runtime.engine, self.runtime.rules, days=days, per_day=per_day, seed=7,
                      caller_key=self.runtime.settings.caller_hash_key)  # fmt: skip
        self.app = create_app(self.runtime, demo=False, poller=True)
        self.server = make_server("127.0.0.1", 0, self.app.server, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.wait_for_snapshot()

    def wait_for_snapshot(self, timeout: float = 30) -> dict:
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            snap = self.runtime.cache.get()
            if snap and snap["kpis"]["orders_today"] > 0:
                return snap
            time.sleep(0.2)
        raise TimeoutError("no snapshot with data within the timeout")

    def stop(self) -> None:
        self.server.shutdown()
        self.app.server.config["poller_stop"].set()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path_factory.mktemp("live"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium driven by Playwright (no browser download needed)."""
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        service_missing("Chromium", FileNotFoundError(CHROMIUM))
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


# A graph removed by a page change while plotly.js still draws it (a busy machine widens the window):
# plotly's pending redraw fails on the purged element's missing layout. Nothing is shown to the viewer
# and the new page draws in full; every other console error fails the test.
PLOTLY_TEARDOWN = "reading '_rangeSliderData'"


class WatchedPage:
    """A page that records every request and console error, so tests can assert none leave 127.0.0.1."""

    def __init__(self, browser, width: int, height: int) -> None:
        # Playwright's string predicates (wait_for_function) need eval, which the app's CSP forbids;
        # tests/test_access_browser.py loads the pages with the CSP enforced.
        self.context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
        self.page = self.context.new_page()
        self.page.add_init_script(
            "window.addEventListener('unhandledrejection', function (e) {"
            "  window.__rejections = (window.__rejections || []).concat([String(e.reason && e.reason.stack)]); });"
        )
        self.requests: list[str] = []
        self.console_errors: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self._record(f"{e} {getattr(e, 'stack', '')}"))

    def _console(self, message) -> None:
        if message.type != "error":
            return
        details = []
        for arg in message.args:  # maplibre logs an event object: keep its inner message
            try:
                details.append(arg.evaluate(INNER_ERROR_JS))
            except Exception:
                details.append("")
        self._record(" ".join([message.text, *filter(None, details)]))

    def _record(self, error: str) -> None:
        if PLOTLY_TEARDOWN not in error:
            self.console_errors.append(error)

    def external_requests(self) -> list[str]:
        local = ("http://127.0.0.1", "data:", "blob:", "about:")
        return [u for u in self.requests if not u.startswith(local)]

    def open(self, url: str, ready: str, timeout: float = 30_000) -> Page:
        """Go to `url` and wait until the `ready` selector is on the page (its first data has arrived)."""
        self.page.goto(url)
        self.page.wait_for_selector(ready, timeout=timeout)
        return self.page

    def shoot(self, name: str) -> None:
        """Save a screenshot to SHOTS once the header clock and the freshness badge have ticked (once a second)."""
        self.page.wait_for_timeout(1200)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"))

    def assert_clean(self) -> None:
        """Nothing was asked of a host other than 127.0.0.1, and the console logged no error."""
        assert self.external_requests() == []
        assert self.console_errors == [], "\n".join(self.console_errors)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def watched(browser):
    pages: list[WatchedPage] = []

    def open_page(width: int = 1920, height: int = 1080) -> WatchedPage:
        page = WatchedPage(browser, width, height)
        pages.append(page)
        return page

    yield open_page
    for page in pages:
        page.close()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ThrowawayRedis:
    """A private redis-server on a free port that a test may stop and start (never the machine's Redis)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = None

    def start(self, timeout: float = 10) -> None:
        import subprocess
        import time

        import redis

        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                client.ping()
                return
            except redis.RedisError:
                time.sleep(0.05)
        raise TimeoutError(f"redis-server on port {self.port} did not answer")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


@pytest.fixture
def throwaway_redis() -> Iterator[ThrowawayRedis]:
    import shutil

    if shutil.which("redis-server") is None:
        service_missing("redis-server", FileNotFoundError("redis-server is not on PATH"))
    server = ThrowawayRedis()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def insert_case():
    """A function that writes one new open order, dispatched now, as the simulator or an import would."""
    from datetime import UTC, datetime

    import pandas as pd
    from sqlalchemy import select

    from dashboard.assessment.rules import load_rules
    from dashboard.settings import load_settings
    from dashboard.store.case_rows import complete_cases, insert_cases
    from dashboard.store.schema import Township

    rules = load_rules(load_settings().rules_path)

    def write(engine: Engine, case_id: str, township_code: str | None = None, now: datetime | None = None) -> str:
        now = now or datetime.now(UTC)
        with engine.connect() as conn:
            town = conn.execute(
                select(Township.code, Township.district_code)
                .where(Township.code == township_code if township_code else Township.code.is_not(None))
                .limit(1)
            ).one()
        frame = pd.DataFrame([{
            "case_id": case_id, "received_at": now, "channel": "phone", "category": "住房", "subcategory": "屋顶漏雨",
            "urgency": "emergency", "district_code": town.district_code, "township_code": town.code,
            "lat": 39.9, "lon": 116.4, "address": "测试小区1号楼", "description": "测试 13800138000",
            "caller_hash": "f" * 64,
        }])  # fmt: skip
        insert_cases(engine, complete_cases(frame, rules, now))
        return town.code

    return write

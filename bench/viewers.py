"""Viewer load: gunicorn (2 workers) and a separate poller on loopback, driven by a bounded script.

The deployment of docs/deploy.md on this machine: `python -m dashboard poller` publishes to Redis,
`gunicorn -w 2 app:server` with HOTLINE_ROLE=web serves. Simulated screens replay what a browser
sends (read from the app's own /_dash-dependencies, so the requests are the real callbacks):

* a wall screen (`/?kiosk=1`): every 5 s the version check and the Dash poll callback; when the
  version moved, every callback of the overview that listens to the snapshot;
* a tablet: every 2 s one of a drill-down (the router callback for a district page) or an SLA
  board block at a random offset (router callback for /sla, then the grid's rows callback).

Database work is read from PostgreSQL's own counters (pg_stat_database: transactions committed on
the benchmark database), so the poller, both workers and the SLA queries are all counted.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

from bench.login import production_env, screen_tokens, signed_in
from bench.ticks import p95
from dashboard.settings import load_settings
from dashboard.store.db import make_engine
from layouts import ids

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
DISTRICTS = ("110101", "110102", "110105", "110106", "110108", "110112", "110114", "110115")


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, ms: float) -> None:
        with self.lock:
            self.latencies.setdefault(kind, []).append(ms)

    def error(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _outputs(spec: str) -> list[dict]:
    parts = spec.strip(".").split("...") if spec.startswith("..") else [spec]
    return [{"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1]} for p in parts]


class Callbacks:
    """Builds Dash callback requests from the app's dependency list."""

    def __init__(self, base: str, session: requests.Session) -> None:
        deps = session.get(base + "/_dash-dependencies", timeout=30).json()
        self.deps = [d for d in deps if "{" not in d["output"]]

    def panels(self, session: requests.Session, base: str, search: str) -> list[dict]:
        """The callbacks a browser on `/` fires when the snapshot moves: those whose outputs are on the page."""
        router = self.find(f"{ids.PAGE}.children")
        values = {(ids.URL, "pathname"): "/", (ids.URL, "search"): search}
        page = session.post(base + "/_dash-update-component", json=self.body(router, values, f"{ids.URL}.pathname"),
                            timeout=30).text  # fmt: skip
        present = set(re.findall(r'"id":\s*"([^"]+)"', page))
        return [d for d in self.deps if any(i["id"] == ids.SNAPSHOT for i in d["inputs"])
                and not d.get("clientside_function") and d["output"] != f"{ids.SNAPSHOT}.data"
                and all(o["id"] in present for o in _outputs(d["output"]))]  # fmt: skip

    def find(self, output: str) -> dict:
        return next(d for d in self.deps if output in d["output"])

    @staticmethod
    def body(dep: dict, values: dict[tuple[str, str], object], changed: str) -> dict:
        def fill(items):
            return [{**i, "value": values.get((i["id"], i["property"]))} for i in items]

        outputs = _outputs(dep["output"])
        return {"output": dep["output"], "outputs": outputs if len(outputs) > 1 else outputs[0],
                "inputs": fill(dep["inputs"]), "state": fill(dep.get("state", [])),
                "changedPropIds": [changed]}  # fmt: skip


def _post(session: requests.Session, base: str, body: dict, kind: str, stats: Stats) -> requests.Response | None:
    started = time.perf_counter()
    try:
        response = session.post(base + "/_dash-update-component", json=body, timeout=30)
    except requests.RequestException as exc:
        stats.error(f"{kind}: {exc.__class__.__name__}")
        return None
    stats.add(kind, (time.perf_counter() - started) * 1000)
    if response.status_code not in (200, 204):
        stats.error(f"{kind}: HTTP {response.status_code}")
    return response


def wall(base: str, cbs: Callbacks, stop: threading.Event, stats: Stats, period: float, token: str) -> None:
    session = signed_in(base, token)
    poll = cbs.find(f"{ids.SNAPSHOT}.data")
    panels = cbs.panels(session, base, "?kiosk=1")
    known, n = None, 0
    time.sleep(random.uniform(0, period))
    while not stop.is_set():
        started = time.perf_counter()
        try:
            session.get(base + "/api/v1/version", timeout=30).raise_for_status()
        except requests.RequestException as exc:
            stats.error(f"version: {exc.__class__.__name__}")
        values = {(ids.POLL, "n_intervals"): n, (ids.SNAPSHOT, "data"): known, (ids.URL, "pathname"): "/",
                  (ids.URL, "search"): "?kiosk=1"}  # fmt: skip
        response = _post(session, base, Callbacks.body(poll, values, f"{ids.POLL}.n_intervals"), "poll", stats)
        stats.add("poll_cycle", (time.perf_counter() - started) * 1000)
        moved = response.json().get("response", {}) if response is not None and response.status_code == 200 else {}
        if ids.SNAPSHOT in moved:  # an unchanged poll answers {"multi": true, "response": {}}
            known = moved[ids.SNAPSHOT]["data"]
            values[(ids.SNAPSHOT, "data")] = known
            for panel in panels:
                _post(session, base, Callbacks.body(panel, values, f"{ids.SNAPSHOT}.data"), "wall_panel", stats)
        n += 1
        stop.wait(max(0.0, period - (time.perf_counter() - started)))


def tablet(base: str, cbs: Callbacks, stop: threading.Event, stats: Stats, period: float, token: str) -> None:
    session = signed_in(base, token)
    router = cbs.find(f"{ids.PAGE}.children")
    rows = cbs.find(f"{ids.SLA_GRID}.getRowsResponse")
    time.sleep(random.uniform(0, period))
    while not stop.is_set():
        started = time.perf_counter()
        district = random.choice(DISTRICTS)
        if random.random() < 0.5:
            values = {(ids.URL, "pathname"): f"/district/{district}", (ids.URL, "search"): ""}
            _post(session, base, Callbacks.body(router, values, f"{ids.URL}.pathname"), "drill_down", stats)
        else:
            search = random.choice(["", f"?district={district}", "?state=overdue", f"?district={district}&state=ok"])
            values = {(ids.URL, "pathname"): "/sla", (ids.URL, "search"): search}
            _post(session, base, Callbacks.body(router, values, f"{ids.URL}.pathname"), "sla_page", stats)
            start = random.choice([0, 0, 100, 1000, 5000])
            values[(ids.SLA_GRID, "getRowsRequest")] = {"startRow": start, "endRow": start + 100, "sortModel": []}
            _post(session, base, Callbacks.body(rows, values, f"{ids.SLA_GRID}.getRowsRequest"), "sla_block", stats)
        stop.wait(max(0.0, period - (time.perf_counter() - started)))


def _transactions(admin_url: str, database: str) -> int:
    engine = create_engine(admin_url)
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_stat_clear_snapshot()"))
        value = conn.scalar(text("SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = :d"),
                            {"d": database})  # fmt: skip
    engine.dispose()
    return int(value or 0)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _phase(base: str, cbs: Callbacks, screens: dict[str, str], walls: int, tablets: int, seconds: float,
           admin_url: str, database: str) -> dict:  # fmt: skip
    stats, stop = Stats(), threading.Event()
    threads = [threading.Thread(target=wall, args=(base, cbs, stop, stats, 5.0, screens["wall"]), daemon=True)
               for _ in range(walls)]  # fmt: skip
    threads += [threading.Thread(target=tablet, args=(base, cbs, stop, stats, 2.0, screens["leader"]), daemon=True)
                for _ in range(tablets)]  # fmt: skip
    for thread in threads:
        thread.start()
    time.sleep(6)  # every screen has loaded once
    with stats.lock:
        stats.latencies.clear()
        stats.errors.clear()
    before, started = _transactions(admin_url, database), time.perf_counter()
    time.sleep(seconds)
    elapsed = time.perf_counter() - started
    after = _transactions(admin_url, database)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    summary = {k: {"n": len(v), "p50_ms": statistics.median(v), "p95_ms": p95(v)} for k, v in stats.latencies.items()}
    return {"walls": walls, "tablets": tablets, "seconds": elapsed, "latency": summary,
            "errors": len(stats.errors), "error_samples": stats.errors[:5],
            "db_transactions_per_min": (after - before) * 60 / elapsed}  # fmt: skip


def _fresh_for_a_day(response: requests.Response) -> bool:
    found = re.search(r"max-age=(\d+)", response.headers.get("Cache-Control", ""))
    return bool(found) and int(found.group(1)) >= 86_400


def page_weights(base: str, cbs: Callbacks, token: str) -> dict:
    """Bytes over the wire (brotli) for a first load, a repeat load and the map's refresh."""
    session = signed_in(base, token)

    def wire(response: requests.Response) -> int:
        return int(response.headers.get("Content-Length") or len(response.content))

    html = session.get(base + "/?kiosk=1", timeout=30)
    urls = re.findall(r'(?:src|href)="(/[^"]+)"', html.text)
    first, repeat = wire(html), wire(html)
    for url in [*urls, "/_dash-layout", "/_dash-dependencies"]:
        response = session.get(base + url.replace("&amp;", "&"), timeout=30)
        first += wire(response)
        if not _fresh_for_a_day(response):  # a browser reuses a fresh cached copy without asking
            repeat += wire(response)
    from app import map_specs

    for spec in map_specs().values():
        first += wire(session.get(base + spec["layer_url"], timeout=30))  # immutable: not in a repeat load
    values = {(ids.URL, "pathname"): "/", (ids.URL, "search"): "?kiosk=1"}
    router = cbs.find(f"{ids.PAGE}.children")
    page = session.post(base + "/_dash-update-component", json=Callbacks.body(router, values, f"{ids.URL}.pathname"),
                        timeout=30)  # fmt: skip
    first += wire(page)
    repeat += wire(page)
    poll = cbs.find(f"{ids.SNAPSHOT}.data")
    values[(ids.POLL, "n_intervals")] = 1
    stub = None
    for _ in range(120):  # a worker whose Redis read timed out (a loaded machine) answers "nothing new": ask again
        answer = session.post(base + "/_dash-update-component", json=Callbacks.body(poll, values,
                              f"{ids.POLL}.n_intervals"), timeout=30).json().get("response", {})  # fmt: skip
        if ids.SNAPSHOT in answer:
            stub = answer[ids.SNAPSHOT]["data"]
            break
        time.sleep(1)
    values[(ids.SNAPSHOT, "data")] = stub
    refresh = {}
    for panel in cbs.panels(session, base, "?kiosk=1"):
        body = Callbacks.body(panel, values, f"{ids.SNAPSHOT}.data")
        refresh[panel["output"]] = wire(session.post(base + "/_dash-update-component", json=body, timeout=30))
    poll_body = Callbacks.body(poll, values, f"{ids.POLL}.n_intervals")
    unchanged = session.post(base + "/_dash-update-component", json=poll_body, timeout=30)
    version = session.get(base + "/api/v1/version", timeout=30)
    head = sum(len(k) + len(v) + 4 for k, v in unchanged.headers.items())
    map_refresh = max((n for out, n in refresh.items() if "map" in out.lower()), default=0)
    return {"first_load_bytes": first, "repeat_load_bytes": repeat, "map_refresh_bytes": map_refresh,
            "refresh_bytes_all_panels": sum(refresh.values()),
            "unchanged_poll_bytes": wire(unchanged) + head + wire(version) + sum(
                len(k) + len(v) + 4 for k, v in version.headers.items()),
            "unchanged_poll_status": unchanged.status_code}  # fmt: skip


def measure(url: str, database: str, admin_url: str, seconds: float, walls: int = 50, tablets: int = 10) -> dict:
    """Start poller + gunicorn; 1 wall, then all walls (database work must not move), then walls and
    tablets; page weights and RSS; stop."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": REDIS_URL, "POLL_SECONDS": "5", "PYTHONPATH": str(ROOT)}
    env = production_env(env, load_settings(env).caller_hash_key)  # the key bench/dataset.py seeded with
    engine = make_engine(url)
    screens = screen_tokens(engine)
    engine.dispose()
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    poller = subprocess.Popen([sys.executable, "-m", "dashboard", "poller"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    command = [str(Path(sys.executable).with_name("gunicorn")), "-c", "docs/gunicorn.conf.py", "-w", "2",
               "-b", f"127.0.0.1:{port}", "app:server"]  # fmt: skip
    gunicorn = subprocess.Popen(command, cwd=ROOT, env={**env, "HOTLINE_ROLE": "web"}, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)  # fmt: skip
    bearer = {"Authorization": f"Bearer {screens['wall']}"}  # login is on: the API answers a token
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            try:
                ready = requests.get(base + "/api/v1/version", headers=bearer, timeout=5)
                if ready.json().get("version"):
                    break
            except (requests.RequestException, json.JSONDecodeError):
                pass
            time.sleep(1)
        cbs = Callbacks(base, signed_in(base, screens["wall"]))
        weights = page_weights(base, cbs, screens["wall"])
        one = _phase(base, cbs, screens, 1, 0, seconds, admin_url, database)
        walls_only = _phase(base, cbs, screens, walls, 0, seconds, admin_url, database)
        full = _phase(base, cbs, screens, walls, tablets, seconds, admin_url, database)
        workers = _children(gunicorn.pid)
        memory = {"web_worker_rss_mb": [rss_mb(p) for p in workers], "poller_rss_mb": rss_mb(poller.pid)}
    finally:
        for process in (gunicorn, poller):
            process.send_signal(signal.SIGTERM)
        for process in (gunicorn, poller):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    return {"one_viewer": one, "walls_only": walls_only, "load": full, "page_weights": weights, "memory": memory}

"""Live pipeline: poller tick time on a database of ~1 million cases, and database queries per minute
with 1 viewer vs 50 viewers on the live server (issue 6). Figures go to bench/results/pipeline.md.

Run from the repository root: `python bench/bench_pipeline.py [--engine sqlite|postgresql]`.
The database (143 days x 7,000 orders, ~1M cases) is seeded once and reused on later runs
(SQLite: data/bench_pipeline.db; PostgreSQL: database hotline_bench_pipeline on BENCH_PG_ADMIN_URL).
The seed is stamped 10 minutes in the past so that the rollups' 5-minute re-read overlap does not
count the seed itself as "changed".

1. Ticks: a cold first tick (rollup rebuild + open-case load), then 5 ticks each with 0, 1 and 100
   new cases written just before; time per phase and SQL statements per tick. Ticks in which the
   snapshot's slow lane (rankings, periods, hotspots: every 30-600 s) recomputed are listed apart.
2. Viewers: the real app (Dash + API, in-process poller) on loopback while one new case per second
   arrives. Each simulated viewer does what an open screen does every poll interval: GET
   /api/v1/version (assets/reconnect.js), POST the Dash poll callback, and GET /api/v1/snapshot when
   the version moved (standing in for the panel callbacks, which read the same cache). Every SQL
   statement on the app's engine is counted with a `before_cursor_execute` listener.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
from sqlalchemy import Engine, event, func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.dataset import pg_database  # noqa: E402
from bench.ticks import NewCases  # noqa: E402
from dashboard.live import poller as poller_module  # noqa: E402
from dashboard.live.cache import MemoryCache  # noqa: E402
from dashboard.live.change_feed import Feed  # noqa: E402
from dashboard.live.rollups import rebuild  # noqa: E402
from dashboard.runtime import Runtime  # noqa: E402
from dashboard.settings import load_settings  # noqa: E402
from dashboard.store.db import make_engine, migrate  # noqa: E402
from dashboard.store.schema import Case  # noqa: E402
from data_loader.demo.seed import seed_database  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "pipeline.md"
PG_NAME = "hotline_bench_pipeline"
REPEATS = 9


class QueryCounter:
    """Counts SQL statements sent on an engine (every cursor execute, including executemany)."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        self._lock = threading.Lock()
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args) -> None:
        with self._lock:
            self.count += 1


def database_url(engine_kind: str, days: int, per_day: int) -> str:
    if engine_kind == "sqlite":
        return f"sqlite:///{ROOT / 'data' / f'bench_pipeline_{days}x{per_day}.db'}"
    return pg_database(PG_NAME)


def prepare(url: str, days: int, per_day: int) -> tuple[int, float | None]:
    """Seed an empty database once; returns (cases, seconds spent seeding or None when reused)."""
    engine = make_engine(url)
    migrate(engine)
    settings = load_settings({**os.environ, "DATABASE_URL": url})
    with engine.connect() as conn:
        existing = conn.scalar(select(func.count()).select_from(Case))
    seconds = None
    if not existing:
        from dashboard.assessment.rules import load_rules

        started = time.perf_counter()
        seed_database(engine, load_rules(settings.rules_path), days=days, per_day=per_day, seed=12345,
                      now=datetime.now(UTC) - timedelta(minutes=10), tz=settings.tz_name,
                      caller_key=settings.caller_hash_key)  # fmt: skip
        seconds = time.perf_counter() - started
    with engine.connect() as conn:
        total = conn.scalar(select(func.count()).select_from(Case))
    engine.dispose()
    return total, seconds


@dataclass
class Tick:
    changed: int
    total_ms: float
    phases_ms: dict[str, float]
    statements: int
    slow_lane: bool


@dataclass
class Phases:
    """Wraps the poller's three phases with timers (the poller code itself is not changed)."""

    times: dict[str, float] = field(default_factory=dict)

    def wrap(self, name: str, fn: Callable) -> Callable:
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.times[name] = (time.perf_counter() - started) * 1000

        return timed


def measure_ticks(url: str) -> tuple[tuple[float, float, float], list[Tick], int]:
    runtime = Runtime.from_environment({**os.environ, "DATABASE_URL": url})
    runtime.cache = MemoryCache()
    phases = Phases()
    Feed.advance = phases.wrap("change_feed.advance", Feed.advance)
    poller_module.build_snapshot = phases.wrap("build_snapshot", poller_module.build_snapshot)
    counter = QueryCounter(runtime.engine)
    poller = runtime.make_poller(standby=False)
    started = time.perf_counter()
    rebuild(runtime.engine, runtime.rules, runtime.settings.tz)
    rebuilt = time.perf_counter() - started
    started = time.perf_counter()
    poller.tick()
    cold = time.perf_counter() - started
    writer = NewCases(make_engine(url), runtime.rules)
    writer.write(1)
    started = time.perf_counter()
    poller.tick()
    settle = time.perf_counter() - started
    ticks = []
    for changed in (0, 1, 100):
        for _ in range(REPEATS):
            if changed:
                writer.write(changed)
            before_lane, before_count = dict(poller.slow.computed), counter.count
            started = time.perf_counter()
            poller.tick()
            total = (time.perf_counter() - started) * 1000
            ticks.append(Tick(changed, total, dict(phases.times), counter.count - before_count,
                              poller.slow.computed != before_lane))  # fmt: skip
    open_cases = len(poller.open_cases.frame)
    runtime.engine.dispose()
    return (rebuilt, cold, settle), ticks, open_cases


@dataclass
class ViewerRun:
    viewers: int
    seconds: float
    statements: int
    ticks: int
    requests: int
    errors: int
    latencies_ms: list[float]
    arrivals: tuple[int, int]  # new cases written during the window, writes refused (SQLite lock)

    @property
    def per_minute(self) -> float:
        return self.statements * 60 / self.seconds

    @property
    def per_tick(self) -> float:
        return self.statements / max(self.ticks, 1)


def viewer(base: str, poll: float, stop: threading.Event, stats: dict, session: requests.Session | None = None) -> None:
    """One open screen: version check, Dash poll callback, snapshot fetch when the version moved.

    `session`: one already signed in (bench/login.py) when the server runs with login on."""
    from layouts import ids

    session = session or requests.Session()
    known = None
    n = 0
    while not stop.is_set():
        started = time.perf_counter()
        try:
            session.get(base + "/api/v1/version", timeout=30).raise_for_status()
            body = {
                "output": f"{ids.SNAPSHOT}.data",
                "outputs": {"id": ids.SNAPSHOT, "property": "data"},
                "inputs": [{"id": ids.POLL, "property": "n_intervals", "value": n}],
                "state": [{"id": ids.SNAPSHOT, "property": "data", "value": known}],
                "changedPropIds": [f"{ids.POLL}.n_intervals"],
            }
            response = session.post(base + "/_dash-update-component", json=body, timeout=30)
            stats["requests"] += 2
            stub = response.json().get("response", {}).get(ids.SNAPSHOT) if response.status_code == 200 else None
            if stub is not None:
                known = stub["data"]
                session.get(base + "/api/v1/snapshot", timeout=30).raise_for_status()
                stats["requests"] += 1
            elif response.status_code not in (200, 204):  # 200 with an empty response: nothing new
                stats["errors"] += 1
                stats["error_samples"].append(f"{response.status_code} {response.text[:200]}")
        except requests.RequestException:
            stats["errors"] += 1
        stats["latencies"].append((time.perf_counter() - started) * 1000)
        n += 1
        stop.wait(max(0.0, poll - (time.perf_counter() - started)))


def measure_viewers(url: str, counts: tuple[int, ...], window: float, poll: float) -> list[ViewerRun]:
    import logging

    from werkzeug.serving import make_server

    from app import create_app

    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    env = {**os.environ, "DATABASE_URL": url, "POLL_SECONDS": str(poll)}
    env.pop("REDIS_URL", None)
    runtime = Runtime.from_environment(env)
    app = create_app(runtime, demo=False, poller=True)
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    while runtime.cache.version() is None:
        time.sleep(0.5)
    counter = QueryCounter(runtime.engine)
    arrivals_stop = threading.Event()
    writer = NewCases(make_engine(url), runtime.rules)  # its own engine: not counted

    def arrivals() -> None:
        while not arrivals_stop.wait(1.0):
            try:
                writer.write(1)
                arrived["ok"] += 1
            except Exception:  # SQLite may refuse a write while the poller holds the lock: retry next second
                arrived["failed"] += 1

    arrived = {"ok": 0, "failed": 0}

    threading.Thread(target=arrivals, daemon=True).start()
    runs = []
    try:
        for n in counts:
            stop = threading.Event()
            stats = {"requests": 0, "errors": 0, "latencies": [], "error_samples": []}
            threads = [threading.Thread(target=viewer, args=(base, poll, stop, stats), daemon=True) for _ in range(n)]
            for thread in threads:
                thread.start()
            time.sleep(2 * poll)  # every viewer has loaded its first snapshot
            first_count, first_arrived = counter.count, dict(arrived)
            first_version, started = runtime.cache.version(), time.perf_counter()
            versions = {first_version}
            while time.perf_counter() - started < window:
                versions.add(runtime.cache.version())
                time.sleep(0.05)
            elapsed = time.perf_counter() - started
            statements = counter.count - first_count
            stop.set()
            for thread in threads:
                thread.join(timeout=60)
            if stats["error_samples"]:
                print(f"{n} viewers, first errors:", stats["error_samples"][:3], flush=True)
            new_cases = arrived["ok"] - first_arrived["ok"], arrived["failed"] - first_arrived["failed"]
            runs.append(ViewerRun(n, elapsed, statements, len(versions) - 1, stats["requests"], stats["errors"],
                                  stats["latencies"], new_cases))  # fmt: skip
    finally:
        arrivals_stop.set()
        server.shutdown()
        app.server.config["poller_stop"].set()
    return runs


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def report(args, url_kind: str, cases: int, seeded: float | None, first: tuple[float, float, float],
           ticks: list[Tick], open_cases: int, runs: list[ViewerRun]) -> str:  # fmt: skip
    rebuilt, cold, settle = first
    lines = [
        "# Live pipeline benchmark",
        "",
        f"`python bench/bench_pipeline.py --engine {url_kind}`, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}. Database: {url_kind}, {cases:,} cases "
        f"({args.days} days x {args.per_day:,}; "
        + ("seeded in this run in " + f"{seeded:.0f} s" if seeded else "reused from an earlier run")
        + f"), {open_cases:,} open cases in the SLA set.",
        "",
        "## Tick time (one poller tick: rollups, open cases, snapshot, publish)",
        "",
        f"Rollup rebuild from all cases (once per deployment or rules change; `rollups.rebuild`): {rebuilt:.1f} s. "
        f"Cold first tick (open-case load, first snapshot with its slow lane): {cold:.1f} s. Next tick: "
        f"{settle:.1f} s.",
        "",
        "Warm ticks, slow lane not recomputed (median of the ticks listed; phases are medians too):",
        "",
        "| changed cases | ticks | tick ms | change feed (rollups + open cases) ms | build_snapshot ms "
        "| SQL statements / tick |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    fast = {k: [t for t in ticks if t.changed == k and not t.slow_lane] for k in (0, 1, 100)}
    for k, group in fast.items():
        if not group:
            lines.append(f"| {k} | 0 | (every tick recomputed the slow lane) | | | |")
            continue
        phase = {name: _median([t.phases_ms.get(name, 0) for t in group]) for name in group[0].phases_ms}
        lines.append(
            f"| {k} | {len(group)} | {_median([t.total_ms for t in group]):.0f} "
            f"| {phase.get('change_feed.advance', 0):.0f} | {phase.get('build_snapshot', 0):.0f} "
            f"| {_median([t.statements for t in group]):.0f} |"
        )
    one, hundred = fast[1], fast[100]
    if one and hundred:
        ratio = _median([t.total_ms for t in hundred]) / _median([t.total_ms for t in one])
        lines += ["", f"Tick with 100 changed cases / tick with 1 changed case: **{ratio:.2f}x** (same run)."]
    slow = [t for t in ticks if t.slow_lane]
    if slow:
        lines += ["", "Ticks that also recomputed part of the slow lane (rankings/periods/hotspots): "
                  + ", ".join(f"{t.total_ms:.0f} ms ({t.changed} changed)" for t in slow) + "."]  # fmt: skip
    lines += [
        "",
        f"## Database statements per minute, 1 vs {runs[-1].viewers} viewers",
        "",
        f"Live app (Dash + API, in-process poller every {args.poll:g} s), one new case per second, "
        f"{args.window:g} s window per run. Each viewer: version check + Dash poll callback every interval, "
        "snapshot fetch when the version moved.",
        "",
        "| viewers | window s | new cases (refused) | SQL statements / min | snapshots published "
        "| statements / snapshot | viewer requests / min | request errors | viewer cycle p50 ms | p95 ms |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        lat = sorted(run.latencies_ms) or [float("nan")]
        lines.append(
            f"| {run.viewers} | {run.seconds:.0f} | {run.arrivals[0]} ({run.arrivals[1]}) | {run.per_minute:.0f} "
            f"| {run.ticks} | {run.per_tick:.1f} "
            f"| {run.requests * 60 / run.seconds:.0f} | {run.errors} | {_median(lat):.0f} "
            f"| {lat[int(0.95 * (len(lat) - 1))]:.0f} |"
        )
    lines += [
        "",
        f"Statements per minute, {runs[-1].viewers} viewers / 1 viewer: "
        f"**{runs[-1].per_minute / runs[0].per_minute:.2f}x**; per published snapshot: "
        f"**{runs[-1].per_tick / runs[0].per_tick:.2f}x** (same run). Viewers add no database work: every "
        "statement counted is the poller's (and the case arrivals are written through a separate engine).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--days", type=int, default=143)
    parser.add_argument("--per-day", type=int, default=7000)
    parser.add_argument("--viewers", type=int, default=50)
    parser.add_argument("--window", type=float, default=60.0, help="seconds measured per viewer count")
    parser.add_argument("--poll", type=float, default=5.0, help="POLL_SECONDS of the live app")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    url = database_url(args.engine, args.days, args.per_day)
    cases, seeded = prepare(url, args.days, args.per_day)
    print(f"database ready: {cases:,} cases", flush=True)
    first, ticks, open_cases = measure_ticks(url)
    print(f"ticks measured (first ticks {first})", flush=True)
    runs = measure_viewers(url, (1, args.viewers), args.window, args.poll)
    text_out = report(args, args.engine, cases, seeded, first, ticks, open_cases, runs)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text_out + "\n", encoding="utf-8")
    print(text_out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

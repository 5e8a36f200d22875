"""A bounded soak (issue 14): `python -m bench soak --minutes 30`.

The production shape on this machine, for N minutes: PostgreSQL (a throwaway database on
BENCH_PG_ADMIN_URL, dropped afterwards), a private redis-server, `gunicorn` with 2 workers
(HOTLINE_ROLE=web), the poller in its own process, the simulator at 10x the demo rate, 50
simulated viewers (what an open screen asks every poll interval) and the wall page open in a real
headless Chromium the whole time. Every `--sample` seconds it records: each worker's and the
poller's resident memory (/proc), the wall tab's JS heap (performance.memory), the poller's SQL
statements (counted in the poller process), viewer errors, the wall's freshness badge and /health.

"No growth" is judged on the second half against the first (warm-up excluded): a ratio near 1.00.
Memory: medians of RSS; the JS heap saws with garbage collection, so its floor (minimum) is
compared. Database work: statements per poller tick (statements per minute follow the tick rate,
which a loaded machine slows down). Figures go to bench/results/soak.json and the
soak section of docs/benchmarks.md (bench/report.py).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import requests

from bench.login import production_env, screen_tokens, signed_in
from bench.report import DOC, write_markdown

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "soak.json"
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
DEMO_RATE = 0.12  # app.DEMO_RATE (orders per second)
POLL_SECONDS = 5.0
CALLER_KEY = "soak-caller-key"  # seeds and serves with the same key, as a deployment does
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")

# The poller process: the real Poller.run, its SQL statements and ticks written to a file each second.
POLLER_MAIN = """
import json, os, threading, sys
from sqlalchemy import event
from dashboard.runtime import Runtime
runtime = Runtime.from_environment()
count = [0]
event.listen(runtime.engine, "before_cursor_execute", lambda *a: count.__setitem__(0, count[0] + 1))
stop = threading.Event()
poller = runtime.make_poller(standby=False)
def report():
    while not stop.wait(1.0):
        with open(sys.argv[1] + ".tmp", "w") as f:
            json.dump({"statements": count[0], "ticks": poller.ticks}, f)
        os.replace(sys.argv[1] + ".tmp", sys.argv[1])
threading.Thread(target=report, daemon=True).start()
poller.run(stop)
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--minutes", type=float, default=30, help="how long to soak (default 30)")
    parser.add_argument("--viewers", type=int, default=50, help="simulated viewers (default 50)")
    parser.add_argument("--rate-factor", type=float, default=10, help="simulator rate / demo rate (default 10)")
    parser.add_argument("--sample", type=float, default=30, help="seconds between samples (default 30)")
    parser.add_argument("--seed-days", type=int, default=14, help="days of history seeded first (default 14)")
    parser.add_argument("--warmup", type=float, default=2, help="minutes left out of the growth ratios (default 2)")


def rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"soak: {what} not ready within {timeout:.0f} s")


class Viewers:
    """N simulated screens in threads (bench_pipeline's viewer: what an open screen asks each interval)."""

    def __init__(self, base: str, count: int, token: str) -> None:
        sys.path.insert(0, str(ROOT))
        from bench.bench_pipeline import viewer

        self.stop = threading.Event()
        self.stats = {"requests": 0, "errors": 0, "latencies": [], "error_samples": []}
        self.threads = [threading.Thread(target=viewer, daemon=True,
                                         args=(base, POLL_SECONDS, self.stop, self.stats, signed_in(base, token)))
                        for _ in range(count)]  # fmt: skip
        for thread in self.threads:
            thread.start()

    def close(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)


class Wall:
    """The wall overview in headless Chromium, kept open; reads its JS heap and freshness badge."""

    def __init__(self, url: str) -> None:
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        flags = ["--no-sandbox", "--disable-gpu", "--enable-precise-memory-info", "--disable-background-networking"]
        self.browser = self._pw.chromium.launch(executable_path=CHROMIUM, args=flags)
        self.page = self.browser.new_page(viewport={"width": 1920, "height": 1080})
        self.errors: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(url, wait_until="load", timeout=120_000)
        self.page.wait_for_selector("#freshness-badge", timeout=120_000)

    def sample(self) -> dict:
        state = self.page.evaluate(
            "() => ({heap: performance.memory ? performance.memory.usedJSHeapSize : null,"
            " badge: (document.querySelector('#freshness-badge') || {}).className || '',"
            " nodes: document.getElementsByTagName('*').length})"
        )
        return {"heap_bytes": state["heap"], "badge": state["badge"], "dom_nodes": state["nodes"]}

    def close(self) -> None:
        self.browser.close()
        self._pw.stop()


def _ratio(values: list[float], of=statistics.median) -> float | None:
    """`of` the second half / `of` the first half (1.00 = flat)."""
    values = [v for v in values if v is not None]
    if len(values) < 4:
        return None
    half = len(values) // 2
    first, second = of(values[:half]), of(values[half:])
    return round(second / first, 3) if first else None


def summarise(samples: list[dict], warmup_s: float, meta: dict) -> dict:
    kept = [s for s in samples if s["t"] >= warmup_s]
    rates = [s["statements_per_min"] for s in kept if s.get("statements_per_min") is not None]
    workers = sorted({w for s in kept for w in s["worker_rss_kib"]})
    return {
        **meta,
        "samples": len(samples),
        "samples_after_warmup": len(kept),
        "growth_second_half_vs_first": {
            "poller_rss": _ratio([s["poller_rss_kib"] for s in kept]),
            **{f"worker_{w}_rss": _ratio([s["worker_rss_kib"].get(w) for s in kept]) for w in workers},
            "browser_js_heap_floor": _ratio([s["js_heap_bytes"] for s in kept], min),
            "statements_per_tick": _ratio([s.get("statements_per_tick") for s in kept]),
        },
        "poller_rss_mib": _span([s["poller_rss_kib"] / 1024 for s in kept if s["poller_rss_kib"]]),
        "worker_rss_mib": _span([v / 1024 for s in kept for v in s["worker_rss_kib"].values()]),
        "js_heap_mib": _span([s["js_heap_bytes"] / 2**20 for s in kept if s["js_heap_bytes"]]),
        "statements_per_min": _span(rates),
        "statements_per_tick": _span([s["statements_per_tick"] for s in kept if s.get("statements_per_tick")]),
        "viewer_requests": samples[-1]["viewer_requests"] if samples else 0,
        "viewer_errors": samples[-1]["viewer_errors"] if samples else 0,
        "stale_or_late_samples": sum(1 for s in kept if "freshness-live" not in s["badge"]),
        "health_not_ok_samples": sum(1 for s in kept if s["health"] != "ok"),
        "max_snapshot_age_s": max((s["snapshot_age_s"] or 0 for s in kept), default=None),
    }


def _span(values: list[float]) -> dict | None:
    if not values:
        return None
    return {"min": round(min(values), 1), "median": round(statistics.median(values), 1), "max": round(max(values), 1)}


def run(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import create_engine, func, select, text

    from dashboard.assessment.rules import load_rules
    from dashboard.settings import load_settings
    from dashboard.store.db import make_engine, migrate
    from dashboard.store.schema import Case
    from data_loader.demo.seed import seed_database
    from data_loader.reference_tables import load_reference

    name = f"hotline_soak_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    work = Path(os.environ.get("TMPDIR", "/tmp")) / name
    work.mkdir(parents=True)
    procs: dict[str, subprocess.Popen] = {}
    closers = []
    try:
        engine = make_engine(url)
        migrate(engine)
        load_reference(engine)
        rules = load_rules(load_settings({}).rules_path)
        print(f"soak: seeding {args.seed_days} days into {name}", flush=True)
        seed_database(engine, rules, days=args.seed_days, per_day=2000, seed=7, caller_key=CALLER_KEY)
        redis_port, web_port = free_port(), free_port()
        procs["redis"] = subprocess.Popen(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1",
                                           "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)  # fmt: skip
        env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
               "POLL_SECONDS": str(POLL_SECONDS), "HOTLINE_LOG_LEVEL": "WARNING"}  # fmt: skip
        env = production_env(env, CALLER_KEY)
        screens = screen_tokens(engine)
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        logs = {n: open(work / f"{n}.log", "w") for n in ("poller", "web", "simulator")}  # noqa: SIM115
        counts = work / "poller-statements.json"
        procs["poller"] = subprocess.Popen([sys.executable, "-c", POLLER_MAIN, str(counts)], cwd=ROOT, env=env,
                                           stdout=logs["poller"], stderr=subprocess.STDOUT)  # fmt: skip
        procs["web"] = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "docs/gunicorn.conf.py", "--workers", "2",
             "--bind", f"127.0.0.1:{web_port}", "app:server"], cwd=ROOT, env={**env, "HOTLINE_ROLE": "web"},
            stdout=logs["web"], stderr=subprocess.STDOUT,
        )  # fmt: skip
        rate = DEMO_RATE * args.rate_factor
        procs["simulator"] = subprocess.Popen(
            [sys.executable, "-m", "data_loader", "simulate", "--rate", str(rate), "--tick", str(POLL_SECONDS),
             "--flat"],
            cwd=ROOT, env=env, stdout=logs["simulator"], stderr=subprocess.STDOUT,
        )  # fmt: skip
        base = f"http://127.0.0.1:{web_port}"
        wait_until(lambda: requests.get(base + "/health", timeout=10).json()["status"] == "ok", 600, "/health ok")
        viewers = Viewers(base, args.viewers, screens["wall"])
        closers.append(viewers.close)
        wall = Wall(base + f"/?kiosk=1&token={screens['wall']}")
        closers.append(wall.close)
        with engine.connect() as conn:
            cases_start = conn.scalar(select(func.count()).select_from(Case))
        began = datetime.now(UTC).isoformat(timespec="seconds")
        print(f"soak: running {args.minutes:g} min", flush=True)
        samples: list[dict] = []
        started = time.monotonic()
        last = None
        while (t := time.monotonic() - started) < args.minutes * 60:
            poller_counts = json.loads(counts.read_text()) if counts.exists() else None
            rate_now = per_tick = None
            if poller_counts and last:
                statements, ticks = (
                    poller_counts["statements"] - last[0]["statements"],
                    poller_counts["ticks"] - last[0]["ticks"],
                )
                rate_now = round(statements * 60 / (t - last[1]), 1)
                per_tick = round(statements / ticks, 1) if ticks else None
            last = (poller_counts, t) if poller_counts else None
            try:
                health = requests.get(base + "/health", timeout=30).json()
            except (requests.RequestException, ValueError):
                health = {"status": "unreachable", "snapshot_age_seconds": None}
            browser = wall.sample()
            samples.append({
                "t": round(t, 1), "poller_rss_kib": rss_kib(procs["poller"].pid),
                "worker_rss_kib": {str(i): rss_kib(p) for i, p in enumerate(sorted(children(procs["web"].pid)))},
                "js_heap_bytes": browser["heap_bytes"], "dom_nodes": browser["dom_nodes"], "badge": browser["badge"],
                "statements": (poller_counts or {}).get("statements"), "statements_per_min": rate_now,
                "statements_per_tick": per_tick, "health": health["status"],
                "snapshot_age_s": health.get("snapshot_age_seconds"),
                "viewer_requests": viewers.stats["requests"], "viewer_errors": viewers.stats["errors"],
            })  # fmt: skip
            print(f"soak: {json.dumps(samples[-1])}", flush=True)
            time.sleep(max(0.0, args.sample - (time.monotonic() - started - t)))
        with engine.connect() as conn:
            cases_end = conn.scalar(select(func.count()).select_from(Case))
        meta = {
            "minutes": args.minutes, "started": began,
            "machine": f"{os.cpu_count()} CPUs, Python {platform.python_version()}", "rate": rate,
            "rate_factor": args.rate_factor, "viewers": args.viewers, "sample_s": args.sample,
            "warmup_min": args.warmup, "page_errors": len(wall.errors), "cases_start": cases_start,
            "cases_end": cases_end, "viewer_error_samples": viewers.stats["error_samples"][:5],
        }  # fmt: skip
        summary = summarise(samples, args.warmup * 60, meta)
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps({"summary": summary, "samples": samples}, indent=1), encoding="utf-8")
        write_markdown(RESULTS.parent, DOC)
        print(json.dumps(summary, indent=1))
        g = summary["growth_second_half_vs_first"]
        grew = [k for k, v in g.items() if v is not None and v > 1.10]
        if grew:
            print(f"soak: grew by more than 10%: {', '.join(grew)}", file=sys.stderr)
        failed = summary["viewer_errors"] or summary["page_errors"] or grew
        return 1 if failed else 0
    finally:
        for close in reversed(closers):
            try:
                close()
            except Exception as exc:
                print(f"soak: cleanup: {exc}", file=sys.stderr)
        for proc in reversed(list(procs.values())):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())

"""Poller ticks on a benchmark database: the cold first tick and warm ticks after k new cases.

Each warm tick also records the poller thread's own CPU time: on a shared machine the wall time
includes waiting for the other tenants' processes, the CPU time is what the tick itself costs.
Warm ticks are what a running deployment does every POLL_SECONDS: fold the changes into the
rollups and the open-case set, build the snapshot, publish it. A tick whose slow lane recomputed
(rankings every 60 s, hotspots ...) runs that work on a background thread, so it is counted too.
"""

from __future__ import annotations

import json
import os
import statistics
import time
import uuid
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import Engine, select

from dashboard.assessment.rules import Rules
from dashboard.live.cache import MemoryCache
from dashboard.runtime import Runtime
from dashboard.store.case_rows import complete_cases, insert_cases
from dashboard.store.db import make_engine
from dashboard.store.schema import Case

TEMPLATE_COLUMNS = ("category", "subcategory", "urgency", "district_code", "township_code", "lat", "lon", "channel")


class NewCases:
    """Writes k new orders shaped like existing ones (as the simulator or an import would)."""

    def __init__(self, engine: Engine, rules: Rules) -> None:
        self.engine = engine
        self.rules = rules
        with engine.connect() as conn:
            rows = conn.execute(select(*(getattr(Case, c) for c in TEMPLATE_COLUMNS)).limit(2000)).all()
        self.templates = pd.DataFrame(rows, columns=list(TEMPLATE_COLUMNS))

    def write(self, k: int) -> None:
        now = datetime.now(UTC)
        frame = self.templates.sample(k, replace=True).reset_index(drop=True)
        frame["case_id"] = [f"BENCH-{uuid.uuid4().hex[:12]}" for _ in range(k)]
        frame["received_at"] = now
        insert_cases(self.engine, complete_cases(frame, self.rules, now))


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] if ordered else float("nan")


def measure(url: str, repeats: int) -> dict:
    """Cold tick, then `repeats` warm ticks per changed-case count; snapshot size and decode time."""
    runtime = Runtime.from_environment({**os.environ, "DATABASE_URL": url})
    runtime.cache = MemoryCache()
    poller = runtime.make_poller(standby=False)
    started = time.perf_counter()
    snapshot = poller.tick()
    cold = time.perf_counter() - started
    writer = NewCases(make_engine(url), runtime.rules)
    writer.write(1)
    poller.tick()  # the first warm tick re-reads the seed's shared watermark instant once
    warm: dict[str, dict] = {}
    for changed in (1, 100, 1000):
        times, cpu = [], []
        for _ in range(repeats):
            writer.write(changed)
            started, cpu_started = time.perf_counter(), time.thread_time()
            snapshot = poller.tick()
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.thread_time() - cpu_started) * 1000)
        warm[str(changed)] = {"p50_ms": statistics.median(times), "p95_ms": p95(times), "ticks": len(times),
                              "cpu_p50_ms": statistics.median(cpu)}  # fmt: skip
    body = json.dumps(snapshot, ensure_ascii=False, separators=(",", ":")).encode()
    decode = []
    for _ in range(20):
        started = time.perf_counter()
        json.loads(body)
        decode.append((time.perf_counter() - started) * 1000)
    open_orders = int(snapshot["kpis"]["open"])
    runtime.engine.dispose()
    writer.engine.dispose()
    return {
        "cold_tick_s": cold,
        "warm_tick": warm,
        "snapshot_bytes": len(body),
        "snapshot_decode_ms": statistics.median(decode),
        "open_orders": open_orders,
    }

"""Prometheus metrics (`GET /metrics`, text format) with prometheus-client.

Counted where things happen: poller ticks (duration histogram by outcome, changed cases per tick),
HTTP requests (latency histogram by route template and method), imports (rows by outcome). Read at
scrape time from the cache: snapshot age and version, stale flag, cache state.

Processes: by default each process has its own registry, so a gunicorn deployment's /metrics
shows the worker that answered. For one view of all workers and a separate poller on a host, set
`PROMETHEUS_MULTIPROC_DIR` to an empty directory writable by all of them (cleared at each deploy):
every process then writes its samples there and /metrics aggregates them (prometheus-client's
multiprocess mode; histograms and counters sum across processes). The scrape-time gauges always
come from the answering worker's cache, which every worker shares through Redis.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from flask import Flask, Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

if TYPE_CHECKING:
    from dashboard.live.cache import SnapshotCache

TICK_SECONDS = Histogram("hotline_poller_tick_seconds", "Duration of one poller tick", ["outcome"],
                         buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 600))  # fmt: skip
TICK_CHANGES = Histogram("hotline_poller_changed_cases_per_tick", "Changed cases read by one tick",
                         buckets=(0, 1, 10, 100, 1000, 10_000, 100_000))  # fmt: skip
REQUEST_SECONDS = Histogram("hotline_http_request_seconds", "HTTP request latency", ["route", "method"],
                            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))  # fmt: skip
REQUESTS = Counter("hotline_http_requests", "HTTP requests answered", ["route", "status"])
IMPORT_ROWS = Counter("hotline_import_rows", "Imported rows by outcome", ["outcome"])
IMPORT_OUTCOMES = ("accepted", "updated", "unchanged", "rejected")


def observe_tick(seconds: float, ok: bool, changed: int | None) -> None:
    TICK_SECONDS.labels("ok" if ok else "failed").observe(seconds)
    if ok and changed is not None:
        TICK_CHANGES.observe(changed)


def count_import(summary: dict[str, int]) -> None:
    for outcome in IMPORT_OUTCOMES:
        IMPORT_ROWS.labels(outcome).inc(summary.get(outcome, 0))


class CacheCollector:
    """Snapshot age, version, stale flag and cache state, read from the cache at scrape time."""

    def __init__(self, cache: SnapshotCache) -> None:
        self.cache = cache

    def collect(self) -> Iterator[GaugeMetricFamily]:
        snapshot = self.cache.get()
        age = GaugeMetricFamily("hotline_snapshot_age_seconds", "Seconds since the served snapshot was built")
        version = GaugeMetricFamily("hotline_snapshot_version", "Version of the served snapshot")
        stale = GaugeMetricFamily("hotline_snapshot_stale", "1 while the served snapshot is flagged stale")
        if snapshot is not None:
            built = datetime.fromisoformat(snapshot["generated_at"])
            age.add_metric([], max(0.0, (datetime.now(UTC) - built).total_seconds()))
            version.add_metric([], float(snapshot["version"]))
            stale.add_metric([], 1.0 if snapshot.get("stale") else 0.0)
        state = GaugeMetricFamily("hotline_cache_state", "1 for the cache in use", labels=["kind", "shared"])
        state.add_metric([self.cache.kind, str(bool(self.cache.shared)).lower()], 1.0)
        yield from (age, version, stale, state)


def exposition(cache: SnapshotCache) -> bytes:
    """This process's (or, in multiprocess mode, every process's) metrics plus the scrape-time gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        counted = CollectorRegistry()
        MultiProcessCollector(counted)
        body = generate_latest(counted)
    else:
        from prometheus_client import REGISTRY

        body = generate_latest(REGISTRY)
    scrape = CollectorRegistry()
    scrape.register(CacheCollector(cache))
    return body + generate_latest(scrape)


def install(server: Flask, cache: SnapshotCache) -> None:
    """Time every request by its route template (not the raw path: bounded label values) and serve /metrics."""

    @server.before_request
    def start_timer() -> None:
        g.metrics_started = time.perf_counter()

    @server.after_request
    def observe_request(response: Response) -> Response:
        started = g.pop("metrics_started", None)
        if started is not None:
            route = request.url_rule.rule if request.url_rule is not None else "unmatched"
            REQUEST_SECONDS.labels(route, request.method).observe(time.perf_counter() - started)
            REQUESTS.labels(route, str(response.status_code)).inc()
        return response

    @server.get("/metrics")
    def metrics_route() -> Response:
        return Response(exposition(cache), content_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})

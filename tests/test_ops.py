"""Operations visible (issue 14): /health with reasons, JSON log lines with request ids, /metrics."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask

from dashboard.api.json_api import make_blueprint
from dashboard.assessment.rules import load_rules
from dashboard.live.cache import FallbackCache, MemoryCache, RedisCache
from dashboard.live.poller import Poller
from dashboard.ops import health as ops_health
from dashboard.ops import metrics
from dashboard.ops.logs import configure_logging, install_request_ids
from dashboard.runtime import Runtime
from dashboard.settings import REPO_ROOT, load_settings
from dashboard.store.db import make_engine
from data_loader.files.importer import import_file
from data_loader.reference_tables import load_reference

SETTINGS = load_settings({"POLL_SECONDS": "5"})
RULES = load_rules(SETTINGS.rules_path)


def snapshot(age_seconds: float, stale: dict | None = None) -> dict:
    built = datetime.now(UTC) - timedelta(seconds=age_seconds)
    return {"version": 42, "generated_at": built.isoformat(), "stale": stale, "kpis": {}}


def client_for(engine, cache) -> Flask:
    app = Flask("ops")
    runtime = Runtime(SETTINGS, engine, RULES, cache, "web")
    app.register_blueprint(make_blueprint(runtime))
    install_request_ids(app)
    metrics.install(app, runtime.cache)
    return app.test_client()


@pytest.fixture
def memory(sqlite_engine):
    cache = MemoryCache()
    return cache, client_for(sqlite_engine, cache)


def test_health_is_ok_with_no_reasons(memory):
    cache, client = memory
    cache.publish(snapshot(1))
    response = client.get("/health")
    assert response.status_code == 200 and response.json["status"] == "ok" and response.json["reasons"] == []


def test_a_stale_snapshot_is_degraded_with_its_reason(memory):
    cache, client = memory
    cache.publish(snapshot(1, stale={"since": "2026-10-10T02:00:00+00:00", "reason": "database unreachable: X"}))
    body = client.get("/health").json
    assert body["status"] == "degraded"
    assert body["reasons"] == ["snapshot stale since 2026-10-10T02:00:00+00:00: database unreachable: X"]


def test_a_snapshot_past_the_failing_age_is_failing_but_still_served(memory):
    cache, client = memory
    # POLL 5 s: failing after max(600, 120 x 5) = 600 s; 601 s old is past it.
    cache.publish(snapshot(601))
    response = client.get("/health")
    # 200: a load balancer must not drop every worker and blank the wall; monitoring reads the status.
    assert response.status_code == 200 and response.json["status"] == "failing"
    assert response.json["reasons"][0] == "the snapshot is 601 s old: screens show data that old"
    assert "no new snapshot" in response.json["reasons"][1]  # the derived stale flag, degraded


def test_an_unreachable_database_is_degraded_and_named(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}")  # a directory: SQLite cannot open it
    cache = MemoryCache()
    cache.publish(snapshot(1))
    body = client_for(engine, cache).get("/health").json
    assert body["status"] == "degraded" and body["database"].startswith("error: ")
    assert body["reasons"] == ["database unreachable (OperationalError)"]


def test_redis_down_is_degraded_and_says_the_cache_in_use(sqlite_engine, throwaway_redis):
    cache = FallbackCache(RedisCache(throwaway_redis.url), retry_seconds=0.1)
    cache.publish(snapshot(1))
    client = client_for(sqlite_engine, cache)
    assert client.get("/health").json["status"] == "ok"
    throwaway_redis.stop()
    body = client.get("/health").json
    assert body["status"] == "degraded" and body["cache"] == "memory (redis unreachable)"
    assert body["reasons"] == ["cache: redis unreachable: ConnectionError"]


def test_a_registered_check_such_as_the_holiday_calendar_adds_its_reason(memory):
    cache, client = memory
    cache.publish(snapshot(1))

    def holidays(runtime, snap, now):
        return [ops_health.Finding("degraded", f"holiday calendar missing for {now.year + 1}")]

    def broken(runtime, snap, now):
        raise RuntimeError("boom")

    ops_health.register_check(holidays)
    ops_health.register_check(broken)
    try:
        body = client.get("/health").json
    finally:
        ops_health.unregister_check(holidays)
        ops_health.unregister_check(broken)
    assert body["status"] == "degraded"
    assert body["reasons"] == [f"holiday calendar missing for {datetime.now(UTC).year + 1}",
                               "health check broken failed: RuntimeError('boom')"]  # fmt: skip
    assert client.get("/health").json["status"] == "ok"


def test_log_lines_are_json_with_the_request_id(memory):
    cache, client = memory
    cache.publish(snapshot(1))
    out = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    configure_logging("INFO", out, "json")
    try:
        response = client.get("/api/v1/townships/nope", headers={"X-Request-Id": "req-123"})
        try:
            raise ValueError("a bad thing\nacross two lines")
        except ValueError:
            logging.getLogger("hotline.test").exception("it failed", extra={"case_id": "C1"})
    finally:
        root.handlers[:], _ = saved[0], root.setLevel(saved[1])
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert response.headers["X-Request-Id"] == "req-123"
    access = next(e for e in lines if e["logger"] == "hotline.access")
    assert access["request_id"] == "req-123" and access["status"] == 404 and access["path"] == "/api/v1/townships/nope"
    failed = next(e for e in lines if e["msg"] == "it failed")
    assert failed["level"] == "error" and failed["case_id"] == "C1" and "across two lines" in failed["exc"]
    assert len(out.getvalue().splitlines()) == len(lines) == 2  # one line per event, the traceback included


def test_an_insane_request_id_is_replaced(memory):
    _, client = memory
    response = client.get("/api/v1/version", headers={"X-Request-Id": "x" * 65})
    assert len(response.headers["X-Request-Id"]) == 32


def sample(text: str, name: str, **labels: str) -> float:
    from prometheus_client.parser import text_string_to_metric_families

    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return s.value
    raise AssertionError(f"no sample {name} {labels}")


def test_metrics_count_ticks_requests_imports_and_read_the_cache(sqlite_engine, memory, tmp_path):
    cache, client = memory
    load_reference(sqlite_engine)
    before = client.get("/metrics").get_data(as_text=True)
    ok_ticks = sample(before, "hotline_poller_tick_seconds_count", outcome="ok") if 'outcome="ok"' in before else 0
    accepted = (
        sample(before, "hotline_import_rows_total", outcome="accepted") if "hotline_import_rows_total{" in before else 0
    )

    path = tmp_path / "two.csv"  # one good row, one without its category: 1 accepted, 1 rejected
    path.write_text("工单编号,受理时间,问题分类,所属区,街乡镇\nM1,2026-10-01 09:00,住房,朝阳区,建外街道\n"
                    "M2,2026-10-01 09:00,,朝阳区,建外街道\n", encoding="utf-8")  # fmt: skip
    import_file(sqlite_engine, path, SETTINGS, RULES)
    poller = Poller(sqlite_engine, RULES, cache, SETTINGS.tz, 5.0)
    assert poller.tick_or_mark_stale()
    client.get("/api/v1/townships/110105001")

    text = client.get("/metrics").get_data(as_text=True)
    # >=: another poller in this process (a live server fixture) may tick meanwhile
    assert sample(text, "hotline_poller_tick_seconds_count", outcome="ok") >= ok_ticks + 1
    assert sample(text, "hotline_import_rows_total", outcome="accepted") == accepted + 1
    assert sample(text, "hotline_import_rows_total", outcome="rejected") >= 1
    assert sample(text, "hotline_http_request_seconds_count", route="/api/v1/townships/<code>", method="GET") >= 1
    assert sample(text, "hotline_snapshot_version") == cache.get()["version"]
    assert sample(text, "hotline_snapshot_age_seconds") >= 0
    assert sample(text, "hotline_snapshot_stale") == 0
    assert sample(text, "hotline_cache_state", kind="memory", shared="false") == 1
    assert sample(text, "hotline_poller_changed_cases_per_tick_count") >= 1


def test_multiprocess_mode_sums_every_process(tmp_path):
    """Two processes count imports into one PROMETHEUS_MULTIPROC_DIR; a third's /metrics sums them."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PYTHONPATH": str(REPO_ROOT)}
    count = "from dashboard.ops import metrics; metrics.count_import({'accepted': %d})"
    for n in (2, 3):
        subprocess.run([sys.executable, "-c", count % n], env=env, check=True, timeout=120)
    read = ("from dashboard.ops import metrics; from dashboard.live.cache import MemoryCache\n"
            "print(metrics.exposition(MemoryCache()).decode())")  # fmt: skip
    text = subprocess.run([sys.executable, "-c", read], env=env, check=True, timeout=120, capture_output=True,
                          text=True).stdout  # fmt: skip
    assert sample(text, "hotline_import_rows_total", outcome="accepted") == 5  # 2 + 3
    assert list(Path(tmp_path).glob("counter_*.db"))  # the samples live in files, not in one process

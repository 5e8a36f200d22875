"""Production serving as documented in docs/deploy.md: gunicorn with 2 workers (HOTLINE_ROLE=web),
`python -m dashboard poller` as its own process, PostgreSQL and Redis; every process is killed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.request import urlopen

import pytest

from dashboard.assessment.rules import load_rules
from dashboard.settings import load_settings
from data_loader.demo.seed import seed_database
from tests.conftest import free_port

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent


def get_json(url: str) -> tuple[int, dict, str]:
    """Status, body and the answering worker's pid; (0, {}, "") while nothing listens yet."""
    try:
        with urlopen(url, timeout=10) as response:
            return response.status, json.load(response), response.headers["X-Hotline-Worker"]
    except HTTPError as exc:
        return exc.code, json.load(exc), exc.headers["X-Hotline-Worker"]
    except URLError:
        return 0, {}, ""


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def test_gunicorn_two_workers_and_a_separate_poller_on_postgresql_and_redis(pg_engine, pg_url, redis_url, tmp_path):
    rules = load_rules(load_settings().rules_path)
    seed_database(pg_engine, rules, days=3, per_day=1500, seed=7, caller_key="test")
    port = free_port()
    env = {**os.environ, "DATABASE_URL": pg_url, "REDIS_URL": redis_url, "POLL_SECONDS": "1"}
    logs = {name: open(tmp_path / f"{name}.log", "w") for name in ("poller", "gunicorn")}  # noqa: SIM115
    poller = subprocess.Popen([sys.executable, "-m", "dashboard", "poller"], cwd=ROOT, env=env,
                              stdout=logs["poller"], stderr=subprocess.STDOUT)  # fmt: skip
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}", "--timeout", "120",
         "app:server"], cwd=ROOT, env={**env, "HOTLINE_ROLE": "web"}, stdout=logs["gunicorn"], stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    answered: dict[str, dict] = {}
    last: tuple[int, dict] = (0, {})
    try:
        deadline = time.monotonic() + 120
        while len(answered) < 2 and time.monotonic() < deadline:
            assert poller.poll() is None and web.poll() is None, "a process died: see the logs in " + str(tmp_path)
            code, health, worker = get_json(base + "/health")
            last = (code, health)
            if code == 200 and health["status"] == "ok":
                answered.setdefault(worker, health)
            else:
                time.sleep(0.2)
        assert len(answered) == 2, (answered, last, (tmp_path / "poller.log").read_text()[-3000:])
        for health in answered.values():
            assert health["cache"] == "redis" and health["database_engine"] == "postgresql"
            # Fresh, not timed: a snapshot is there and the poller has not marked it stale ("ok" above).
            assert health["role"] == "web" and health["snapshot_version"] and health["snapshot_stale"] is None
        versions = {}
        while len(versions) < 2 and time.monotonic() < deadline:
            code, snapshot, worker = get_json(base + "/api/v1/snapshot")
            assert code == 200 and snapshot["kpis"]["orders_today"] > 0 and snapshot["stale"] is None
            versions.setdefault(worker, snapshot["version"])
        assert len(versions) == 2
    finally:
        stop(web)
        stop(poller)
        for log in logs.values():
            log.close()

"""The JSON API on a seeded SQLite database: version, snapshot, rankings, township detail, health."""

from __future__ import annotations

import os

import pytest
from flask import Flask

from dashboard.api.json_api import deploy_id, make_blueprint
from dashboard.assessment.rankings import rankings_payload
from dashboard.live.cache import MemoryCache
from dashboard.runtime import Runtime
from dashboard.scope import Scope
from data_loader.demo.seed import seed_database


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    """A worker's API over a database with three days of history and one published snapshot."""
    url = f"sqlite:///{tmp_path_factory.mktemp('api') / 'api.db'}"
    runtime = Runtime.from_environment({**os.environ, "DATABASE_URL": url, "POLL_SECONDS": "5"})
    runtime.cache = MemoryCache()
    seed_database(runtime.engine, runtime.rules, days=3, per_day=1500, seed=7, caller_key="test")
    runtime.make_poller(standby=False).tick()
    app = Flask("api")
    app.register_blueprint(make_blueprint(runtime))
    yield runtime, app.test_client()
    runtime.engine.dispose()


def test_version_is_tiny_uncached_and_names_the_deployment(api):
    runtime, client = api
    response = client.get("/api/v1/version")
    assert response.json == {"version": runtime.cache.version(), "boot_id": deploy_id()}
    assert response.headers["Cache-Control"] == "no-store"


def test_snapshot_is_the_published_one_with_its_freshness(api):
    runtime, client = api
    body = client.get("/api/v1/snapshot").json
    assert body["version"] == runtime.cache.version()
    assert body["stale"] is None and body["kpis"]["orders_today"] > 0
    assert {"generated_at", "data_as_of", "countdowns", "map", "rankings"} <= body.keys()


def test_rankings_endpoint_returns_the_cli_json(api):
    runtime, client = api
    month = runtime.cache.get()["month"]
    response = client.get(f"/api/v1/rankings?period=month&date={month}&level=township")
    assert response.status_code == 200
    expected = rankings_payload(runtime.engine, runtime.rules, "month", month, "township", Scope.all())
    assert response.json == expected
    district = client.get(f"/api/v1/rankings?period=month&date={month}&level=district").json
    assert len(district["rows"]) == 16


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "missing parameter(s): period, date"),
        ("?period=month", "missing parameter(s): date"),
        ("?period=week&date=2026-10", "period must be one of day, month"),
        ("?period=month&date=2026-13", "date for period=month must be YYYY-MM"),
        ("?period=day&date=2026-10", "date for period=day must be YYYY-MM-DD"),
        ("?period=month&date=2026-10&level=street", "level must be one of"),
    ],
)
def test_rankings_endpoint_explains_bad_parameters(api, query, message):
    response = api[1].get("/api/v1/rankings" + query)
    assert response.status_code == 400
    assert message in response.json["error"]


def test_township_detail_joins_snapshot_values_and_names(api):
    runtime, client = api
    snapshot = runtime.cache.get()
    code = max(snapshot["map"]["township"], key=lambda c: snapshot["map"]["township"][c]["orders_today"])
    body = client.get(f"/api/v1/townships/{code}").json
    assert body["code"] == code and body["name"] == snapshot["names"]["township"][code]
    assert body["district_code"] == code[:6] and body["district_name"]
    assert body["today"]["orders_today"] == snapshot["map"]["township"][code]["orders_today"] > 0
    assert body["month"]["code"] == code and body["month"]["period"] == "month"
    assert all(c["township_code"] == code for c in body["countdowns"])
    missing = client.get("/api/v1/townships/110999999")
    assert missing.status_code == 404 and "unknown township" in missing.json["error"]


def test_health_is_ok_with_a_fresh_snapshot(api):
    body = api[1].get("/health").json
    assert body["status"] == "ok" and body["database"] == "ok" and body["cache"] == "memory"
    assert body["snapshot_stale"] is None and body["boot_id"] == deploy_id()


def test_no_snapshot_yet_answers_503_and_health_says_starting(sqlite_url):
    runtime = Runtime.from_environment({**os.environ, "DATABASE_URL": sqlite_url})
    runtime.cache = MemoryCache()
    app = Flask("empty")
    app.register_blueprint(make_blueprint(runtime))
    client = app.test_client()
    assert client.get("/api/v1/snapshot").status_code == 503
    health = client.get("/health")
    assert health.status_code == 503 and health.json["status"] == "starting"
    assert client.get("/api/v1/version").json["version"] is None


def test_deploy_id_is_stable_changes_with_the_code_and_can_be_set(tmp_path):
    (tmp_path / "app.py").write_text("print(1)")
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "x.js").write_text("var a;")
    first = deploy_id(tmp_path, env={})
    assert deploy_id(tmp_path, env={}) == first
    (tmp_path / "assets" / "x.js").write_text("var b;")
    assert deploy_id(tmp_path, env={}) != first
    assert deploy_id(tmp_path, env={"HOTLINE_BOOT_ID": "release-42"}) == "release-42"

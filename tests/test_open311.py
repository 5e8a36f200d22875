"""Open311 GeoReport v2 read API on SQLite and PostgreSQL: field names, filters, errors, no personal data."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from flask import Flask

from dashboard.api.json_api import make_blueprint
from dashboard.assessment.rules import load_rules
from dashboard.live.cache import MemoryCache
from dashboard.runtime import Runtime
from dashboard.settings import load_settings
from data_loader.demo.seed import seed_database
from data_loader.files.open311_reader import to_contract

SETTINGS = load_settings()
REQUEST_FIELDS = {
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
    "address", "address_id", "zipcode", "lat", "long", "media_url",
}  # fmt: skip


@pytest.fixture
def client(any_engine, insert_case):
    seed_database(any_engine, load_rules(SETTINGS.rules_path), days=3, per_day=600, seed=7, caller_key="test")
    insert_case(any_engine, "O311-1")
    runtime = Runtime(SETTINGS, any_engine, load_rules(SETTINGS.rules_path), MemoryCache())
    app = Flask("open311")
    app.register_blueprint(make_blueprint(runtime))
    return app.test_client()


def test_services_are_the_category_taxonomy(client):
    services = client.get("/open311/v2/services.json").json
    assert services and all(
        s.keys() == {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
        for s in services
    )
    leak = next(s for s in services if s["service_code"] == "住房/屋顶漏雨")
    assert leak["group"] == "住房" and leak["service_name"] == "屋顶漏雨" and leak["type"] == "realtime"


def test_a_single_request_follows_georeport_and_carries_no_personal_data(client):
    response = client.get("/open311/v2/requests/O311-1.json")
    assert response.status_code == 200
    [request] = response.json
    assert request.keys() >= REQUEST_FIELDS
    assert request["service_request_id"] == "O311-1" and request["status"] == "open"
    assert request["service_code"] == "住房/屋顶漏雨" and request["service_name"] == "屋顶漏雨"
    assert request["expected_datetime"] and request["requested_datetime"].endswith("+08:00")
    expected = datetime.fromisoformat(request["expected_datetime"])
    assert timedelta(hours=1) < expected - datetime.fromisoformat(request["requested_datetime"]) <= timedelta(hours=2)
    assert request["lat"] == 39.9 and request["long"] == 116.4
    text = json.dumps(response.json, ensure_ascii=False)
    for secret in ("13800138000", "f" * 64, "测试小区"):  # phone in the description, caller hash, home address
        assert secret not in text
    assert request["agency_responsible"] in request["address"]


def test_request_lists_filter_by_window_status_and_service(client):
    every = client.get("/open311/v2/requests.json").json
    assert 0 < len(every) <= 1000
    times = [r["requested_datetime"] for r in every]
    assert times == sorted(times, reverse=True)  # newest first
    closed = client.get("/open311/v2/requests.json?status=closed").json
    assert closed and {r["status"] for r in closed} == {"closed"}
    both = client.get("/open311/v2/requests.json?status=open,closed&limit=5").json
    assert len(both) == 5
    leaks = client.get("/open311/v2/requests.json", query_string={"service_code": "住房/屋顶漏雨"}).json
    assert leaks and {r["service_code"] for r in leaks} == {"住房/屋顶漏雨"}
    now = datetime.now(UTC)
    window = {"start_date": (now - timedelta(hours=6)).isoformat(), "end_date": now.isoformat()}
    recent = client.get("/open311/v2/requests.json", query_string=window).json
    assert recent and all(datetime.fromisoformat(r["requested_datetime"]) >= now - timedelta(hours=6) for r in recent)
    by_id = client.get("/open311/v2/requests.json?service_request_id=O311-1").json
    assert [r["service_request_id"] for r in by_id] == ["O311-1"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?start_date=yesterday", "start_date must be ISO 8601"),
        ("?start_date=2026-01-01&end_date=2026-06-01", "more than 90 days"),
        ("?start_date=2026-06-01&end_date=2026-01-01", "before start_date"),
        ("?status=pending", "status must be open and/or closed"),
        ("?limit=many", "limit must be a whole number"),
    ],
)
def test_bad_parameters_get_georeport_errors(client, query, message):
    response = client.get("/open311/v2/requests.json" + query)
    assert response.status_code == 400
    [error] = response.json
    assert error["code"] == 400 and message in error["description"]


def test_unknown_request_is_a_404_in_georeport_form(client):
    response = client.get("/open311/v2/requests/NOPE.json")
    assert response.status_code == 404 and response.json[0]["code"] == 404


def test_our_importer_reads_our_open311_output_back(client):
    """An Open311 client that is this project's own importer: ids and the township extension round-trip."""
    rows = client.get("/open311/v2/requests.json?limit=20").json
    frame = to_contract(pd.DataFrame(rows).astype({"township": "str", "district": "str"}))
    assert list(frame["case_id"]) == [r["service_request_id"] for r in rows]
    assert list(frame["township"]) == [r["township"] for r in rows]

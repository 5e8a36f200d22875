"""Bad request input is harmless (issue 14): every /api/v1 and /open311/v2 parameter, and a Dash
callback payload, out of range or malformed, answers 4xx JSON, never 500 and never a traceback.

Runs against the shared live server (a real seeded database and poller) through Flask's test client.
"""

from __future__ import annotations

import json
import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callbacks.payload_guard import output_ids
from layouts import ids

FUZZ = settings(max_examples=80, suppress_health_check=list(__import__("hypothesis").HealthCheck))
DATES = st.sampled_from(["0001-01-01", "9999-12-31", "9999-12", "0001-01", "2026-02-30", "2026-13", "2026-00-10",
                         "2026-10-01T00:00:00+08:00", "9999-12-31T23:59:59", "0001-01-01T00:00:00-23:59", "", "x",
                         "2026-10-01T25:00", "１２３４-０１", "2026-10\x00", "-1", "2026-W40"])  # fmt: skip
DATES = DATES | st.text(max_size=30)
CODES = st.sampled_from(["110105", "110105001", "999999", "", "../../etc", "1" * 500, "110105\x00", "住房/屋顶漏雨",
                         "%", "'; DROP TABLE cases; --"]) | st.text(max_size=20)  # fmt: skip
NUMBERS = st.sampled_from(["-1", "0", "1", "1000", "1001", "99999999999999999999999", "1e3", "NaN", "", " 5", "0x10"])


@pytest.fixture(scope="module")
def client(live_server):
    return live_server.app.server.test_client()


def check(response) -> None:
    assert response.status_code < 500 or response.status_code == 503, (response.status_code, response.data[:300])
    if response.status_code >= 400:
        body = response.get_json(silent=True)
        assert isinstance(body, (dict, list)), response.data[:300]  # JSON, not an HTML error page
        assert "Traceback" not in response.get_data(as_text=True)


@FUZZ
@given(period=st.sampled_from(["day", "month", "week", ""]) | st.text(max_size=8), date=DATES,
       level=st.sampled_from(["township", "district", "city", ""]) | st.text(max_size=8))  # fmt: skip
def test_rankings_parameters(client, period, date, level):
    check(client.get("/api/v1/rankings", query_string={"period": period, "date": date, "level": level}))


@FUZZ
@given(code=CODES)
def test_township_codes(client, code):
    check(client.get("/api/v1/townships/" + code.replace("/", "%2F").replace("?", "%3F").replace("#", "%23")))


@FUZZ
@given(start=DATES, end=DATES, status=st.sampled_from(["open", "closed", "open,closed", "x", ""]), code=CODES,
       limit=NUMBERS, ids=CODES)  # fmt: skip
def test_open311_request_lists(client, start, end, status, code, limit, ids):
    query = {"start_date": start, "end_date": end, "status": status, "service_code": code, "limit": limit}
    check(client.get("/open311/v2/requests.json", query_string=query))
    check(client.get("/open311/v2/requests.json", query_string={"service_request_id": ids}))


@FUZZ
@given(case_id=CODES)
def test_open311_one_request(client, case_id):
    check(
        client.get(f"/open311/v2/requests/{case_id.replace('/', '%2F').replace('?', '%3F').replace('#', '%23')}.json")
    )


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"period": "month", "date": "0001-01", "level": "township"}, "date"),
        ({"period": "day", "date": "9999-12-31", "level": "township"}, "date"),
        ({"period": "month", "date": "2026-13", "level": "township"}, "YYYY-MM"),
        ({"period": "month", "date": "2026-10", "level": "city"}, "level"),
    ],
)
def test_out_of_range_ranking_dates_are_400_with_a_reason(client, query, message):
    response = client.get("/api/v1/rankings", query_string=query)
    assert response.status_code == 400 and message in response.get_json()["error"]


@pytest.mark.parametrize("start", ["0001-01-01T00:00:00", "9999-12-31T23:59:59"])
def test_out_of_range_open311_dates_are_400_in_georeport_form(client, start):
    response = client.get("/open311/v2/requests.json", query_string={"start_date": start})
    body = response.get_json()
    assert response.status_code == 400 and body[0]["code"] == 400 and "start_date" in body[0]["description"]


PAYLOADS = st.sampled_from([b"", b"{", b"[]", b"null", b'{"output": 5}', b'{"output": "x", "inputs": "nope"}',
                            b'{"output": "a.children", "inputs": [{"id": 1}], "changedPropIds": null}',
                            b"\xff\xfe", b'{"output": "..a.children..", "outputs": [], "inputs": [[{}]]}']) | st.binary(
    max_size=80)  # fmt: skip


@FUZZ
@given(payload=PAYLOADS)
def test_malformed_dash_callback_payloads_are_400_without_a_logged_traceback(client, payload, caplog):
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        response = client.post("/_dash-update-component", data=payload, content_type="application/json")
    assert response.status_code in (400, 204), (response.status_code, response.data[:200])
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR and r.exc_info]
    assert logged == [], [r.getMessage() for r in logged]


SCALARS = st.none() | st.booleans() | st.integers() | st.text(max_size=10)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


@FUZZ
@given(data=st.data())
def test_well_shaped_callbacks_with_arbitrary_values_are_never_500(client, live_server, data, caplog):
    callbacks = live_server.app.callback_map
    output = data.draw(st.sampled_from(sorted(callbacks)))
    spec = callbacks[output]

    def entries(kind: str) -> list[dict]:
        return [{**dep, "value": data.draw(JSON_VALUES)} for dep in spec.get(kind, [])]

    outputs = [dict(zip(("id", "property"), o.rsplit(".", 1), strict=True)) for o in output_ids(output)]
    body = {"output": output, "outputs": outputs if len(outputs) > 1 else outputs[0],
            "inputs": entries("inputs"), "state": entries("state"),
            "changedPropIds": [f"{d['id']}.{d['property']}" for d in spec.get("inputs", [])[:1]]}  # fmt: skip
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        response = client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")
    assert response.status_code in (200, 204, 400), (output, response.status_code, response.data[:200])
    assert [r for r in caplog.records if r.levelno >= logging.ERROR and r.exc_info] == []


def test_a_well_formed_callback_still_answers(client):
    body = {
        "output": "..page-content.children...page-content.className..",
        "outputs": [{"id": "page-content", "property": "children"}, {"id": "page-content", "property": "className"}],
        "inputs": [{"id": "url", "property": "pathname", "value": "/rankings"},
                   {"id": "url", "property": "search", "value": ""}],
        "changedPropIds": ["url.pathname"],
    }  # fmt: skip
    response = client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 200 and ids.PAGE in json.loads(response.data)["response"]

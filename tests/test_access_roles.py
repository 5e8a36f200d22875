"""Every role against every route, callback and export (issue 12, "Done when").

One seeded SQLite app with login on (tests/access_app.py); requests go through Flask's test client
with real sessions, and callbacks are forged by hand as a curious user would send them.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from dashboard.access import tokens
from dashboard.store.schema import Case, Township
from layouts import ids
from tests.access_app import OTHER, OWN, ROLES, body_text, build_access_app, leaks


@pytest.fixture(scope="module")
def access(tmp_path_factory):
    made = build_access_app(tmp_path_factory.mktemp("access"))
    with made.runtime.engine.connect() as conn:
        made.own_town = conn.scalar(select(Township.code).where(Township.district_code == OWN).limit(1))
        made.other_town = conn.scalar(select(Township.code).where(Township.district_code == OTHER).limit(1))
    made.own_case = sorted(made.secrets["own_case_ids"])[0]
    made.other_case = sorted(made.secrets["other_case_ids"])[0]
    yield made
    made.app.server.config["poller_stop"].set()


@pytest.fixture(scope="module")
def clients(access):
    return {role: access.client(role) for role in (None, *ROLES)}


def routes(access) -> dict[str, str]:
    return {
        "page": "/", "map": "/map", "sla": "/sla?kiosk=1", "rankings": "/rankings",
        "own_district": f"/district/{OWN}", "other_district": f"/district/{OTHER}",
        "snapshot": "/api/v1/snapshot", "version": "/api/v1/version",
        "rankings_api": "/api/v1/rankings?period=day&date=2026-01-05&level=district",
        "township_api": f"/api/v1/townships/{access.other_town}", "geo": "/geo/districts.geojson",
        "services": "/open311/v2/services.json", "requests": "/open311/v2/requests.json",
        "own_request": f"/open311/v2/requests/{access.own_case}.json",
        "other_request": f"/open311/v2/requests/{access.other_case}.json",
        "layout": "/_dash-layout", "dependencies": "/_dash-dependencies",
    }  # fmt: skip


# Expected status per role; pages without a login redirect to the login page, the rest answer 401.
EXPECTED = {
    None: {"page": 302, "map": 302, "sla": 302, "rankings": 302, "own_district": 302, "other_district": 302},
    "wall": {"requests": 403, "own_request": 403, "other_request": 403},
    "district": {"other_request": 404},
}


@pytest.mark.parametrize("role", [None, *ROLES])
def test_every_role_against_every_route(access, clients, role):
    client = clients[role]
    for name, path in routes(access).items():
        expected = EXPECTED.get(role, {}).get(name, 401 if role is None else 200)
        answer = client.get(path)
        assert answer.status_code == expected, (role, name, answer.status_code, answer.data[:200])
        if role is None and expected == 302:
            assert answer.headers["Location"].startswith("/login?next=")
    assert client.get("/health").status_code in (200, 503)  # public for load balancers, never 401


def test_no_login_gets_401_from_callbacks_and_the_login_page_is_designed(access, clients):
    answer = clients[None].post("/_dash-update-component", json={"output": "page-content.children"})
    assert answer.status_code == 401
    page = clients[None].get("/login?lang=en")
    assert page.status_code == 200 and b"Sign in" in page.data and b"/assets/access.css" in page.data
    assert "登录".encode() in clients[None].get("/login").data


def route_answer(access, client, path: str, search: str = "") -> str:
    answer = access.callback(client, "page-content.children", {"url.pathname": path, "url.search": search})
    assert answer.status_code == 200, answer.data[:300]
    return body_text(answer)


def test_district_pages_of_another_district_show_nothing_of_it(access, clients):
    district = clients["district"]
    own = route_answer(access, district, f"/district/{OWN}")
    other = route_answer(access, district, f"/district/{OTHER}")
    assert ids.UNIT_EXPORT_BUTTON in own and ids.UNIT_EXPORT_BUTTON not in other
    assert "东城区" not in other and "not-found" in other
    assert "东城区" in route_answer(access, clients["leader"], f"/district/{OTHER}")
    assert "not-found" in route_answer(access, district, f"/township/{access.other_town}")


def test_forged_callbacks_return_nothing_of_another_district(access, clients):
    district = clients["district"]
    request = {"startRow": 0, "endRow": 500, "sortModel": [], "filterModel": {}}
    answer = access.callback(district, "sla-grid.getRowsResponse", {
        "sla-grid.getRowsRequest": request, "url.pathname": "/sla", "url.search": f"?district={OTHER}"})  # fmt: skip
    assert answer.status_code == 200 and answer.get_json()["response"]["sla-grid"]["getRowsResponse"]["rowData"] == []
    answer = access.callback(district, "sla-grid.getRowsResponse", {
        "sla-grid.getRowsRequest": request, "url.pathname": "/sla", "url.search": ""})  # fmt: skip
    rows = answer.get_json()["response"]["sla-grid"]["getRowsResponse"]["rowData"]
    assert rows and {r["case_id"] for r in rows} <= access.secrets["own_case_ids"]
    # The unit page's live parts and its export, forged for the other district: no update at all.
    stub = {"version": 1, "generated_at": "2026-01-01T00:00:00+00:00"}
    for output in ("unit-kpis.children", "unit-table.children"):
        forged = access.callback(district, output, {"snapshot-store.data": stub, "url.pathname": f"/district/{OTHER}",
                                                    "unit-table.id": "unit-table", "url.search": ""})  # fmt: skip
        assert forged.status_code == 204 or forged.get_json()["response"] == {}, (output, forged.data[:200])
    export = access.callback(district, "unit-export.data", {"unit-export-button.n_clicks": 1,
                                                            "url.pathname": f"/district/{OTHER}"})  # fmt: skip
    assert export.status_code == 204 or export.get_json()["response"] == {}
    mine = access.callback(district, "unit-export.data", {"unit-export-button.n_clicks": 1,
                                                          "url.pathname": f"/district/{OWN}"})  # fmt: skip
    assert mine.status_code == 200 and mine.get_json()["response"]["unit-export"]["data"]["filename"].endswith(".xlsx")


def test_district_api_and_open311_hold_own_cases_only(access, clients):
    snapshot = clients["district"].get("/api/v1/snapshot").get_json()
    assert snapshot["countdowns"] and {c["district_code"] for c in snapshot["countdowns"]} == {OWN}
    assert "open_cases" not in snapshot  # the SLA board pages its orders from the database, scoped
    assert {r["district_code"] for r in snapshot["repeat_callers"]} <= {OWN}
    for spot in snapshot["hotspots"]:
        assert "case_ids" not in spot or spot["district_code"] == OWN
    text = clients["district"].get("/api/v1/snapshot").get_data(as_text=True)
    assert not set(access.secrets["other_case_ids"]) & set(leaks(text, access.secrets))
    assert not any(h in text for h in access.secrets["caller_hashes"])  # nobody gets a full caller hash
    # City-wide aggregates stay: KPIs count every district, rankings list all 16.
    own_open = sum(v["open"] for c, v in snapshot["map"]["district"].items() if c == OWN)
    assert snapshot["kpis"]["open"] > own_open
    assert len(snapshot["rankings"]["month_district"]["rows"]) == 16
    bearer = {"Authorization": f"Bearer {access.district_token}"}
    plain = access.app.server.test_client()
    found = plain.get("/open311/v2/requests.json", headers=bearer).get_json()
    assert found and {r["district"] for r in found} == {OWN}
    assert plain.get(f"/open311/v2/requests/{access.other_case}.json", headers=bearer).status_code == 404
    assert plain.get(f"/open311/v2/requests/{access.own_case}.json", headers=bearer).status_code == 200
    leader = {"Authorization": f"Bearer {access.leader_token}"}
    everyone = plain.get("/open311/v2/requests.json?limit=1000", headers=leader).get_json()
    assert len({r["district"] for r in everyone}) > 1


def test_wall_responses_hold_no_case_id_caller_description_or_address(access, clients):
    wall = clients["wall"]
    stub = {"version": 1, "generated_at": "2026-01-01T00:00:00+00:00"}
    bodies = [wall.get(p).get_data(as_text=True) for p in ("/?kiosk=1", "/api/v1/snapshot", "/_dash-layout")]
    bodies.append(wall.get(f"/api/v1/townships/{access.own_town}").get_data(as_text=True))
    for path in ("/", "/map", "/sla", "/rankings", f"/district/{OWN}", f"/township/{access.own_town}"):
        bodies.append(route_answer(access, wall, path, "?kiosk=1"))
        bodies.append(route_answer(access, wall, path, ""))
    live = {"snapshot-store.data": stub, "kpi-row.id": "kpi-row", "url.search": "?kiosk=1", "unit-table.id": "x"}
    for output, path in (("kpi-row.children", "/"), ("unit-kpis.children", f"/district/{OWN}"),
                         ("sla-wall-rows.children", "/sla"), ("rank-export.data", "/rankings")):  # fmt: skip
        answer = access.callback(wall, output, {**live, "url.pathname": path, "rank-export-xlsx.n_clicks": 1})
        bodies.append(body_text(answer))
    request = {"startRow": 0, "endRow": 200}
    grid = access.callback(wall, "sla-grid.getRowsResponse", {
        "sla-grid.getRowsRequest": request, "url.pathname": "/sla", "url.search": ""})  # fmt: skip
    rows = grid.get_json()["response"]["sla-grid"]["getRowsResponse"]["rowData"]
    assert rows and all(r["case_id"].startswith("#") for r in rows)
    bodies.append(body_text(grid))
    text = "\n".join(bodies)
    assert "countdown-row" in text and "朝阳区" in text  # the wall does show its countdowns and places
    assert leaks(text, access.secrets) == []
    snapshot = wall.get("/api/v1/snapshot").get_json()
    assert snapshot["repeat_callers"] == [] and all("case_ids" not in h for h in snapshot["hotspots"])
    assert set(snapshot["countdowns"][0]) <= {"township_code", "township_name", "district_code", "district_name",
                                              "category", "subcategory", "urgency", "due_at", "due_kind", "state",
                                              "respond_due_at", "resolve_due_at"}  # fmt: skip


def test_token_session_drops_the_token_from_the_address_and_revocation_ends_it(access):
    from dashboard.access import tokens as token_store

    token = token_store.create_token(access.runtime.engine, "soon-revoked", "wall")
    client = access.app.server.test_client()
    first = client.get(f"/sla?kiosk=1&lang=en&token={token}")
    assert first.status_code == 302 and first.headers["Location"] == "/sla?kiosk=1&lang=en"
    assert "HttpOnly" in first.headers["Set-Cookie"] and "SameSite=Lax" in first.headers["Set-Cookie"]
    assert client.get("/api/v1/snapshot").status_code == 200
    bearer = access.app.server.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert bearer.get("/api/v1/snapshot", headers=headers).status_code == 200
    token_store.revoke_token(access.runtime.engine, "soon-revoked")
    assert client.get("/api/v1/snapshot").status_code == 401  # the session ends with its token
    assert bearer.get("/api/v1/snapshot", headers=headers).status_code == 401
    assert access.app.server.test_client().get(f"/?token={token}").status_code == 401


def test_login_rate_limit_per_user_and_per_address(access):
    def attempt(name: str, password: str, address: str) -> int:
        client = access.app.server.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        return client.post("/login", data={"name": name, "password": password}).status_code

    # Per user: five failures from five addresses, then even the right password waits a minute.
    assert [attempt("leader", "wrong password", f"10.1.0.{i}") for i in range(5)] == [401] * 5
    assert attempt("leader", "correct horse battery", "10.1.0.99") == 429
    # Per address: five failures for five different names, then the address waits.
    assert [attempt(f"nobody{i}", "wrong", "10.2.0.1") for i in range(5)] == [401] * 5
    assert attempt("admin", "correct horse battery", "10.2.0.1") == 429
    assert attempt("admin", "correct horse battery", "10.2.0.2") == 302  # another address, another user: fine


def test_injection_strings_in_filters_and_paths_are_harmless(access, clients):
    with access.runtime.engine.connect() as conn:
        before = conn.scalar(select(func.count()).select_from(Case))
    nasty = ["' OR 1=1 --", "<script>alert(1)</script>", "110105'; DROP TABLE cases; --", "../../etc/passwd",
             "%00", "=cmd|' /C calc'!A0"]  # fmt: skip
    district = clients["district"]
    for s in nasty:
        for path in (f"/district/{s}", f"/township/{s}", f"/api/v1/townships/{s}", f"/open311/v2/requests/{s}.json",
                     f"/api/v1/rankings?period=day&date={s}&level=township", f"/open311/v2/requests.json?status={s}",
                     f"/open311/v2/requests.json?service_code={s}", f"/login?next={s}&lang={s}"):  # fmt: skip
            answer = district.get(path)
            assert answer.status_code in (200, 302, 400, 404), (path, answer.status_code)
            if answer.mimetype != "application/json":  # JSON is never rendered as a page (nosniff)
                assert b"<script>alert(1)</script>" not in answer.data, path
        for search in (f"?district={s}&township={s}&category={s}&urgency={s}&state={s}", f"?lang={s}&kiosk={s}"):
            page = route_answer(access, district, "/sla", search)  # echoed only as React text (label/value)
            assert "dangerously_allow_html" not in page and '"href": "javascript' not in page
            grid = access.callback(district, "sla-grid.getRowsResponse", {
                "sla-grid.getRowsRequest": {"startRow": 0, "endRow": 50, "sortModel": [{"colId": s, "sort": s}]},
                "url.pathname": "/sla", "url.search": search})  # fmt: skip
            assert grid.status_code == 200
    login = access.app.server.test_client().post("/login", data={"name": "<script>alert(1)</script>", "password": "x",
                                                                 "next": "//evil.example/"})  # fmt: skip
    assert login.status_code == 401 and b"<script>alert(1)</script>" not in login.data
    ok = access.app.server.test_client().post("/login", data={"name": "leader", "password": "correct horse battery",
                                                              "next": "//evil.example/"})  # fmt: skip
    assert ok.status_code in (302, 429) and ok.headers.get("Location", "/") == "/"
    with access.runtime.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Case)) == before


def test_security_headers_and_body_limit(access, clients):
    answer = clients["leader"].get("/")
    policy = answer.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "unsafe-eval" not in policy.split("script-src")[1].split(";")[0]
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "same-origin"
    huge = clients["leader"].post("/_dash-update-component", data=b"x" * (access.runtime.settings.max_body_bytes + 1),
                                  content_type="application/json")  # fmt: skip
    assert huge.status_code == 413


def test_audit_log_records_logins_exports_and_token_use(access, clients):
    from dashboard.access.audit import entries

    access.client("admin")
    failing = access.app.server.test_client()
    failing.environ_base["REMOTE_ADDR"] = "10.9.9.9"
    assert failing.post("/login", data={"name": "admin", "password": "not it"}).status_code == 401
    access.callback(clients["district"], "unit-export.data", {"unit-export-button.n_clicks": 1,
                                                              "url.pathname": f"/district/{OWN}"})  # fmt: skip
    log = entries(access.runtime.engine)
    actions = {(e["actor"], e["action"]) for e in log}
    assert {("admin", "login.ok"), ("admin", "login.failed"), ("token:lobby", "token.session"),
            ("district", "export")} <= actions  # fmt: skip
    assert any(e["address"] == "10.9.9.9" for e in log)
    assert "not it" not in str(log)  # never a password
    lobby = next(t for t in tokens.list_tokens(access.runtime.engine) if t.name == "lobby")
    assert lobby.last_used_at is not None

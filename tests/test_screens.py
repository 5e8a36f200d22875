"""The screen fleet: heartbeat states with an injected clock, reload via the heartbeat answer, the API."""

from __future__ import annotations

import pytest
from flask import Flask

from dashboard.api.screens import make_blueprint
from dashboard.ops.screens import MemoryStore, RedisStore, ScreenFleet


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def beat(fleet: ScreenFleet, clock: Clock, name: str, rendered_ago: float | None = 1.0) -> dict:
    rendered = None if rendered_ago is None else (clock.now - rendered_ago) * 1000
    return fleet.heartbeat({"screen": name, "page": "/", "data_time": "2026-11-20T14:00:00+08:00",
                            "heap_mb": 84.5, "rendered_at": rendered})  # fmt: skip


def states(fleet: ScreenFleet) -> dict[str, str]:
    return {s["screen"]: s["state"] for s in fleet.screens()}


@pytest.fixture(params=["memory", "redis"])
def fleet_and_clock(request):
    clock = Clock()
    if request.param == "memory":
        return ScreenFleet(MemoryStore(clock), clock), clock
    store = RedisStore(request.getfixturevalue("redis_url"))
    return ScreenFleet(store, clock), clock


def test_ok_stale_and_gone_follow_heartbeats_and_renders(fleet_and_clock):
    fleet, clock = fleet_and_clock
    beat(fleet, clock, "hall-left")
    beat(fleet, clock, "hall-right", rendered_ago=200)  # beats but has not rendered for 200 s > 180 s
    beat(fleet, clock, "lobby", rendered_ago=None)  # never rendered data
    assert states(fleet) == {"hall-left": "ok", "hall-right": "stale", "lobby": "stale"}
    clock.now += 91  # no heartbeat for 91 s > 90 s
    beat(fleet, clock, "lobby")
    assert states(fleet) == {"hall-left": "stale", "hall-right": "stale", "lobby": "ok"}
    clock.now += 520  # hall-left silent 611 s > 600 s
    assert states(fleet)["hall-left"] == "gone"
    left = next(s for s in fleet.screens() if s["screen"] == "hall-left")
    assert left["seen_ago"] == 611 and left["heap_mb"] == 84.5 and left["page"] == "/"


def test_a_reload_request_rides_on_the_next_heartbeat_answer_once(fleet_and_clock):
    fleet, clock = fleet_and_clock
    assert beat(fleet, clock, "hall-left") == {"command": None}
    assert fleet.request_reload("hall-left")
    assert not fleet.request_reload("never-seen")
    assert fleet.screens()[0]["reload_pending"] is True
    assert beat(fleet, clock, "hall-left") == {"command": "reload"}
    assert beat(fleet, clock, "hall-left") == {"command": None}


def test_the_http_api_validates_heartbeats():
    clock = Clock()
    app = Flask(__name__)
    app.register_blueprint(make_blueprint(ScreenFleet(MemoryStore(clock), clock)))
    client = app.test_client()
    assert client.post("/api/v1/screens/heartbeat", json={"screen": "../etc"}).status_code == 400
    assert client.post("/api/v1/screens/heartbeat", data="x").status_code == 400
    ok = client.post("/api/v1/screens/heartbeat", json={"screen": "大厅-1", "rendered_at": clock.now * 1000})
    assert ok.status_code == 200 and ok.get_json() == {"command": None}
    assert client.post("/api/v1/screens/nobody/reload").status_code == 404
    assert client.post("/api/v1/screens/大厅-1/reload").get_json() == {"screen": "大厅-1", "command": "reload"}
    listed = client.get("/api/v1/screens").get_json()["screens"]
    assert [(s["screen"], s["state"], s["reload_pending"]) for s in listed] == [("大厅-1", "ok", True)]

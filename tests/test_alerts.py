"""Alerts: rules on a hand-made snapshot, dedup and quiet period, delivery to a local HTTP receiver
(JSON webhook, 企业微信, 钉钉 formats) and a local SMTP server (aiosmtpd)."""

from __future__ import annotations

import email
import email.policy
import json
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pandas as pd
import pytest
from aiosmtpd.controller import Controller

from dashboard.alerts.center import AlertCenter, acknowledge, list_alerts
from dashboard.alerts.channels import ChannelError, load_channels, parse_channel
from dashboard.assessment.rules import AlertRules, RulesError, load_rules, parse_rules
from dashboard.settings import load_settings
from tests.conftest import free_port

NOW = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
MS = int(NOW.timestamp() * 1000)
MIN = 60_000


class Receiver:
    """An HTTP server on a free loopback port that records every JSON body posted to it."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, dict]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.posts.append((self.path, body))
                failing = self.path == "/broken"
                self.send_response(500 if failing else 200)
                self.end_headers()
                self.wfile.write(b'{"errcode": 0}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


class Mailbox:
    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"

    def __init__(self) -> None:
        self.messages: list = []


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()


@pytest.fixture
def mailbox():
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield box, controller.port
    controller.stop()


def open_orders() -> pd.DataFrame:
    """The poller's open orders with their next deadline (snapshot.next_due's columns)."""
    cases = [  # case, urgency, minutes left, due kind
        ("A1", "emergency", 30, "resolve"),  # alert: emergency, 30 <= 60 minutes
        ("A2", "general", 30, "resolve"),  # no: general is not watched
        ("A3", "utilities", 90, "resolve"),  # no: 90 > 60 minutes
        ("A4", "utilities", 59, "respond"),  # alert
        ("A5", "emergency", -5, "resolve"),  # no: already overdue (the SLA board shows it)
    ]
    return pd.DataFrame({
        "case_id": [c[0] for c in cases], "urgency": [c[1] for c in cases],
        "due_at": pd.to_datetime([MS + c[2] * MIN for c in cases], unit="ms", utc=True),
        "due_kind": [c[3] for c in cases], "township_code": ["110105001"] * 5, "category": ["水电气热"] * 5,
        "subcategory": ["停水"] * 5,
    })  # fmt: skip


def snapshot() -> dict:
    names = {"township": {"110105001": "建外街道", "110105002": "朝外街道", "110105003": "呼家楼街道"},
             "district": {"110105": "朝阳区"},
             "township_district": {"110105001": "110105", "110105002": "110105", "110105003": "110105"}}  # fmt: skip
    township_map = {  # concentration: at least 30 orders and at least 3 x the township's own mean day
        "110105001": {"orders_24h": 40, "vs_baseline": 4.0},  # alert
        "110105002": {"orders_24h": 20, "vs_baseline": 5.0},  # no: under 30 orders
        "110105003": {"orders_24h": 100, "vs_baseline": 2.0},  # no: only 2 x
    }
    return {
        "generated_at": NOW.isoformat(), "assessment_day": "2026-11-20", "names": names,
        "hotspots": [{"kind": "burst", "township_code": "110105002", "district_code": "110105", "category": "停水",
                      "count": 12, "factor": 6.0}, {"kind": "cluster", "township_code": "110105003",
                      "district_code": "110105", "category": "噪声扰民", "count": 9}],
        "map": {"township": township_map}, "stale": None,
    }  # fmt: skip


def wait_for(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met within the timeout"
        time.sleep(0.05)


def test_rules_raise_due_soon_hotspot_and_concentration_alerts_and_deliver_each_once(sqlite_engine, receiver,
                                                                                       mailbox):  # fmt: skip
    box, port = mailbox
    channels = [
        parse_channel({"kind": "webhook", "url": receiver.url + "/hook"}, "t", {}),
        parse_channel({"kind": "wecom", "url": receiver.url + "/wecom"}, "t", {}),
        parse_channel({"kind": "dingtalk", "url": receiver.url + "/dingtalk"}, "t", {}),
        parse_channel({"kind": "email", "host": "127.0.0.1", "port": port, "sender": "wall@example.org",
                       "to": ["duty@example.org"], "min_severity": "critical"}, "t", {}),
    ]  # fmt: skip
    center = AlertCenter(sqlite_engine, AlertRules(), channels, link="http://wall.example/")
    new = center.observe(snapshot(), NOW, open_orders())
    assert len(new) == 4  # A1, A4, the burst, the concentration
    center.wait_delivered()
    kinds = sorted(a["kind"] for a in list_alerts(sqlite_engine))
    assert kinds == ["concentration", "due_soon", "due_soon", "hotspot"]
    # 4 alerts x 3 HTTP channels; e-mail takes only the 2 critical (due soon) ones.
    assert len(receiver.posts) == 12
    wait_for(lambda: len(box.messages) == 2)
    by_path = {}
    for path, body in receiver.posts:
        by_path.setdefault(path, []).append(body)
    wecom = by_path["/wecom"][0]
    assert wecom["msgtype"] == "markdown" and set(wecom["markdown"]) == {"content"}
    ding = by_path["/dingtalk"][0]
    assert ding["msgtype"] == "markdown" and set(ding["markdown"]) == {"title", "text"}
    assert ding["markdown"]["title"] in ding["markdown"]["text"]
    hook = {b["key"]: b for b in by_path["/hook"]}
    due = hook["due_soon:A1:resolve:" + str(MS + 30 * MIN)]
    assert due["severity"] == "critical" and "30 分钟" in due["title"] and "朝阳区建外街道" in due["body"]
    assert due["link"] == "http://wall.example/"
    assert "concentration:110105001:2026-11-20" in hook and "hotspot:110105002:停水:2026-11-20" in hook
    assert all("ok" in a["delivery"] and "failed" not in a["delivery"] for a in list_alerts(sqlite_engine))
    assert [m.rcpt_tos for m in box.messages] == [["duty@example.org"], ["duty@example.org"]]
    mails = [email.message_from_bytes(m.content, policy=email.policy.default) for m in box.messages]
    assert all(m["Subject"].startswith("超期预警") and m["From"] == "wall@example.org" for m in mails)
    assert "http://wall.example/" in mails[0].get_content()

    # The same snapshot on the next tick, and after a restart (a new center): nothing new is sent.
    assert center.observe(snapshot(), NOW + timedelta(seconds=5), open_orders()) == []
    assert (
        AlertCenter(sqlite_engine, AlertRules(), channels).observe(
            snapshot(), NOW + timedelta(seconds=10), open_orders()
        )
        == []
    )
    center.wait_delivered()
    assert len(receiver.posts) == 12


def test_the_quiet_period_holds_back_a_new_event_about_the_same_subject(sqlite_engine):
    center = AlertCenter(sqlite_engine, AlertRules(quiet_minutes=30, stale_seconds=120), [])
    fresh = {**snapshot(), "stale": {"since": (NOW - timedelta(seconds=100)).isoformat(), "reason": "db"}}
    assert center.observe(fresh, NOW) == []  # stale 100 s <= 120 s: no alert yet
    first = {**fresh, "stale": {"since": (NOW - timedelta(seconds=150)).isoformat(), "reason": "db"}}
    assert len(center.observe(first, NOW)) == 1  # 150 s > 120 s
    # The pipeline recovers and fails again 10 minutes later: a new event, same subject, quiet: held back.
    again = {**fresh, "stale": {"since": (NOW + timedelta(minutes=7)).isoformat(), "reason": "db"}}
    assert center.observe(again, NOW + timedelta(minutes=10)) == []
    # 31 minutes after the first alert the quiet period is over.
    later = {**fresh, "stale": {"since": (NOW + timedelta(minutes=28)).isoformat(), "reason": "db"}}
    assert len(center.observe(later, NOW + timedelta(minutes=31))) == 1
    titles = [a["title"] for a in list_alerts(sqlite_engine)]
    assert len(titles) == 2 and all(t.startswith("数据管道中断") for t in titles)


def test_a_failing_channel_is_recorded_and_acknowledge_marks_an_alert_once(sqlite_engine, receiver):
    channels = [parse_channel({"kind": "webhook", "url": receiver.url + "/broken"}, "t", {})]
    center = AlertCenter(sqlite_engine, AlertRules(hotspot_bursts=False), channels)
    ids = center.observe(snapshot(), NOW, open_orders())
    center.wait_delivered()
    rows = {a["id"]: a for a in list_alerts(sqlite_engine)}
    assert len(ids) == 3 and all("failed: HTTPError" in rows[i]["delivery"] for i in ids)
    assert acknowledge(sqlite_engine, ids[0], "duty-officer", NOW + timedelta(minutes=1))
    assert not acknowledge(sqlite_engine, ids[0], "someone-else", NOW + timedelta(minutes=2))
    row = {a["id"]: a for a in list_alerts(sqlite_engine)}[ids[0]]
    assert row["acknowledged_by"] == "duty-officer" and row["acknowledged_at"] == NOW + timedelta(minutes=1)


def test_channels_are_validated_and_read_from_the_hotline_alerts_file(tmp_path):
    with pytest.raises(ChannelError, match="kind"):
        parse_channel({"kind": "pager"}, "x", {})
    with pytest.raises(ChannelError, match="url"):
        parse_channel({"kind": "wecom", "url": "ftp://x"}, "x", {})
    with pytest.raises(ChannelError, match="host, sender and to"):
        parse_channel({"kind": "email", "host": "h"}, "x", {})
    with pytest.raises(ChannelError, match="SMTP_PW is not set"):
        parse_channel(
            {"kind": "email", "host": "h", "sender": "a@b", "to": ["c@d"], "password_env": "SMTP_PW"}, "x", {}
        )
    with pytest.raises(ChannelError, match="unknown field"):
        parse_channel({"kind": "webhook", "url": "http://x", "secret": "1"}, "x", {})
    path = tmp_path / "alerts.toml"
    path.write_text('[[channels]]\nkind = "dingtalk"\nurl = "https://oapi.dingtalk.com/robot/send?x=1"\n', "utf-8")
    channels = load_channels(({"kind": "webhook", "url": "http://127.0.0.1:9/x"},), {"HOTLINE_ALERTS": str(path)})
    assert [c.kind for c in channels] == ["webhook", "dingtalk"]


def test_the_rules_file_ships_the_alert_and_hot_word_defaults_and_rejects_bad_values():
    rules = load_rules(load_settings().rules_path)
    assert rules.alerts == AlertRules() and rules.alerts.due_soon_urgencies == ("emergency", "utilities")
    assert rules.alerts.stale_seconds == 120 and rules.hot_words.baseline_days == 7
    import tomllib

    data = tomllib.loads(load_settings().rules_path.read_text("utf-8"))
    with pytest.raises(RulesError, match=r"alerts\.due_soon_urgencies"):
        parse_rules({**data, "alerts": {"due_soon_urgencies": ["urgent"]}})
    with pytest.raises(RulesError, match=r"alerts\.stale_seconds"):
        parse_rules({**data, "alerts": {"stale_seconds": 1}})
    with pytest.raises(RulesError, match=r"unknown field `alerts\.channel`"):
        parse_rules({**data, "alerts": {"channel": []}})


def test_the_poller_raises_a_stale_alert_after_two_minutes_of_failed_ticks(sqlite_engine, receiver):
    from dashboard.live.cache import MemoryCache
    from dashboard.live.poller import Poller

    rules = load_rules(load_settings().rules_path)
    poller = Poller(sqlite_engine, rules, MemoryCache(), load_settings().tz, 1.0)
    channel = parse_channel({"kind": "webhook", "url": receiver.url + "/hook"}, "t", {})
    poller.alerts = AlertCenter(sqlite_engine, rules.alerts, [channel])
    poller.last_good = {**snapshot(), "hotspots": [], "map": {}, "version": 1}

    def failing_tick(now=None):
        raise OSError("database down")

    poller.tick = failing_tick
    assert not poller.tick_or_mark_stale(NOW)  # stale since NOW
    assert not poller.tick_or_mark_stale(NOW + timedelta(seconds=100))  # 100 s <= 120 s: no alert
    assert not poller.tick_or_mark_stale(NOW + timedelta(seconds=130))  # 130 s > 120 s: one alert
    assert not poller.tick_or_mark_stale(NOW + timedelta(seconds=135))  # the same event: not again
    poller.alerts.wait_delivered()
    assert [b["kind"] for _path, b in receiver.posts] == ["stale"]
    assert receiver.posts[0][1]["body"].endswith("snapshot build failed: OSError。")


def test_the_poller_raises_a_due_soon_alert_for_an_open_order_it_holds(sqlite_engine, insert_case):
    """End to end: the open orders are not in the snapshot, the poller hands its own set to the alerts."""
    from sqlalchemy import select

    from dashboard.live.cache import MemoryCache
    from dashboard.live.poller import Poller
    from dashboard.store.schema import Case
    from data_loader.reference_tables import load_reference

    load_reference(sqlite_engine)
    rules = load_rules(load_settings().rules_path)
    received = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    insert_case(sqlite_engine, "E1", now=received)  # an emergency order, first contact due by the rules
    with sqlite_engine.connect() as conn:
        due = conn.scalar(select(Case.respond_due_at).where(Case.case_id == "E1"))
    poller = Poller(sqlite_engine, rules, MemoryCache(), load_settings().tz, 1.0)
    poller.alerts = AlertCenter(sqlite_engine, rules.alerts, [])
    poller.tick(due - timedelta(minutes=30))  # 30 minutes left <= the 60-minute window
    poller.alerts.wait_delivered()
    [alert] = [a for a in list_alerts(sqlite_engine) if a["kind"] == "due_soon"]
    assert alert["subject"] == "case:E1" and "30 分钟后响应超期" in alert["title"]

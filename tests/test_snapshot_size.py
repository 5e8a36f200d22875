"""The shared snapshot does not grow with the open orders, and a worker decodes it once per version."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pandas as pd

from dashboard.assessment.rules import load_rules
from dashboard.live.cache import RedisCache
from dashboard.live.open_cases import OpenCases
from dashboard.live.rollups import catch_up
from dashboard.live.snapshot import Names, build_snapshot
from dashboard.settings import DEFAULT_RULES_PATH
from dashboard.store.case_rows import complete_cases, insert_cases
from data_loader.reference_tables import load_reference
from tests.test_snapshot import DISTRICT, NOW, TOWN, TZ, cases

RULES = load_rules(DEFAULT_RULES_PATH)


def open_orders(first: int, count: int) -> pd.DataFrame:
    """`count` general orders received 3 days ago, still open: same deadline, ids of one length."""
    return pd.DataFrame([{"case_id": f"X{i:05d}", "received_at": NOW - timedelta(days=3), "urgency": "general",
                          "channel": "phone", "category": "住房", "district_code": DISTRICT, "township_code": TOWN}
                         for i in range(first, first + count)])  # fmt: skip


def snapshot_bytes(engine) -> tuple[int, dict]:
    catch_up(engine, RULES, TZ)
    open_set = OpenCases()
    open_set.refresh(engine)
    snapshot = build_snapshot(engine, RULES, TZ, NOW, open_set, Names.load(engine), version=1)
    return len(json.dumps(snapshot, ensure_ascii=False, separators=(",", ":")).encode()), snapshot


def test_open_orders_are_counted_not_carried(any_engine):
    load_reference(any_engine)
    insert_cases(any_engine, complete_cases(pd.concat([cases(), open_orders(0, 60)]), RULES, NOW))
    small, before = snapshot_bytes(any_engine)
    insert_cases(any_engine, complete_cases(open_orders(60, 540), RULES, NOW))
    large, after = snapshot_bytes(any_engine)
    # 3 open orders of the five-case city (A, B, C) plus 60, then plus 540 more
    assert (before["kpis"]["open"], after["kpis"]["open"]) == (63, 603)
    assert "open_cases" not in after
    assert len(after["countdowns"]) == 50  # the most urgent rows only, capped
    # 540 more open orders cost a few digits in the counts (63 -> 603 ...), not 540 rows: the old columnar
    # table spent about 150 bytes per open order, so 540 of them would have added about 80 KB.
    assert large - small < 1024


def test_a_worker_decodes_each_version_once(redis_url, monkeypatch):
    writer, reader = RedisCache(redis_url), RedisCache(redis_url)
    writer.publish({"version": 7, "kpis": {"open": 3}})
    decoded = []
    real_loads = json.loads
    monkeypatch.setattr("dashboard.live.cache.json.loads", lambda raw: decoded.append(1) or real_loads(raw))
    threads = [threading.Thread(target=reader.get) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert reader.get()["kpis"] == {"open": 3}
    assert len(decoded) == 1  # 17 reads of version 7 in one worker, one json decode
    writer.publish({"version": 8, "kpis": {"open": 4}})
    assert reader.get()["kpis"] == {"open": 4} and len(decoded) == 2

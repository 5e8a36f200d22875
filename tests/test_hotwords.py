"""Hot words: segmentation of hand-made texts, and a surging rare word beats a steady frequent one."""

from __future__ import annotations

import math
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from dashboard.assessment.hotwords import Segmenter, hot_words, orders_with_word, surging
from dashboard.assessment.rules import HotWordRules, load_rules
from dashboard.scope import Scope
from dashboard.settings import load_settings
from dashboard.store.case_rows import complete_cases, insert_cases
from data_loader.reference_tables import load_reference

TZ = ZoneInfo("Asia/Shanghai")
RULES = HotWordRules()  # 24 h window, 7 baseline days, min 5 orders, ratio >= 3, p < 0.001
NOW = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)  # 14:00 in Beijing


@pytest.fixture(scope="module")
def segmenter() -> Segmenter:
    return Segmenter(["建外街道", "朝阳区", "孙河乡"])


def test_segmentation_keeps_the_complaint_and_drops_boilerplate_and_places(segmenter):
    words = segmenter.segment("市民来电反映朝阳区建外街道幸福家园有人私装地锁，请尽快处理。")
    assert "私装地锁" in words  # the hotline vocabulary keeps it whole
    for dropped in ("市民", "来电", "反映", "请", "尽快", "处理", "朝阳", "朝阳区", "建外", "建外街道", "，"):
        assert dropped not in words
    assert all(len(w) >= 2 for w in words)
    assert "水管爆裂" in segmenter.segment("孙河乡水管爆裂导致停水")
    assert "孙河" not in segmenter.segment("孙河乡水管爆裂导致停水")


def test_an_order_counts_a_word_once(segmenter):
    assert segmenter.words("停水停水，又停水") == frozenset({"停水"})


def test_a_surging_rare_word_is_hot_and_a_steady_frequent_word_is_not():
    # Baseline: 7 windows (days). 停水 700 = 100 a day, now 100: ratio 1, not hot however frequent.
    # 水管爆裂 7 = 1 a day, now 12: ratio 12; P(X >= 12 | 1) = 1 - sum_{k<12} e^-1 / k! ~ 1.1e-9.
    # 地锁 14 = 2 a day, now 6: ratio 3 but P(X >= 6 | 2) = 0.0166 > 0.001: not hot.
    # 爆管 never seen: expected floor 0.5; now 5: P(X >= 5 | 0.5) = 1.72e-4: hot. 异味 4 < min_count 5.
    recent = Counter({"停水": 100, "水管爆裂": 12, "地锁": 6, "爆管": 5, "异味": 4})
    baseline = Counter({"停水": 700, "水管爆裂": 7, "地锁": 14})
    hot = surging(recent, baseline, 7, RULES)
    assert [h["word"] for h in hot] == ["水管爆裂", "爆管"]
    p = 1 - sum(math.exp(-1) / math.factorial(k) for k in range(12))
    assert hot[0] == {"word": "水管爆裂", "count": 12, "expected": 1.0, "ratio": 12.0,
                      "score": round(-math.log10(p), 1)}  # fmt: skip
    p5 = 1 - sum(math.exp(-0.5) * 0.5**k / math.factorial(k) for k in range(5))
    assert hot[1]["expected"] == 0.5 and hot[1]["ratio"] == 10.0 and hot[1]["score"] == round(-math.log10(p5), 1)


def _orders(rows: list[tuple[str, datetime, str, str]]) -> pd.DataFrame:
    return pd.DataFrame([{
        "case_id": cid, "received_at": at, "channel": "phone", "category": "水电气热", "subcategory": "停水",
        "urgency": "utilities", "district_code": town[:6], "township_code": town, "lat": None, "lon": None,
        "address": None, "description": text, "caller_hash": None,
    } for cid, at, town, text in rows])  # fmt: skip


def test_hot_words_from_the_database_with_the_map_counts_and_the_scoped_order_list(sqlite_engine):
    load_reference(sqlite_engine)
    jianwai, sunhe = "110105001", "110105037"
    rows = []
    # Baseline: the 7 complete days before yesterday (Nov 12..18 local), 20 orders a day saying 停水.
    for day in range(7):
        start = datetime(2026, 11, 12, 3, 0, tzinfo=UTC) + timedelta(days=day)  # 11:00 local
        rows += [(f"B{day}-{i}", start + timedelta(minutes=i), jianwai, "建外街道家中停水影响生活") for i in range(20)]
    # Last 24 h: the same 20 停水 plus a burst of 8 orders naming 水管爆裂 in Sunhe.
    rows += [(f"R{i}", NOW - timedelta(hours=5, minutes=i), jianwai, "建外街道家中停水影响生活") for i in range(20)]
    rows += [(f"X{i}", NOW - timedelta(hours=2, minutes=i), sunhe, "孙河乡水管爆裂导致停水") for i in range(8)]
    rules = load_rules(load_settings().rules_path)
    insert_cases(sqlite_engine, complete_cases(_orders(rows), rules, NOW))

    # The poller never waits: a cold baseline is cached on a background thread, "no data" meanwhile.
    assert hot_words(sqlite_engine, rules, NOW, TZ, Scope.all(), block=False) == {}
    deadline = time.monotonic() + 60
    while not (warm := hot_words(sqlite_engine, rules, NOW, TZ, Scope.all(), block=False)):
        assert time.monotonic() < deadline, "the baseline was not cached within 60 s"
        time.sleep(0.1)
    result = hot_words(sqlite_engine, rules, NOW, TZ, Scope.all())
    assert warm == result
    # 停水: 28 now vs 140 / 7 = 20 a day: ratio 1.4, not hot. 水管爆裂: 8 vs floor 0.5: hot.
    assert [h["word"] for h in result["city"]] == ["水管爆裂"]
    assert result["city"][0]["count"] == 8 and result["city"][0]["townships"] == {sunhe: 8}
    assert [h["word"] for h in result["district"]["110105"]] == ["水管爆裂"]

    listed = orders_with_word(sqlite_engine, "水管爆裂", NOW, Scope.all())
    assert sorted(r["case_id"] for r in listed) == sorted(f"X{i}" for i in range(8))
    assert listed[0]["case_id"] == "X0"  # newest first
    assert "description" not in listed[0]
    assert orders_with_word(sqlite_engine, "水管爆裂", NOW, Scope.for_districts(["110108"])) == []
    assert orders_with_word(sqlite_engine, "水管爆裂", NOW, Scope.for_districts(["110105"], aggregates_only=True)) == []
    assert hot_words(sqlite_engine, rules, NOW, TZ, Scope.for_districts(["110108"]))["city"] == []

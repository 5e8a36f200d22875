"""The snapshot on a five-case city whose every number was worked out by hand (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from dashboard.assessment.rules import load_rules
from dashboard.live.open_cases import OpenCases
from dashboard.live.rollups import catch_up
from dashboard.live.snapshot import Names, build_snapshot
from dashboard.settings import DEFAULT_RULES_PATH
from dashboard.store.case_rows import complete_cases, insert_cases
from data_loader.reference_tables import load_reference

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)  # 14:00 in Beijing; "today" began 2026-11-26 16:00 UTC
TOWN, DISTRICT = "110101001", "110101"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def cases() -> pd.DataFrame:
    """A: today, general, no contact yet: respond due +24 h -> ok.
    B: today, emergency, dispatched 04:30: respond due 05:30 -> overdue by 30 min.
    C: yesterday, utilities, responded: resolve due 07:30 today -> 1.5 h left -> critical, due within 2 h.
    D: closed, callback 25 Nov: contacted, solved, basically satisfied.
    E: closed, callback 26 Nov: contacted, not solved, dissatisfied.
    """
    base = {"channel": "phone", "category": "住房", "district_code": DISTRICT, "township_code": TOWN}
    rows = [
        {"case_id": "A", "received_at": utc("2026-11-27 01:00"), "urgency": "general"},
        {"case_id": "B", "received_at": utc("2026-11-27 04:30"), "urgency": "emergency"},
        {"case_id": "C", "received_at": utc("2026-11-26 07:30"), "urgency": "utilities",
         "responded_at": utc("2026-11-26 08:00")},
        {"case_id": "D", "received_at": utc("2026-11-20 01:00"), "urgency": "general",
         "responded_at": utc("2026-11-20 02:00"), "resolved_at": utc("2026-11-22 02:00"),
         "callback_at": utc("2026-11-25 02:00"), "contacted": True, "solved": True, "satisfaction": "basically"},
        {"case_id": "E", "received_at": utc("2026-11-21 01:00"), "urgency": "general",
         "responded_at": utc("2026-11-21 02:00"), "resolved_at": utc("2026-11-23 02:00"),
         "callback_at": utc("2026-11-26 03:00"), "contacted": True, "solved": False, "satisfaction": "dissatisfied"},
    ]  # fmt: skip
    return pd.DataFrame([{**base, **r} for r in rows])


@pytest.fixture
def snapshot(any_engine):
    rules = load_rules(DEFAULT_RULES_PATH)
    load_reference(any_engine)
    insert_cases(any_engine, complete_cases(cases(), rules, NOW))
    catch_up(any_engine, rules, tz=TZ)
    open_cases = OpenCases()
    open_cases.refresh(any_engine)
    return build_snapshot(any_engine, rules, TZ, NOW, open_cases, Names.load(any_engine), version=1)


def test_live_kpis(snapshot):
    k = snapshot["kpis"]
    assert (k["orders_today"], k["open"], k["overdue"], k["due_2h"]) == (2, 3, 1, 1)
    # Same weekday last week up to the same time: [2026-11-19 16:00, 2026-11-20 06:00) UTC holds D (01:00).
    assert k["orders_same_weekday_last_week"] == 1


def test_month_to_date_rates_pool_the_two_callbacks(snapshot):
    mtd = snapshot["kpis"]["month_to_date"]
    # valid 2; contacted 2 -> 1.0; solved 1 -> 0.5; satisfaction (0 + 0.9 x 1) / 2 = 0.45
    # composite = 100 x (0.1 x 1.0 + 0.5 x 0.5 + 0.4 x 0.45) = 53.0
    assert mtd["valid_callbacks"] == 2
    assert (mtd["response_rate"], mtd["resolution_rate"], mtd["satisfaction_rate"]) == (1.0, 0.5, 0.45)
    assert mtd["composite"] == pytest.approx(53.0)
    assert snapshot["kpis"]["previous_month_same_days"]["valid_callbacks"] == 0


def test_countdowns_most_urgent_first_with_states(snapshot):
    rows = [(r["case_id"], r["due_kind"], r["state"]) for r in snapshot["countdowns"]]
    assert rows == [("B", "respond", "overdue"), ("C", "resolve", "critical"), ("A", "respond", "ok")]
    assert snapshot["countdowns"][0]["due_at"] == "2026-11-27T05:30:00+00:00"
    assert snapshot["countdowns"][0]["township_name"] == "东华门街道"


def test_map_values_per_township_and_district(snapshot):
    town = snapshot["map"]["township"][TOWN]
    assert (town["orders_today"], town["open"], town["overdue"]) == (2, 3, 1)
    assert snapshot["map"]["district"][DISTRICT]["orders_today"] == 2
    assert snapshot["map"]["district"]["110105"]["orders_today"] == 0  # every unit present, never dropped
    # Last 24 h (since 26 Nov 06:00 UTC): A, B and C. Own baseline: C, D, E in the 28 days before
    # today -> 3 / 28 per day, so the last 24 h are 3 / (3 / 28) = 28 times a normal day.
    assert town["orders_24h"] == 3
    assert town["vs_baseline"] == pytest.approx(28.0)

"""Period edges (issue 14): a refresh that straddles midnight and a month end, and the cut-offs,
with an injected clock. Every count below is worked out by hand in the comments.

Composite = 100 x (0.1 x response + 0.5 x resolution + 0.4 x satisfaction) with one valid callback:
"CSs" (contacted, solved, satisfied) = 100; "C-d" (contacted, not solved, dissatisfied) = 10.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from dashboard.assessment.rankings import rankings_payload
from dashboard.live.cache import MemoryCache
from dashboard.live.poller import Poller
from dashboard.live.rollups import catch_up
from dashboard.scope import Scope
from tests.assessment_data import SHANGHAI, add_reference, case, local, make_rules, write_cases

CALENDAR = make_rules(**{"ranking.min_valid_callbacks": 1})
NOON_19 = make_rules(**{"ranking.min_valid_callbacks": 1, "periods.day_cutoff_hour": 12,
                        "periods.month_cutoff_day": 19})  # fmt: skip
A, B = "110101001", "110102001"
TICK = timedelta(milliseconds=500)


@pytest.fixture
def engine(sqlite_engine):
    add_reference(sqlite_engine)
    return sqlite_engine


def valid_callbacks(engine, rules, period: str, label: str) -> dict[str, tuple[int, float]]:
    """code -> (valid callbacks, composite) for units with at least one valid callback."""
    catch_up(engine, rules, SHANGHAI)  # what the poller does each tick (a new rules basis rebuilds)
    rows = rankings_payload(engine, rules, period, label, "township", Scope.all())["rows"]
    return {r["code"]: (r["valid_callbacks"], round(r["composite"], 4)) for r in rows if r["valid_callbacks"]}


def snapshot_day_ranking(snapshot: dict) -> dict[str, int]:
    table = snapshot["rankings"]["day_township"]
    return {r["code"]: r["valid_callbacks"] for r in table["rows"] if r["valid_callbacks"]}


def test_a_refresh_straddling_midnight_and_month_end_puts_each_case_in_its_day_and_month(engine):
    poller = Poller(engine, CALENDAR, MemoryCache(), SHANGHAI, 5.0)
    # Case 1 (township A) is called back one second before midnight on 31 October ...
    write_cases(engine, [case("E1", A, "2026-10-31 09:00", "2026-10-31 23:59:59", "CSs")], CALENDAR,
                now=local("2026-10-31 23:59:59"))  # fmt: skip
    before = poller.tick(local("2026-10-31 23:59:59") + TICK)
    # ... and case 2 (township B) exactly at midnight, while the wall refreshes across it.
    write_cases(engine, [case("E2", B, "2026-10-31 22:00", "2026-11-01 00:00:00", "C-d")], CALENDAR,
                now=local("2026-11-01 00:00:00"))  # fmt: skip
    after = poller.tick(local("2026-11-01 00:00:00") + TICK)

    assert (before["assessment_day"], before["month"]) == ("2026-10-31", "2026-10")
    assert (after["assessment_day"], after["month"]) == ("2026-11-01", "2026-11")
    assert snapshot_day_ranking(before) == {A: 1}
    assert snapshot_day_ranking(after) == {B: 1}  # the new day starts empty but for case 2
    assert after["rankings"]["day_township"]["date"] == "2026-11-01"
    # Each case in its own day and month, nothing in both:
    assert valid_callbacks(engine, CALENDAR, "day", "2026-10-31") == {A: (1, 100.0)}
    assert valid_callbacks(engine, CALENDAR, "day", "2026-11-01") == {B: (1, 10.0)}
    assert valid_callbacks(engine, CALENDAR, "month", "2026-10") == {A: (1, 100.0)}
    assert valid_callbacks(engine, CALENDAR, "month", "2026-11") == {B: (1, 10.0)}


@pytest.mark.parametrize(
    ("instant", "day", "month"),
    [
        # day_cutoff_hour 12: day D runs D-1 12:00 .. D 12:00; month_cutoff_day 19: month M is the
        # assessment days from (M-1)-19 to M-18, so day 10-19 already belongs to 2026-11.
        ("2026-10-18 11:59:59", "2026-10-18", "2026-10"),
        ("2026-10-18 12:00:00", "2026-10-19", "2026-11"),
        ("2026-12-31 11:59:59", "2026-12-31", "2027-01"),  # past the 19th: next month, next year
        ("2026-12-31 12:00:00", "2027-01-01", "2027-01"),
    ],
)
def test_the_snapshot_switches_day_and_month_exactly_at_the_cutoff(engine, instant, day, month):
    snapshot = Poller(engine, NOON_19, MemoryCache(), SHANGHAI, 5.0).tick(local(instant))
    assert (snapshot["assessment_day"], snapshot["month"]) == (day, month)
    assert snapshot["rankings"]["day_township"]["date"] == day


def test_rankings_switch_exactly_at_the_configured_cutoff(engine):
    write_cases(engine, [
        case("N1", A, "2026-10-18 08:00", "2026-10-18 11:59:59", "CSs"),  # day 10-18, month 2026-10
        case("N2", B, "2026-10-18 08:00", "2026-10-18 12:00:00", "C-d"),  # day 10-19, month 2026-11
        case("N3", A, "2026-09-18 08:00", "2026-09-18 12:00:00", "C-d"),  # day 09-19, month 2026-10
    ], NOON_19, now=local("2026-10-20 00:00"))  # fmt: skip
    assert valid_callbacks(engine, NOON_19, "day", "2026-10-18") == {A: (1, 100.0)}
    assert valid_callbacks(engine, NOON_19, "day", "2026-10-19") == {B: (1, 10.0)}
    # Month 2026-10 = days 09-19 .. 10-18: N3 and N1, both township A: 2 valid callbacks,
    # response 2/2, resolution 1/2, satisfaction 1/2 -> 100 x (0.1 + 0.25 + 0.2) = 55.
    assert valid_callbacks(engine, NOON_19, "month", "2026-10") == {A: (2, 55.0)}
    assert valid_callbacks(engine, NOON_19, "month", "2026-11") == {B: (1, 10.0)}
    # Under calendar periods the same three callbacks fall differently: N1 and N2 in October, N3 in September.
    assert valid_callbacks(engine, CALENDAR, "month", "2026-10") == {A: (1, 100.0), B: (1, 10.0)}
    assert valid_callbacks(engine, CALENDAR, "month", "2026-09") == {A: (1, 10.0)}


def test_the_assessment_day_moves_once_per_tick_sequence_across_midnight(engine):
    """Ticks every 0.5 s from 23:59:58 to 00:00:02 local: the day changes at the first tick at or past 00:00."""
    poller = Poller(engine, CALENDAR, MemoryCache(), SHANGHAI, 5.0)
    start = local("2026-10-31 23:59:58")
    days = [poller.tick(start + i * TICK)["assessment_day"] for i in range(9)]
    # ticks at :58.0 :58.5 :59.0 :59.5 then 00:00:00.0 ...: four on the 31st, five on the 1st
    assert days == ["2026-10-31"] * 4 + ["2026-11-01"] * 5

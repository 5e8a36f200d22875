"""Shared cases for the analysis tests (trace, what-if, pack): the hand-worked months of
tests/test_rankings.py (its docstring holds the arithmetic), written the poller's way."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import Engine

from dashboard.live.rollups import catch_up
from tests.assessment_data import SHANGHAI, add_reference, write_cases
from tests.test_rankings import FEBRUARY, MARCH, RULES, _month_cases, _special_cases


def write_scenario(engine: Engine) -> Engine:
    add_reference(engine)
    write_cases(engine, _month_cases(FEBRUARY, "F", "2026-02-03 09:00", "2026-02-10 10:00"), RULES)
    march = _month_cases(MARCH, "M", "2026-03-05 09:00", "2026-03-10 10:00") + _special_cases()
    write_cases(engine, march, RULES, now=datetime.now(UTC) + timedelta(seconds=1))
    catch_up(engine, RULES, SHANGHAI)
    return engine


def fake_runtime(engine: Engine, rules=RULES) -> SimpleNamespace:
    """What the analysis blueprint reads from a Runtime: engine, rules and the time zone."""
    return SimpleNamespace(engine=engine, rules=rules, settings=SimpleNamespace(tz=SHANGHAI))

"""The unit pages' forecast memo (dashboard.live.analysis_source): one computation per day and bucket.

The forecast itself is replaced by a recorder (a real one simulates 1,000 months: test_forecast.py).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dashboard.assessment.rules import load_rules
from dashboard.live import analysis_source
from dashboard.live.analysis_source import FORECAST_SIMULATIONS, AnalysisSource
from dashboard.scope import Scope
from dashboard.settings import DEFAULT_RULES_PATH

TZ = ZoneInfo("Asia/Shanghai")
RULES = load_rules(DEFAULT_RULES_PATH)  # calendar days and months
# 10:00 on Wednesday 11 March 2026 in Beijing, the start of a ten-minute bucket: forecast from 10 March.
NOW = datetime(2026, 3, 11, 2, 0, tzinfo=UTC)
OWN = Scope.for_districts(["110105"])


@pytest.fixture
def computed(monkeypatch) -> list[date]:
    """The assessment days the forecast was computed for, in order."""
    days: list[date] = []

    def recorder(_engine, _rules, as_of: date, scope: Scope, sims: int) -> dict:
        assert scope == Scope.all() and sims == FORECAST_SIMULATIONS  # city-wide, scoped on the way out
        days.append(as_of)
        rows = [{"code": "110105001", "district_code": "110105"}, {"code": "110108001", "district_code": "110108"}]
        return {"as_of": as_of.isoformat(), "rows": rows}

    monkeypatch.setattr(analysis_source, "forecast", recorder)
    return days


def source() -> AnalysisSource:
    return AnalysisSource(None, RULES, TZ, None)


def test_the_same_day_and_bucket_compute_once(computed):
    memo = source()
    first = memo.forecast(Scope.all(), NOW)
    again = memo.forecast(Scope.all(), NOW + timedelta(minutes=9, seconds=59))
    assert computed == [date(2026, 3, 10)]
    assert first == again and first["as_of"] == "2026-03-10"


def test_a_new_bucket_or_a_new_day_computes_again(computed):
    memo = source()
    memo.forecast(Scope.all(), NOW)
    memo.forecast(Scope.all(), NOW + timedelta(minutes=10))  # the next bucket of the same day
    memo.forecast(Scope.all(), datetime(2026, 3, 11, 16, 0, tzinfo=UTC))  # midnight in Beijing: 12 March
    assert computed == [date(2026, 3, 10), date(2026, 3, 10), date(2026, 3, 11)]


def test_a_month_first_day_forecasts_from_that_day(computed):
    source().forecast(Scope.all(), datetime(2026, 3, 1, 2, 0, tzinfo=UTC))  # nothing of March is complete yet
    assert computed == [date(2026, 3, 1)]


def test_every_scope_shares_one_computation_and_sees_its_own_rows(computed):
    memo = source()
    everyone = memo.forecast(Scope.all(), NOW)
    mine = memo.forecast(OWN, NOW)
    assert [r["code"] for r in everyone["rows"]] == ["110105001", "110108001"]
    assert [r["code"] for r in mine["rows"]] == ["110105001"] and mine["as_of"] == "2026-03-10"
    assert memo.township("110105001", OWN, NOW)[0] == {"code": "110105001", "district_code": "110105"}
    assert memo.township("110108001", OWN, NOW)[0] is None  # another district's township: no line
    assert computed == [date(2026, 3, 10)]


def test_pack_months_and_a_broken_targets_file(tmp_path, caplog):
    memo = AnalysisSource(None, RULES, TZ, tmp_path / "missing.csv")
    assert memo.overrides == {} and "using the rules' default targets" in caplog.text
    assert memo.pack_months(NOW) == ["2026-02", "2026-03"]

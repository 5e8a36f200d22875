"""The unit pages' analysis: the month-end forecast (memoised) and the targets table, for a viewer's scope.

The forecast costs seconds (1,000 simulated months), so each worker keeps one per assessment day and
ten-minute bucket, computed city-wide and limited to the viewer's districts on the way out; the
targets table is a handful of rollup sums, read each time.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from dashboard.assessment.forecast import forecast
from dashboard.assessment.periods import assessment_day, month_of_day
from dashboard.assessment.rules import Rules
from dashboard.assessment.targets import Overrides, TargetsError, load_overrides, scorecard
from dashboard.scope import Scope

log = logging.getLogger(__name__)
FORECAST_SIMULATIONS = 1000
REFRESH_SECONDS = 600


def forecast_day(today: date, rules: Rules) -> date:
    """Forecast from complete days (yesterday), except on a month's first day (nothing complete yet)."""
    return today if month_of_day(today, rules).first_day == today else today - timedelta(days=1)


def overrides_or_defaults(path: Path | None) -> Overrides:
    """The targets file's overrides; a broken file falls back to the rules' targets (a warning, no crash)."""
    try:
        return load_overrides(path)
    except TargetsError as exc:
        log.warning("%s: using the rules' default targets", exc)
        return {}


class AnalysisSource:
    """Forecasts (memoised per assessment day and bucket, city-wide; rows scoped on the way out) and targets."""

    def __init__(self, engine: Engine, rules: Rules, tz: ZoneInfo, targets_path: Path | None) -> None:
        self.engine, self.rules, self.tz = engine, rules, tz
        self.overrides = overrides_or_defaults(targets_path)
        self._forecast = lru_cache(maxsize=4)(self._compute)

    def today(self, now: datetime) -> date:
        return assessment_day(now, self.rules, self.tz)

    def _compute(self, as_of: date, _bucket: int) -> dict[str, Any]:
        return forecast(self.engine, self.rules, as_of, Scope.all(), FORECAST_SIMULATIONS)

    def forecast(self, scope: Scope, now: datetime) -> dict[str, Any]:
        """The forecast as of `now` (at most ten minutes old), with the rows of the viewer's districts."""
        result = self._forecast(forecast_day(self.today(now), self.rules), int(now.timestamp() // REFRESH_SECONDS))
        return {**result, "rows": [r for r in result["rows"] if scope.sees_district(r["district_code"])]}

    def township(self, code: str, scope: Scope, now: datetime) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        """(the township's forecast row or None, the whole forecast) for the township page's line."""
        result = self.forecast(scope, now)
        return next((r for r in result["rows"] if r["code"] == code), None), result

    def targets(self, code: str, scope: Scope, now: datetime) -> list[dict[str, Any]]:
        """The district's targets and actuals per window (empty when the viewer may not see it)."""
        card = scorecard(self.engine, self.rules, self.overrides, "district", self.today(now), scope)
        return card.get(code, [])

    def pack_months(self, now: datetime) -> list[str]:
        """The months a meeting pack can be made for: the previous and the current one."""
        current = month_of_day(self.today(now), self.rules)
        return [current.previous(self.rules).label, current.label]

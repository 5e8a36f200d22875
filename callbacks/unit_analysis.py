"""Forecast line (township page) and at-risk list, targets and meeting pack (district page).

The forecast costs seconds (1,000 simulated months), so `AnalysisSource` keeps one per assessment
day and ten-minute bucket in each worker; the targets table is a handful of rollup sums.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from dash import Dash, Input, Output, State, html, no_update

from dashboard.access.web import viewer_scope
from dashboard.assessment.forecast import at_risk, forecast
from dashboard.assessment.periods import assessment_day, month_of_day
from dashboard.assessment.targets import TargetsError, load_overrides, scorecard
from dashboard.scope import Scope
from layouts import forecast as views
from layouts import ids
from layouts.routes import parse_view

log = logging.getLogger(__name__)
FORECAST_SIMULATIONS = 1000
REFRESH_SECONDS = 600


def forecast_day(today: date, rules) -> date:
    """Forecast from complete days (yesterday), except on a month's first day (nothing complete yet)."""
    return today if month_of_day(today, rules).first_day == today else today - timedelta(days=1)


class AnalysisSource:
    """Forecasts (memoised per day and bucket, city-wide; rows scoped on the way out) and targets."""

    def __init__(self, runtime) -> None:
        self.runtime = runtime
        try:
            self.overrides = load_overrides(runtime.settings.targets_path)
        except TargetsError as exc:
            log.warning("%s: using the rules' default targets", exc)
            self.overrides = {}
        self._forecast = lru_cache(maxsize=4)(self._compute)

    def today(self) -> date:
        return assessment_day(datetime.now(UTC), self.runtime.rules, self.runtime.settings.tz)

    def _compute(self, as_of: date, _bucket: int) -> dict[str, Any]:
        return forecast(self.runtime.engine, self.runtime.rules, as_of, Scope.all(), FORECAST_SIMULATIONS)

    def forecast(self, scope: Scope) -> dict[str, Any]:
        result = self._forecast(forecast_day(self.today(), self.runtime.rules), int(time.time() // REFRESH_SECONDS))
        return {**result, "rows": [r for r in result["rows"] if scope.districts is None or r["district_code"]
                                   in scope.districts]}  # fmt: skip

    def targets(self, code: str, scope: Scope) -> list[dict[str, Any]]:
        card = scorecard(self.runtime.engine, self.runtime.rules, self.overrides, "district", self.today(), scope)
        return card.get(code, [])


def township_panel(source: AnalysisSource, code: str, scope: Scope, lang: str) -> html.Div:
    result = source.forecast(scope)
    row = next((r for r in result["rows"] if r["code"] == code), None)
    return views.forecast_line(row, result, lang)


def district_panel(source: AnalysisSource, code: str, scope: Scope, lang: str) -> html.Div:
    result = source.forecast(scope)
    current = month_of_day(source.today(), source.runtime.rules)
    months = [current.previous(source.runtime.rules).label, current.label]
    return views.district_analysis(views.at_risk_list(at_risk(result, code), lang),
                                   views.targets_table(source.targets(code, scope), lang),
                                   views.pack_links(code, months, lang), lang)  # fmt: skip


def register(app: Dash, context) -> None:
    source = AnalysisSource(context.runtime)

    @app.callback(
        Output(ids.UNIT_ANALYSIS, "children"),
        Input(ids.UNIT_ANALYSIS, "id"),
        State(ids.URL, "pathname"),
        State(ids.URL, "search"),
    )
    def fill(_id, pathname, search):
        view = parse_view(pathname, search)
        if view.page == "township":
            return township_panel(source, view.arg, viewer_scope(), view.lang)
        if view.page == "district":
            return district_panel(source, view.arg, viewer_scope(), view.lang)
        return no_update

"""Forecast line (township page) and at-risk list, targets and meeting pack (district page).

The numbers come from `dashboard.live.analysis_source` (the forecast memoised in each worker).
"""

from __future__ import annotations

from datetime import UTC, datetime

from dash import Dash, Input, Output, html, no_update

from callbacks.context import AppContext
from callbacks.wiring import with_url
from dashboard.access.web import viewer_scope
from dashboard.assessment.forecast import at_risk
from dashboard.live.analysis_source import AnalysisSource
from dashboard.scope import Scope
from layouts import forecast as views
from layouts import ids
from layouts.routes import parse_view


def township_panel(source: AnalysisSource, code: str, scope: Scope, lang: str, now: datetime) -> html.Div:
    return views.forecast_line(*source.township(code, scope, now), lang)


def district_panel(source: AnalysisSource, code: str, scope: Scope, lang: str, now: datetime) -> html.Div:
    result = source.forecast(scope, now)
    return views.district_analysis(views.at_risk_list(at_risk(result, code), lang),
                                   views.targets_table(source.targets(code, scope, now), lang),
                                   views.pack_links(code, source.pack_months(now), lang), lang)  # fmt: skip


def register(app: Dash, context: AppContext) -> None:
    runtime = context.runtime
    source = AnalysisSource(runtime.engine, runtime.rules, runtime.settings.tz, runtime.settings.targets_path)
    panels = {"township": township_panel, "district": district_panel}

    @with_url(app, Output(ids.UNIT_ANALYSIS, "children"), Input(ids.UNIT_ANALYSIS, "id"), initial=True)
    def fill(_id, pathname, search):
        view = parse_view(pathname, search)
        panel = panels.get(view.page)
        return no_update if panel is None else panel(source, view.arg, viewer_scope(), view.lang, datetime.now(UTC))

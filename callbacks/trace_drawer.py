"""The drawer behind the unit pages' rate tiles: tap a rate, see the callbacks behind it (issue 15).

Thin wiring around `drawer_content`, which tests call directly. The scope comes from
`dashboard.access.web.viewer_scope`, like the trace endpoint's, so a district manager sees only
their own districts' orders here too.
"""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, ctx, no_update

from callbacks.context import AppContext
from callbacks.wiring import with_url
from dashboard.api.analysis import viewer_scope
from dashboard.assessment.trace import TraceDenied, rows_behind, trace_payload
from dashboard.live.contract import Snapshot
from dashboard.scope import Scope
from layouts import ids, trace
from layouts.i18n import t
from layouts.routes import parse_view

OPEN, CLOSED = "trace-drawer", "trace-drawer hidden"


def current_month(snapshot: Snapshot | None) -> str | None:
    """The month the unit page's figures are for (the snapshot's current month ranking)."""
    ranking = snapshot["rankings"].get("month_township") if snapshot else None
    return ranking.get("date") if ranking else None


def drawer_content(runtime, names: dict[str, str], level: str, code: str, month: str, figure: str, scope: Scope,
                   lang: str) -> tuple[str, str, list[dict[str, Any]], str]:  # fmt: skip
    """(title, summary, grid rows, export link) of the list behind `figure`; the title says when denied."""
    try:
        payload = trace_payload(runtime.engine, runtime.rules, level, code, "month", month, scope, runtime.settings.tz)
    except TraceDenied:
        return t("trace_denied", lang), "", [], ""
    records = rows_behind(payload, figure)
    return (trace.title(payload, figure, lang), trace.summary(payload, figure, lang), trace.rows(records, names, lang),
            trace.export_href(payload, figure))  # fmt: skip


def register(app: Dash, context: AppContext) -> None:
    @with_url(app, Output(ids.TRACE_DRAWER, "className"), Output(ids.TRACE_TITLE, "children"),
              Output(ids.TRACE_SUMMARY, "children"), Output(ids.TRACE_GRID, "rowData"),
              Output(ids.TRACE_EXPORT, "href"), Input(ids.TRACE_REQUEST, "data"),
              Input(ids.TRACE_CLOSE, "n_clicks"))  # fmt: skip
    def toggle(request, _close, pathname, search):
        if ctx.triggered_id == ids.TRACE_CLOSE:
            return CLOSED, no_update, no_update, no_update, no_update
        figure = (request or {}).get("figure")
        if figure not in trace.FIGURES:
            return (no_update,) * 5
        view = parse_view(pathname, search)
        month = current_month(context.snapshot())
        if view.page not in ("district", "township") or not month:
            return (no_update,) * 5
        names = context.map_spec("township")["names"]
        content = drawer_content(context.runtime, names, view.page, view.arg, month, figure, viewer_scope(),
                                 view.lang)  # fmt: skip
        return (OPEN, *content)

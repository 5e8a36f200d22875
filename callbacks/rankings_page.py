"""Callbacks of the rankings page: controls <-> URL, payloads (`dashboard.live.ranking_reader`), exports."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, ctx, dcc, no_update

from callbacks.context import AppContext
from callbacks.wiring import on_snapshot, with_url
from dashboard.access.web import audit_event
from dashboard.assessment import export
from dashboard.live.ranking_reader import RankingReader
from layouts import ids, rankings
from layouts.routes import View, parse_view


def page_parts(view: View, source: RankingReader, snapshot: dict[str, Any] | None) -> tuple:
    """(options, payload, series) of the view; a bad date in the URL falls back to the current period."""
    options = rankings.rank_options(view, snapshot)
    try:
        return options, source.payload(options, snapshot), source.series(options, snapshot)
    except ValueError:
        options = {**options, "date": rankings.current_label(snapshot, options["period"])}
        return options, source.payload(options, snapshot), source.series(options, snapshot)


def current_rows(view: View, source: RankingReader, snapshot: dict[str, Any]) -> tuple[list, dict[str, Any]] | None:
    """(grid rows, payload) while the current period is shown; None when nothing changes (a past period)."""
    options, payload, series = page_parts(view, source, snapshot)
    if not payload or options["date"] != rankings.current_label(snapshot, options["period"]):
        return None
    return rankings.grid_rows(payload, series, snapshot["names"], view.lang), payload


def export_file(payload: dict[str, Any], fmt: str) -> dict[str, Any]:
    """A dcc.Download of exactly the payload on screen, rendered like the CLI's export."""
    return dcc.send_bytes(export.render(payload, fmt), rankings.export_filename(payload, fmt))


def register(app: Dash, context: AppContext) -> None:
    runtime = context.runtime
    source = RankingReader(runtime.engine, runtime.rules, runtime.settings.tz)

    def build(view: View, _context):
        snapshot = context.snapshot()
        options, payload, series = page_parts(view, source, snapshot)
        return rankings.page(view, options, payload, series, snapshot)

    context.pages["rankings"] = build

    @with_url(app, Output(ids.URL, "search", allow_duplicate=True), Input(ids.RANK_PERIOD, "value"),
              Input(ids.RANK_LEVEL, "value"), Input(ids.RANK_DATE, "value"), Input(ids.RANK_DAY, "date"))  # fmt: skip
    def controls_to_url(period, level, month, day, pathname, search):
        view = parse_view(pathname, search)
        if view.page != "rankings":
            return no_update
        current = rankings.rank_options(view, context.snapshot())
        new = rankings.changed_options(current, period, level, month, day)
        return no_update if new == current else rankings.search_for(view.query, new)

    @with_url(app, Output(ids.RANK_EXPORT, "data"), Input(ids.RANK_EXPORT_XLSX, "n_clicks"),
              Input(ids.RANK_EXPORT_CSV, "n_clicks"))  # fmt: skip
    def download(_xlsx, _csv, pathname, search):
        _options, payload, _series = page_parts(parse_view(pathname, search), source, context.snapshot())
        if not payload or not ctx.triggered_id:
            return no_update
        fmt = "xlsx" if ctx.triggered_id == ids.RANK_EXPORT_XLSX else "csv"
        audit_event("export", f"rankings/{payload['period']}/{payload['date']}/{payload['level']}", format=fmt)
        return export_file(payload, fmt)

    # One output per callback where a part exists in one mode only (grid on tablets, wall table in kiosk):
    # Dash skips a callback whose only output is absent, but fails on a partly absent multi-output one.
    @on_snapshot(app, context, Output(ids.RANK_CLASSES, "children"), Output(ids.RANK_TITLE, "children"),
                 pages=("rankings",))  # fmt: skip
    def live_lists(snapshot: dict[str, Any], view: View):
        fresh = current_rows(view, source, snapshot)
        if fresh is None:
            return no_update, no_update
        rows, payload = fresh
        return rankings.class_columns(rows, payload["level"], view.lang), rankings.heading(payload, view.lang)

    @on_snapshot(app, context, Output(ids.RANK_GRID, "rowData"), pages=("rankings",))
    def live_grid(snapshot: dict[str, Any], view: View):
        fresh = current_rows(view, source, snapshot)
        return no_update if fresh is None else fresh[0]

    @on_snapshot(app, context, Output(ids.RANK_WALL, "children"), pages=("rankings",))
    def live_wall(snapshot: dict[str, Any], view: View):
        fresh = current_rows(view, source, snapshot)
        return no_update if fresh is None else rankings.wall_rows(fresh[0], fresh[1]["level"], view.lang)

"""Callbacks of the rankings page: controls <-> URL, payloads (`dashboard.live.ranking_reader`), exports."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, State, ctx, dcc, no_update

from callbacks.context import AppContext
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

    @app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Input(ids.RANK_PERIOD, "value"),
        Input(ids.RANK_LEVEL, "value"),
        Input(ids.RANK_DATE, "value"),
        Input(ids.RANK_DAY, "date"),
        State(ids.URL, "pathname"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def controls_to_url(period, level, month, day, pathname, search):
        view = parse_view(pathname, search)
        if view.page != "rankings":
            return no_update
        current = rankings.rank_options(view, context.snapshot())
        new = rankings.changed_options(current, period, level, month, day)
        return no_update if new == current else rankings.search_for(view.query, new)

    @app.callback(
        Output(ids.RANK_EXPORT, "data"),
        Input(ids.RANK_EXPORT_XLSX, "n_clicks"),
        Input(ids.RANK_EXPORT_CSV, "n_clicks"),
        State(ids.URL, "pathname"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def download(_xlsx, _csv, pathname, search):
        _options, payload, _series = page_parts(parse_view(pathname, search), source, context.snapshot())
        if not payload or not ctx.triggered_id:
            return no_update
        fmt = "xlsx" if ctx.triggered_id == ids.RANK_EXPORT_XLSX else "csv"
        audit_event("export", f"rankings/{payload['period']}/{payload['date']}/{payload['level']}", format=fmt)
        return export_file(payload, fmt)

    def live(pathname: str, search: str) -> tuple[View, list[dict[str, Any]], dict[str, Any]] | None:
        """Fresh rows while the current period is shown; None when nothing changes (a past period)."""
        view = parse_view(pathname, search)
        snapshot = context.snapshot()
        if view.page != "rankings" or not snapshot:
            return None
        options, payload, series = page_parts(view, source, snapshot)
        if not payload or options["date"] != rankings.current_label(snapshot, options["period"]):
            return None
        return view, rankings.grid_rows(payload, series, snapshot["names"], view.lang), payload

    # One output per callback where a part exists in one mode only (grid on tablets, wall table in kiosk):
    # Dash skips a callback whose only output is absent, but fails on a partly absent multi-output one.
    @app.callback(
        Output(ids.RANK_CLASSES, "children"),
        Output(ids.RANK_TITLE, "children"),
        Input(ids.SNAPSHOT, "data"),
        State(ids.URL, "pathname"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def live_lists(_stub, pathname: str, search: str):
        fresh = live(pathname, search)
        if fresh is None:
            return no_update, no_update
        view, rows, payload = fresh
        return rankings.class_columns(rows, payload["level"], view.lang), rankings.heading(payload, view.lang)

    @app.callback(
        Output(ids.RANK_GRID, "rowData"),
        Input(ids.SNAPSHOT, "data"),
        State(ids.URL, "pathname"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def live_grid(_stub, pathname: str, search: str):
        fresh = live(pathname, search)
        return no_update if fresh is None else fresh[1]

    @app.callback(
        Output(ids.RANK_WALL, "children"),
        Input(ids.SNAPSHOT, "data"),
        State(ids.URL, "pathname"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def live_wall(_stub, pathname: str, search: str):
        fresh = live(pathname, search)
        if fresh is None:
            return no_update
        view, rows, payload = fresh
        return rankings.wall_rows(rows, payload["level"], view.lang)

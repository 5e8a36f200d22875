"""Callbacks of the overview: when the snapshot version moves, redraw from the cached snapshot."""

from __future__ import annotations

from typing import Any

from dash import ClientsideFunction, Dash, Input, Output, State, no_update

from callbacks.context import AppContext
from callbacks.wiring import on_snapshot, with_search
from dashboard.live.contract import Snapshot
from layouts import ids, overview
from layouts.routes import View, parse_view

RANKING_GRID = "overview-ranking-grid"


def map_values(snapshot: Snapshot, layer: str, measure: str, codes: list[str]) -> list[float | None]:
    """One value per code, in the map's order; units with no data show 0, never vanish."""
    values = snapshot["map"][layer]
    return [values.get(code, {}).get(measure, 0) for code in codes]


def overview_parts(snapshot: dict[str, Any] | None, view: View, codes: list[str]) -> tuple:
    """Everything the overview shows, from one snapshot (plain function: unit-tested)."""
    lang = view.lang
    return (
        overview.kpi_tiles(snapshot, lang),
        overview.countdown_rows(snapshot, lang),
        overview.top10_rows(snapshot, lang),
        overview.class_lists(snapshot, lang),
        overview.classes_title(snapshot, lang),
        map_values(snapshot, "township", overview.OVERVIEW_MEASURE, codes),
    )


def register(app: Dash, context: AppContext) -> None:
    context.pages["overview"] = lambda view, ctx: overview.page(
        view, ctx.map_spec("township"), ctx.tile_url, ctx.townships_approximate
    )

    @on_snapshot(app, context, Output(ids.KPIS, "children"), Output(ids.COUNTDOWNS, "children"),
                 Output(ids.TOP10, "children"), Output(ids.CLASS_LISTS, "children"),
                 Output(ids.CLASSES_TITLE, "children"), Output(ids.MAP_VALUES, "data"),
                 also=(Input(ids.KPIS, "id"),), initial=True)  # fmt: skip
    def render(snapshot: dict[str, Any], view: View):
        return overview_parts(snapshot, view, context.map_spec("township")["codes"])

    @with_search(app, Output(RANKING_GRID, "rowData"), Input(ids.SNAPSHOT, "data"), Input(RANKING_GRID, "id"),
                 initial=True)  # fmt: skip
    def ranking(stub: dict[str, Any] | None, _grid: str, search: str):
        snapshot = context.snapshot()
        return overview.ranking_rows(snapshot, parse_view("/", search).lang) if snapshot else no_update

    # Colours change in the browser from values the server sent (assets/map_values.js).
    app.clientside_callback(
        ClientsideFunction("hotline", "mapValues"),
        Output(ids.MAP_VALUES, "id"),
        Input(ids.MAP_VALUES, "data"),
        State(ids.MAP, "id"),
    )

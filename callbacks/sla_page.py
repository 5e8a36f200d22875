"""Callbacks of the SLA board: filters <-> URL, grid pages read from the case database, live tiles.

The URL is the single source of truth for the filters: a control writes the query string, the
router rebuilds the page from it (so a bookmark, a reload and the back button show the same board).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dash import Dash, Input, Output, State, ctx, no_update

from callbacks import open_orders
from callbacks.context import AppContext
from callbacks.wiring import on_snapshot, with_url
from dashboard.access.web import viewer_scope
from dashboard.live.contract import Snapshot, names_of
from layouts import ids, sla
from layouts.routes import View, parse_view

FILTER_IDS = {
    ids.SLA_DISTRICT: "district",
    ids.SLA_TOWNSHIP: "township",
    ids.SLA_CATEGORY: "category",
    ids.SLA_URGENCY: "urgency",
    ids.SLA_STATE: "state",
}


def filters_search(query: dict[str, str], names: dict[str, Any], values: dict[str, str | None],
                   trigger: str | None) -> str | None:  # fmt: skip
    """The new query string after a filter changed, or None when the URL already says so (no loop)."""
    current = sla.filters_from_query(query, names)
    new = sla.changed_filters(current, values, trigger)
    return None if new == current else sla.search_with(query, new)


def register(app: Dash, context: AppContext) -> None:
    reader = open_orders.reader(context)
    tz = context.runtime.settings.tz

    def board_for(view: View, snapshot: Snapshot | None) -> sla.Board:
        filters = sla.filters_from_query(view.query, names_of(snapshot))
        return open_orders.board(context, snapshot, viewer_scope(), filters) if snapshot else sla.EMPTY_BOARD

    def filters_of(view: View, snapshot: Snapshot) -> sla.SlaFilters:
        return sla.filters_from_query(view.query, snapshot["names"])

    def build(view, _context):
        snapshot = context.snapshot()
        return sla.page(view, snapshot, board_for(view, snapshot), tz)

    context.pages["sla"] = build

    @with_url(app, Output(ids.URL, "search", allow_duplicate=True), *(Input(cid, "value") for cid in FILTER_IDS))
    def filters_to_url(*args):
        *values, pathname, search = args
        view = parse_view(pathname, search)
        snapshot = context.snapshot()
        if view.page != "sla" or not snapshot:
            return no_update
        chosen = dict(zip(FILTER_IDS.values(), values, strict=True))
        new = filters_search(view.query, snapshot["names"], chosen, FILTER_IDS.get(ctx.triggered_id))
        return no_update if new is None else new

    @with_url(app, Output(ids.SLA_GRID, "getRowsResponse"), Input(ids.SLA_GRID, "getRowsRequest"))
    def rows(request: dict[str, Any] | None, pathname: str, search: str):
        snapshot = context.snapshot()
        if not request or not snapshot:
            return {"rowData": [], "rowCount": 0}
        view = parse_view(pathname, search)
        page = reader.page(snapshot, viewer_scope(), filters_of(view, snapshot), sla.sort_key(request.get("sortModel")),
                           *sla.block_range(request))  # fmt: skip
        now = datetime.fromisoformat(snapshot["generated_at"])
        return sla.rows_response(page, snapshot["names"], view.lang, tz, now)

    @on_snapshot(app, context, Output(ids.SLA_COUNTS, "children"), Output(ids.SLA_OVERDUE_BY_TOWNSHIP, "children"),
                 pages=("sla",))  # fmt: skip
    def live_counts(snapshot: dict[str, Any], view: View):
        board = board_for(view, snapshot)
        return (sla.count_tiles(board, view, filters_of(view, snapshot)),
                sla.township_bars(board, snapshot["names"], view.lang))  # fmt: skip

    @on_snapshot(app, context, Output(ids.SLA_ROWS_TITLE, "children"), pages=("sla",))
    def live_title(snapshot: dict[str, Any], view: View):
        return sla.rows_title(board_for(view, snapshot), filters_of(view, snapshot), view.lang)

    @on_snapshot(app, context, Output(ids.SLA_WALL_ROWS, "children"), pages=("sla",))
    def live_wall_rows(snapshot: dict[str, Any], view: View):
        now = datetime.fromisoformat(snapshot["generated_at"])
        return sla.wall_rows(board_for(view, snapshot), snapshot["names"], view.lang, tz, now)

    # The grid survives the router's re-render when the filters change (same id, same place), so the
    # browser drops its blocks itself: a new query string purges the cache (rows are read again with the
    # new filters), a new snapshot refreshes the loaded blocks in place (the scroll position stays).
    app.clientside_callback(
        """function (stub, search, gridId) {
            var trigger = (window.dash_clientside.callback_context.triggered[0] || {}).prop_id || "";
            try {
                var api = window.dash_ag_grid.getApi(gridId);
                if (api && !api.isDestroyed()) {
                    if (trigger.indexOf("search") >= 0) { api.purgeInfiniteCache(); }
                    else { api.refreshInfiniteCache(); }
                }
            } catch (e) { /* the grid is not mounted yet: its first load reads the current filters anyway */ }
            return window.dash_clientside.no_update;
        }""",
        Output(ids.SLA_GRID, "className"),
        Input(ids.SNAPSHOT, "data"),
        Input(ids.URL, "search"),
        State(ids.SLA_GRID, "id"),
        prevent_initial_call=True,
    )

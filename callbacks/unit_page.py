"""Callbacks of the district and township pages: rebuild the body from each new snapshot."""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import ClientsideFunction, Dash, Input, Output, State, dcc, no_update

from callbacks import open_orders
from callbacks.context import AppContext
from callbacks.map_page import camera_for
from callbacks.overview import map_values
from callbacks.wiring import on_snapshot
from dashboard.access.web import audit_event, viewer_scope
from dashboard.assessment.export import district_sheet, render
from layouts import ids, shell, unit
from layouts.i18n import t
from layouts.maps import map_figure
from layouts.routes import View, parse_view


def unit_names(
    snapshot: dict[str, Any] | None, context: AppContext, level: str, code: str
) -> tuple[str, tuple[str, str] | None]:
    """Display name of the unit and, for a township, its district (code, name); KeyError if unknown."""
    spec = context.map_spec(level)
    name = spec["names"][code]
    if level == "district":
        return name, None
    district = context.map_spec("township")["parents"][code]
    return name, (district, context.map_spec("district")["names"][district])


def district_spec(context: AppContext, code: str) -> dict[str, Any]:
    """The township layer cut to one district's townships, outlined by that district alone."""
    full = context.map_spec("township")
    mine = [i for i, town in enumerate(full["codes"]) if full["parents"][town] == code]
    return {**full, "codes": [full["codes"][i] for i in mine], "labels": [full["labels"][i] for i in mine],
            "outline_codes": [code]}  # fmt: skip


def district_map(view: View, context: AppContext, snapshot: dict[str, Any] | None, code: str) -> Any:
    """The district's townships coloured by today's orders, zoomed to the district; taps open a township."""
    spec = district_spec(context, code)
    center, zoom = camera_for(context.district_bounds[code])
    z = map_values(snapshot or {}, "township", "orders_today", spec["codes"])
    figure = map_figure(spec, z, "orders_today", view.theme, center=center, zoom=zoom, tile_url=context.tile_url,
                        title=t("orders_today", view.lang))  # fmt: skip
    figure.update_layout(uirevision=f"district-{code}")
    return unit.district_map_panel(figure, context.district_bounds[code])


def build(view: View, context: AppContext) -> Any:
    level, code = view.page, view.arg
    snapshot = context.snapshot()
    try:
        name, parent = unit_names(snapshot, context, level, code)
    except KeyError:
        return shell.not_found(view.lang, "unknown_unit")
    graph = district_map(view, context, snapshot, code) if level == "district" else None
    due = due_rows(context, view, snapshot)
    return unit.page(level, code, name, parent, snapshot, view.lang, view.theme, graph, due)


def due_rows(context: AppContext, view: View, snapshot: dict[str, Any] | None) -> pd.DataFrame:
    """The unit's orders nearest their deadline, from the case database (memoised per snapshot)."""
    if not snapshot:
        return pd.DataFrame()
    return open_orders.reader(context).due_soon(snapshot, viewer_scope(), view.page, view.arg, unit.DUE_SOON_ROWS)


def register(app: Dash, context: AppContext) -> None:
    context.pages["district"] = context.pages["township"] = build

    @on_snapshot(app, context, Output(ids.UNIT_KPIS, "children"), Output(ids.UNIT_BODY, "children"),
                 pages=("district", "township"))  # fmt: skip
    def refresh(snapshot: dict[str, Any], view: View):
        return (unit.kpis(snapshot, view.page, view.arg, view.lang),
                unit.body(snapshot, view.page, view.arg, view.lang, view.theme,
                          due_rows(context, view, snapshot)))  # fmt: skip

    @on_snapshot(app, context, Output(ids.UNIT_TABLE, "children"), Output(ids.UNIT_MAP_VALUES, "data"),
                 pages=("district",), also=(Input(ids.UNIT_TABLE, "id"),))  # fmt: skip
    def refresh_district(snapshot: dict[str, Any], view: View):
        values = map_values(snapshot, "township", "orders_today", district_spec(context, view.arg)["codes"])
        return unit.township_links(snapshot, view.arg, view.lang), values

    @app.callback(
        Output(ids.UNIT_EXPORT, "data"),
        Input(ids.UNIT_EXPORT_BUTTON, "n_clicks"),
        State(ids.URL, "pathname"),
        prevent_initial_call=True,
    )
    def export(n_clicks, pathname):
        snapshot = context.snapshot()
        view = parse_view(pathname, "")
        if not n_clicks or not snapshot or view.page != "district" or not context.may_view(view):
            return no_update
        payload = district_sheet(snapshot["rankings"]["month_township"], view.arg)
        audit_event("export", f"district/{view.arg}", format="xlsx")
        return dcc.send_bytes(render(payload, "xlsx"), f"district-{view.arg}-{payload['date']}.xlsx")

    app.clientside_callback(
        ClientsideFunction("hotline", "mapValues"),
        Output(ids.UNIT_MAP_VALUES, "id"),
        Input(ids.UNIT_MAP_VALUES, "data"),
        State(ids.UNIT_MAP, "id"),
    )

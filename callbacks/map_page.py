"""Callbacks of the hotspot map: the URL holds the controls; snapshots only move the colours."""

from __future__ import annotations

import json
import math
from typing import Any
from urllib.parse import urlencode

from dash import ClientsideFunction, Dash, Input, Output, State, no_update

from callbacks.context import AppContext
from callbacks.hotwords import word_panel, word_township_counts
from callbacks.wiring import on_snapshot, with_url
from dashboard.live.contract import Snapshot
from layouts import ids, map_page
from layouts.hotspots import hotspot_cards, hotspot_points
from layouts.i18n import t
from layouts.maps import map_figure
from layouts.routes import View, parse_view

MEASURE_KEYS = {"vs_baseline": "vs_baseline", "overdue": "overdue", "composite": "composite"}
# Rough map panel size (CSS px) used to choose a district's zoom; the browser refits Beijing itself.
PANEL_PX = (1100, 720)


def measure_values(snapshot: dict[str, Any] | None, spec: dict[str, Any], options: dict[str, str]) -> list:
    """One value per unit of the layer for the chosen measure, window and category."""
    if not snapshot:
        return [0] * len(spec["codes"])
    layer, measure, category = options["layer"], options["measure"], options["category"]
    values = snapshot["map"][layer]
    if options.get("word") or (measure == "orders" and category):
        per_town = snapshot["category_orders"][options["window"]]
        counts = (
            word_township_counts(snapshot, options["word"])  # a hot word: the orders naming it in 24 h
            if options.get("word")
            else {code: cats.get(category, 0) for code, cats in per_town.items()}
        )
        if layer == "district":
            parent = snapshot["names"]["township_district"]
            totals: dict[str, int] = {}
            for code, n in counts.items():
                totals[parent[code]] = totals.get(parent[code], 0) + n
            counts = totals
        return [counts.get(code, 0) for code in spec["codes"]]
    key = MEASURE_KEYS.get(measure, f"orders_{options['window']}")
    return [values.get(code, {}).get(key) for code in spec["codes"]]


def camera_for(bounds: list[float]) -> tuple[dict[str, float], float]:
    """Centre and zoom that fit a bounding box [minx, miny, maxx, maxy] into the map panel."""
    minx, miny, maxx, maxy = bounds
    width_px, height_px = PANEL_PX
    lat_stretch = 1 / math.cos(math.radians((miny + maxy) / 2))
    zoom_x = math.log2(width_px * 360 / (512 * max(maxx - minx, 1e-3)))
    zoom_y = math.log2(height_px * 360 / (512 * max(maxy - miny, 1e-3) * lat_stretch))
    return {"lon": (minx + maxx) / 2, "lat": (miny + maxy) / 2}, min(zoom_x, zoom_y) - 0.15


def build(view: View, context: AppContext) -> Any:
    options = map_page.map_options(view)
    snapshot = context.snapshot()
    spec = context.map_spec(options["layer"])
    focus = context.district_bounds.get(options["focus"]) if options["focus"] else None
    center, zoom = camera_for(focus) if focus else (None, None)
    hotspots = hotspot_points(snapshot["hotspots"] if snapshot else [], context.township_points, view.lang)
    figure = map_figure(spec, measure_values(snapshot, spec, options), options["measure"], view.theme,
                        center=center, zoom=zoom, hotspots=hotspots, tile_url=context.tile_url,
                        title=t(f"measure_{options['measure']}", view.lang))  # fmt: skip
    figure.update_layout(uirevision=f"{options['layer']}-{options['focus']}")
    bounds = json.dumps(focus) if focus else None
    extra = word_panel(view, context, snapshot, options["word"])
    categories = map_page.category_choices(snapshot)
    return map_page.page(view, options, categories, figure, snapshot, context.townships_approximate, bounds, extra)


def search_for(view: View, **changes: str | None) -> str:
    """The query string with some controls changed; empty values are dropped to keep URLs short."""
    query = {k: v for k, v in {**view.query, **changes}.items() if v}
    return "?" + urlencode(query) if query else ""


def click_target(view: View, point: dict[str, Any]) -> tuple[str | None, str | None]:
    """(pathname, search) after a tap: a district zooms in, a second tap (or a township) opens it."""
    options = map_page.map_options(view)
    code = point.get("location")
    if not code:
        return None, None
    if options["layer"] == "township":
        return f"/township/{code}", search_for(view, layer=None, measure=None, window=None, category=None,
                                               focus=None)  # fmt: skip
    if options["focus"] == code:
        return f"/district/{code}", search_for(view, layer=None, measure=None, window=None, category=None,
                                               focus=None)  # fmt: skip
    return None, search_for(view, focus=code) or None


def controls_search(view: View, layer: str, measure: str, window: str, category: str | None) -> str | None:
    """The new query string after a control changed; None when the controls match the URL already.

    Dash also fires this when the page's controls are first rendered: matching values are a no-op,
    so arriving on a bookmarked URL never rewrites it. A new layer drops the district focus.
    """
    current = map_page.map_options(view)
    if (layer, measure, window, category or "") == (current["layer"], current["measure"], current["window"],
                                                      current["category"]):  # fmt: skip
        return None
    focus = None if layer != current["layer"] else view.query.get("focus")
    return search_for(view, layer=layer, measure=measure, window=window, category=category or None, focus=focus)


def register(app: Dash, context: AppContext) -> None:
    context.pages["map"] = build

    @with_url(app, Output(ids.URL, "search", allow_duplicate=True), Input(ids.MAP_LAYER, "value"),
              Input(ids.MAP_MEASURE, "value"), Input(ids.MAP_WINDOW, "value"),
              Input(ids.MAP_CATEGORY, "value"))  # fmt: skip
    def controls_to_url(layer, measure, window, category, pathname, search):
        view = parse_view(pathname, search)
        return controls_search(view, layer, measure, window, category) or no_update

    @with_url(app, Output(ids.URL, "pathname", allow_duplicate=True), Output(ids.URL, "search", allow_duplicate=True),
              Input(ids.MAP_PAGE_GRAPH, "clickData"))  # fmt: skip
    def tap(click, pathname, search):
        points = (click or {}).get("points") or []
        if not points:
            return no_update, no_update
        path, new_search = click_target(parse_view(pathname, search), points[0])
        return path or no_update, no_update if new_search is None else new_search

    @on_snapshot(app, context, Output(ids.MAP_PAGE_VALUES, "data"), Output(ids.HOTSPOT_LIST, "children"),
                 initial=True)  # fmt: skip
    def refresh(snapshot: Snapshot, view: View):
        options = map_page.map_options(view)
        values = measure_values(snapshot, context.map_spec(options["layer"]), options)
        return values, hotspot_cards(snapshot["hotspots"], snapshot["names"], view.lang)

    app.clientside_callback(
        ClientsideFunction("hotline", "mapValues"),
        Output(ids.MAP_PAGE_VALUES, "id"),
        Input(ids.MAP_PAGE_VALUES, "data"),
        State(ids.MAP_PAGE_GRAPH, "id"),
    )

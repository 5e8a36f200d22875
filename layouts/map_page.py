"""The hotspot map page: layer, measure, category and window controls, the map, hotspot cards (pure)."""

from __future__ import annotations

from dash import dcc, html

from dashboard.live.contract import Snapshot, names_of
from layouts import hotwords, ids
from layouts.hotspots import hotspot_cards
from layouts.i18n import t
from layouts.names import tr
from layouts.routes import View, query_value

LAYERS = ("township", "district")
MEASURES = ("orders", "vs_baseline", "overdue", "composite")
WINDOWS = ("today", "7d", "30d", "month")


def map_options(view: View) -> dict[str, str]:
    """The map's controls from the URL, each falling back to a safe default."""
    return {
        "layer": query_value(view, "layer", LAYERS, "township"),
        "measure": query_value(view, "measure", MEASURES, "orders"),
        "window": query_value(view, "window", WINDOWS, "today"),
        "category": view.query.get("category", ""),
        "focus": view.query.get("focus", ""),
        "word": view.query.get("word", ""),  # a hot word: the map counts the orders naming it
    }


def _segmented(component_id: str, prefix: str, values: tuple[str, ...], value: str, lang: str) -> dcc.RadioItems:
    return dcc.RadioItems(
        id=component_id,
        options=[{"label": t(f"{prefix}_{v}", lang), "value": v} for v in values],
        value=value,
        className="segmented",
        inputClassName="segmented-input",
        labelClassName="segmented-label",
    )


def controls(view: View, options: dict[str, str], categories: list[str]) -> html.Div:
    lang = view.lang
    return html.Div(
        [
            html.Div([html.Span(t("layer", lang), className="control-label"),
                      _segmented(ids.MAP_LAYER, "layer", LAYERS, options["layer"], lang)], className="control"),
            html.Div([html.Span(t("measure", lang), className="control-label"),
                      _segmented(ids.MAP_MEASURE, "measure", MEASURES, options["measure"], lang)],
                     className="control"),
            html.Div([html.Span(t("window", lang), className="control-label"),
                      _segmented(ids.MAP_WINDOW, "window", WINDOWS, options["window"], lang)], className="control"),
            html.Div(
                [
                    html.Span(t("category", lang), className="control-label"),
                    dcc.Dropdown(
                        id=ids.MAP_CATEGORY,
                        options=[{"label": t("all_categories", lang), "value": ""}]
                        + [{"label": tr(c, lang), "value": c} for c in categories],
                        value=options["category"],
                        clearable=False,
                        searchable=False,
                        className="dropdown",
                    ),
                ],
                className="control control-category",
            ),
        ],
        className="controls" + (" hidden" if view.kiosk else ""),
    )  # fmt: skip


def page(view: View, options: dict[str, str], categories: list[str], figure, snapshot: Snapshot | None,
         approximate: bool, focus_bounds: str | None = None, extra: list | None = None) -> html.Div:  # fmt: skip
    lang = view.lang
    hotspots = snapshot["hotspots"] if snapshot else []
    return html.Div(
        [
            controls(view, options, categories),
            html.Div(
                [
                    html.Section(
                        [
                            dcc.Graph(id=ids.MAP_PAGE_GRAPH, figure=figure, className="map-graph",
                                      config={"displayModeBar": False, "scrollZoom": True}, responsive=True),
                            dcc.Store(id=ids.MAP_PAGE_VALUES),
                            dcc.Store(id=ids.MAP_FOCUS, data=options["focus"] or None),
                            html.Div(
                                [None if view.kiosk else t("drill_hint", lang) + " · ",
                                 t("approximate_note", lang) if approximate else ""],
                                className="map-note",
                            ),
                        ],
                        className="panel panel-map panel-map-page",
                        **({"data-fit-bounds": focus_bounds} if focus_bounds else {"data-fit-beijing": "1"}),
                    ),
                    html.Div([
                        html.Section(
                            [
                                html.H2(t("hotspots", lang), className="panel-title"),
                                html.Div(hotspot_cards(hotspots, names_of(snapshot), lang),
                                         id=ids.HOTSPOT_LIST, className="hotspot-list"),
                            ],
                            className="panel panel-hotspots",
                        ),
                        hotwords.panel(lang, hotwords.hot_word_rows(snapshot, lang, chosen=options["word"])),
                        *(extra or []),
                    ], className="map-side"),
                ],
                className="map-page-row",
            ),
        ],
        className="map-page",
    )  # fmt: skip


def category_choices(snapshot: Snapshot | None) -> list[str]:
    """The category filter's options: every category with orders in the last 30 days, in name order."""
    month = snapshot["category_orders"].get("30d", {}) if snapshot else {}
    return sorted({c for cats in month.values() for c in cats})

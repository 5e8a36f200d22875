"""Callbacks of the overview: poll the snapshot version, then redraw only what the new snapshot changes."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from dash import ClientsideFunction, Dash, Input, Output, State, no_update

from layouts import ids, overview, shell


def snapshot_if_newer(cache, known: dict[str, Any] | None) -> dict[str, Any] | None:
    """The cached snapshot when its version differs from the browser's; None means 'no change'."""
    version = cache.version()
    if version is None or (known and known.get("version") == version):
        return None
    return cache.get()


def view_options(search: str | None) -> dict[str, Any]:
    """Language, wall (kiosk) mode and theme from the query string; every view is linkable."""
    query = {k: v[0] for k, v in parse_qs((search or "").lstrip("?")).items()}
    kiosk = query.get("kiosk") in ("1", "true", "yes")
    theme = query.get("theme") or ("dark" if kiosk else "light")
    return {
        "lang": "en" if query.get("lang") == "en" else "zh",
        "kiosk": kiosk,
        "theme": theme if theme in ("dark", "light") else "light",
    }


def lang_from_search(search: str | None) -> str:
    return view_options(search)["lang"]


def page_class(view: dict[str, Any]) -> str:
    return f"page theme-{view['theme']}" + (" kiosk" if view["kiosk"] else "")


def register(app: Dash, context) -> None:
    @app.callback(
        Output(ids.PAGE, "children"),
        Output(ids.PAGE, "className"),
        Input(ids.URL, "pathname"),
        Input(ids.URL, "search"),
    )
    def route(pathname: str, search: str):
        view = view_options(search)
        body = [shell.header(view["lang"]), overview.page(view["lang"], view["theme"], context.map_layer())]
        return body, page_class(view)

    @app.callback(Output(ids.SNAPSHOT, "data"), Input(ids.POLL, "n_intervals"), State(ids.SNAPSHOT, "data"))
    def poll(_n: int, known: dict[str, Any] | None):
        snapshot = snapshot_if_newer(context.cache, known)
        return no_update if snapshot is None else snapshot

    @app.callback(
        Output(ids.KPIS, "children"),
        Output(ids.COUNTDOWNS, "children"),
        Output(ids.RANKING_GRID, "rowData"),
        Output(ids.DATA_TIME, "children"),
        Input(ids.SNAPSHOT, "data"),
        State(ids.URL, "search"),
    )
    def render(snapshot: dict[str, Any] | None, search: str):
        if not snapshot:
            return no_update, no_update, no_update, no_update
        lang = lang_from_search(search)
        return (
            overview.kpi_tiles(snapshot, lang),
            overview.countdown_rows(snapshot, lang),
            overview.ranking_rows(snapshot),
            snapshot["generated_at"],
        )

    # Colours change in the browser from the snapshot it already holds (assets/map_values.js).
    app.clientside_callback(
        ClientsideFunction("hotline", "mapValues"),
        Output(ids.MAP_SYNC, "data"),
        Input(ids.SNAPSHOT, "data"),
        State(ids.MAP, "id"),
    )

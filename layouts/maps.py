"""Map figures shared by the overview, the map page and the district pages (pure, offline).

Geometry is a URL the browser fetches once and caches (/geo/*.geojson); refreshes change only
the values (assets/map_values.js), so the viewer's zoom survives (`uirevision`).
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from layouts.formatting import SEQUENTIAL, STATE_COLOURS

BEIJING_CENTER = {"lat": 40.22, "lon": 116.42}
BEIJING_ZOOM = 6.9
# A map style with no tile source and no glyphs: the page never asks another server for anything.
OFFLINE_STYLE: dict[str, Any] = {
    "version": 8,
    "sources": {},
    "layers": [{"id": "background", "type": "background", "paint": {"background-color": "rgba(0,0,0,0)"}}],
}
DIVERGING = "RdBu_r"  # only for "vs baseline" (DESIGN.md); centred on 1.0


def tile_style(tile_url: str | None) -> dict[str, Any]:
    """The offline style, or a raster style on an intranet tile server when one is configured."""
    if not tile_url:
        return OFFLINE_STYLE
    return {
        "version": 8,
        "sources": {"tiles": {"type": "raster", "tiles": [tile_url], "tileSize": 256}},
        "layers": [{"id": "tiles", "type": "raster", "source": "tiles"}],
    }


def map_figure(
    spec: dict[str, Any],
    z: list[float | None],
    measure: str,
    theme: str,
    center: dict[str, float] | None = None,
    zoom: float | None = None,
    hotspots: list[dict[str, Any]] | None = None,
    tile_url: str | None = None,
    title: str = "",
) -> go.Figure:
    """Choropleth of one measure per unit, district outlines on top, optional hotspot rings."""
    line = "rgba(255,255,255,0.28)" if theme == "dark" else "rgba(20,32,51,0.25)"
    outline = "rgba(233,238,246,0.95)" if theme == "dark" else "rgba(20,32,51,0.85)"
    diverging = measure == "vs_baseline"
    fig = go.Figure(
        go.Choroplethmap(
            geojson=spec["layer_url"],
            featureidkey="properties.code",
            locations=spec["codes"],
            z=z,
            customdata=spec["labels"],
            colorscale=DIVERGING if diverging else SEQUENTIAL,
            zmid=1.0 if diverging else None,
            zmin=None if diverging else 0,
            marker={"line": {"width": 0.5, "color": line}, "opacity": 0.92},
            colorbar={
                "thickness": 12,
                "len": 0.55,
                "x": 0.99,
                "outlinewidth": 0,
                "title": {
                    "text": title,
                    "side": "right",
                    "font": {"color": "#93a4bd" if theme == "dark" else "#56657c"},
                },
                "tickfont": {"color": "#93a4bd" if theme == "dark" else "#56657c"},
            },
            hovertemplate="%{customdata}<br>%{z:,.4~g}<extra></extra>",
            meta={"layer": spec["layer"], "measure": measure},  # read by assets/map_values.js
            name="values",
        )
    )
    fig.add_trace(
        go.Choroplethmap(
            geojson=spec["outline_url"],
            featureidkey="properties.code",
            locations=spec["outline_codes"],
            z=[0] * len(spec["outline_codes"]),
            colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
            showscale=False,
            marker={"line": {"width": 1.8, "color": outline}},
            hoverinfo="skip",
            name="districts",
        )
    )
    if hotspots:
        fig.add_traces(hotspot_traces(hotspots))
    fig.update_layout(
        map={"style": tile_style(tile_url), "center": center or BEIJING_CENTER, "zoom": zoom or BEIJING_ZOOM},
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        paper_bgcolor="rgba(0,0,0,0)",
        uirevision=spec["layer"],
        showlegend=False,
    )
    return fig


def hotspot_traces(hotspots: list[dict[str, Any]]) -> list[go.Scattermap]:
    """A halo under an orange dot: readable on any fill colour, paired with the list's text reasons."""
    lat = [h["lat"] for h in hotspots]
    lon = [h["lon"] for h in hotspots]
    sizes = [min(30, 12 + 2 * h.get("count", 1) ** 0.5) for h in hotspots]
    halo = go.Scattermap(
        lat=lat,
        lon=lon,
        mode="markers",
        hoverinfo="skip",
        name="halo",
        marker={"size": [s + 7 for s in sizes], "color": "rgba(255,255,255,0.9)"},
    )
    dots = go.Scattermap(
        lat=lat,
        lon=lon,
        mode="markers",
        name="hotspots",
        marker={"size": sizes, "color": STATE_COLOURS["critical"]},
        customdata=[h["reason"] for h in hotspots],
        hovertemplate="%{customdata}<extra></extra>",
    )
    return [halo, dots]  # fmt: skip

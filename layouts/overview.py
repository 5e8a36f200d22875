"""The overview page: KPI tiles, the map, SLA countdowns and this month's ranking (pure views)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import dash_ag_grid as dag
import plotly.graph_objects as go
from dash import dcc, html

from layouts import ids
from layouts.formatting import SEQUENTIAL, rate_delta_points
from layouts.i18n import URGENCY, fmt_count, fmt_countdown, fmt_delta, fmt_rate, fmt_score, t

BEIJING_CENTER = {"lat": 40.19, "lon": 116.42}
# A map style with no tile source at all: the page never asks another server for anything.
OFFLINE_STYLE: dict[str, Any] = {
    "version": 8,
    "sources": {},
    "layers": [{"id": "background", "type": "background", "paint": {"background-color": "rgba(0,0,0,0)"}}],
}


def _tile(label: str, value: str, note: str = "", direction: str = "flat", accent: str = "") -> html.Div:
    return html.Div(
        [
            html.Div(label, className="kpi-label"),
            html.Div(value, className="kpi-value"),
            html.Div(note, className=f"kpi-note delta-{direction}"),
        ],
        className=f"kpi-tile {accent}".strip(),
    )


def kpi_tiles(snapshot: dict[str, Any] | None, lang: str) -> list[html.Div]:
    """Seven headline tiles; deltas carry an arrow and a sign, never colour alone."""
    if not snapshot:
        return [_tile(t(k, lang), "—") for k in ("orders_today", "open", "overdue", "due_2h", "composite")]
    k = snapshot["kpis"]
    mtd, prev = k["month_to_date"], k["previous_month_same_days"]
    week_delta = k["orders_today"] - k["orders_same_weekday_last_week"]
    week_text, week_dir = fmt_delta(week_delta, 0)
    tiles = [
        _tile(t("orders_today", lang), fmt_count(k["orders_today"], lang), f"{t('vs_last_week', lang)} {week_text}",
              week_dir),
        _tile(t("open", lang), fmt_count(k["open"], lang)),
        _tile(t("overdue", lang), fmt_count(k["overdue"], lang), accent="state-overdue" if k["overdue"] else ""),
        _tile(t("due_2h", lang), fmt_count(k["due_2h"], lang), accent="state-critical" if k["due_2h"] else ""),
    ]  # fmt: skip
    for key in ("response_rate", "resolution_rate", "satisfaction_rate"):
        text, direction = fmt_delta(rate_delta_points(mtd[key], prev[key]), 1, "pt" if lang == "en" else "个百分点")
        tiles.append(_tile(t(key, lang), fmt_rate(mtd[key]), text, direction))
    score_delta = (
        None if mtd["composite"] is None or prev["composite"] is None else mtd["composite"] - prev["composite"]
    )
    text, direction = fmt_delta(score_delta, 1)
    tiles.append(_tile(t("composite", lang), fmt_score(mtd["composite"]), f"{t('vs_last_month', lang)} {text}",
                       direction, accent="kpi-wide"))  # fmt: skip
    return tiles


def countdown_rows(snapshot: dict[str, Any] | None, lang: str, limit: int = 10) -> list[html.Div]:
    """Rows carry their deadline in data-due; assets/countdown.js ticks them every second offline."""
    rows = (snapshot or {}).get("countdowns", [])[:limit]
    if not rows:
        return [html.Div(t("no_open", lang), className="empty-note")]
    now = datetime.fromisoformat(snapshot["generated_at"])
    out = []
    for row in rows:
        left = (datetime.fromisoformat(row["due_at"]) - now).total_seconds()
        urgency = URGENCY.get(row["urgency"], {}).get(lang, row["urgency"])
        out.append(
            html.Div(
                [
                    html.Span(urgency, className=f"urgency-chip urgency-{row['urgency']}"),
                    html.Span(row.get("district_name") or "", className="cd-district"),
                    html.Span(row.get("township_name") or row["township_code"], className="cd-township"),
                    html.Span(row.get("subcategory") or row["category"], className="cd-category"),
                    html.Span(t(row["due_kind"], lang), className="cd-kind"),
                    html.Span(
                        fmt_countdown(left, lang),
                        className="cd-clock",
                        **{"data-due": row["due_at"], "data-lang": lang},
                    ),
                ],
                className=f"countdown-row state-{row['state']}",
                **{"data-state": row["state"], "data-case": row["case_id"]},
            )
        )
    return out


def map_values(snapshot: dict[str, Any] | None, layer: str, measure: str, codes: list[str]) -> list[float]:
    """One value per code, in the order of `codes`; units with no data show 0, never vanish."""
    values = ((snapshot or {}).get("map") or {}).get(layer, {})
    return [values.get(code, {}).get(measure, 0) for code in codes]


def map_figure(
    layer_url: str, codes: list[str], z: list[float], outline_url: str, outline_codes: list[str], meta: dict[str, str]
) -> go.Figure:
    """Choropleth of one measure per unit with district outlines on top.

    Geometry is a URL the browser fetches once and caches; refreshes only change `z`.
    """
    fig = go.Figure(
        go.Choroplethmap(
            geojson=layer_url,
            featureidkey="properties.code",
            locations=codes,
            z=z,
            colorscale=SEQUENTIAL,
            zmin=0,
            marker={"line": {"width": 0.4, "color": "rgba(255,255,255,0.35)"}, "opacity": 0.92},
            colorbar={"thickness": 12, "len": 0.6, "x": 0.98, "outlinewidth": 0},
            hovertemplate="%{properties.name}<br>%{z:,}<extra></extra>",
            name="values",
            meta=meta,  # {layer, measure}: tells assets/map_values.js which snapshot values to draw
        )
    )
    fig.add_trace(
        go.Choroplethmap(
            geojson=outline_url,
            featureidkey="properties.code",
            locations=outline_codes,
            z=[0] * len(outline_codes),
            colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
            showscale=False,
            marker={"line": {"width": 1.6, "color": "rgba(230,236,245,0.9)"}},
            hoverinfo="skip",
            name="districts",
        )
    )
    fig.update_layout(
        map={"style": OFFLINE_STYLE, "center": BEIJING_CENTER, "zoom": 7.4},
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        paper_bgcolor="rgba(0,0,0,0)",
        uirevision="keep-zoom",
        showlegend=False,
    )
    return fig


GRID_COLUMNS = ("rank", "name", "district_name", "composite", "response_rate", "resolution_rate",
                "satisfaction_rate", "valid_callbacks")  # fmt: skip


def ranking_column_defs(lang: str) -> list[dict[str, Any]]:
    pct = {"function": "params.value == null ? '—' : d3.format('.1%')(params.value)"}
    return [
        {"field": "rank", "headerName": t("rank", lang), "width": 90, "sort": "asc"},
        {"field": "name", "headerName": t("township", lang), "flex": 2, "minWidth": 140},
        {"field": "district_name", "headerName": t("district", lang), "flex": 1, "minWidth": 100},
        {"field": "composite", "headerName": t("composite", lang), "width": 120,
         "valueFormatter": {"function": "params.value == null ? '—' : d3.format('.1f')(params.value)"}},
        {"field": "response_rate", "headerName": t("response_rate", lang), "width": 120, "valueFormatter": pct},
        {"field": "resolution_rate", "headerName": t("resolution_rate", lang), "width": 120, "valueFormatter": pct},
        {"field": "satisfaction_rate", "headerName": t("satisfaction_rate", lang), "width": 120,
         "valueFormatter": pct},
        {"field": "valid_callbacks", "headerName": t("valid_callbacks", lang), "width": 130},
    ]  # fmt: skip


def ranking_rows(snapshot: dict[str, Any] | None) -> list[dict[str, Any]]:
    return list(((snapshot or {}).get("rankings") or {}).get("month_township", {}).get("rows", []))


def page(lang: str, theme: str, map_layer: dict[str, Any]) -> html.Div:
    """The overview grid; every panel starts with placeholder content, never an empty box."""
    return html.Div(
        [
            html.Div(kpi_tiles(None, lang), id=ids.KPIS, className="kpi-row"),
            html.Div(
                [
                    html.Section(
                        [
                            html.H2(t("map_title", lang), className="panel-title"),
                            dcc.Graph(
                                id=ids.MAP,
                                figure=map_figure(**map_layer),
                                config={"displayModeBar": False, "scrollZoom": True},
                                className="map-graph",
                            ),
                            html.Div(t("approximate_note", lang), className="map-note"),
                            dcc.Store(id=ids.MAP_SYNC),
                        ],
                        className="panel panel-map",
                    ),
                    html.Section(
                        [
                            html.H2(t("countdowns", lang), className="panel-title"),
                            html.Div(countdown_rows(None, lang), id=ids.COUNTDOWNS, className="countdown-list"),
                        ],
                        className="panel panel-countdowns",
                    ),
                ],
                className="main-row",
            ),
            html.Section(
                [
                    html.H2(t("ranking_title", lang), className="panel-title"),
                    dag.AgGrid(
                        id=ids.RANKING_GRID,
                        columnDefs=ranking_column_defs(lang),
                        rowData=[],
                        defaultColDef={"sortable": True, "resizable": True},
                        dashGridOptions={"rowHeight": 40, "headerHeight": 40, "animateRows": False},
                        className=("ag-theme-alpine-dark" if theme == "dark" else "ag-theme-alpine") + " ranking-grid",
                        style={"height": "100%"},
                    ),
                ],
                className="panel panel-ranking",
            ),
        ],
        className="overview",
    )

"""The overview page: KPI tiles, the map, SLA countdowns, today's top 10 and the class lists (pure)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import dash_ag_grid as dag
from dash import dcc, html

from dashboard.assessment.classes import class_members
from dashboard.assessment.rules import CLASSES
from dashboard.live.contract import Snapshot, class_rows, ranking
from layouts import hotwords, ids
from layouts.components import DEFAULT_COL_DEF, grid_options, tile
from layouts.countdowns import countdown_row, holiday_note
from layouts.formatting import rate_delta_points
from layouts.i18n import fmt_count, fmt_delta, fmt_rate, fmt_score, t
from layouts.maps import map_figure
from layouts.names import tr
from layouts.routes import View
from layouts.shell import link

# The wall's map shows the last 24 hours, not "today": just after midnight "today" is an empty map.
OVERVIEW_MEASURE = "orders_24h"


def kpi_tiles(snapshot: Snapshot | None, lang: str) -> list[html.Div]:
    """Eight headline tiles; deltas carry an arrow and a sign, never colour alone."""
    keys = ("orders_today", "open", "overdue", "due_2h", "response_rate", "resolution_rate", "satisfaction_rate",
            "composite")  # fmt: skip
    if not snapshot:
        return [tile(t(k, lang), "—") for k in keys]
    k = snapshot["kpis"]
    mtd, prev = k["month_to_date"], k["previous_month_same_days"]
    week_text, week_dir = fmt_delta(k["orders_today"] - k["orders_same_weekday_last_week"], 0)
    tiles = [
        tile(t("orders_today", lang), fmt_count(k["orders_today"], lang), f"{t('vs_last_week', lang)} {week_text}",
             direction=week_dir),
        tile(t("open", lang), fmt_count(k["open"], lang)),
        tile(t("overdue", lang), fmt_count(k["overdue"], lang), accent="state-overdue" if k["overdue"] else ""),
        tile(t("due_2h", lang), fmt_count(k["due_2h"], lang), accent="state-critical" if k["due_2h"] else ""),
    ]  # fmt: skip
    points = "pt" if lang == "en" else "个百分点"
    for key in ("response_rate", "resolution_rate", "satisfaction_rate"):
        text, direction = fmt_delta(rate_delta_points(mtd[key], prev[key]), 1, points)
        tiles.append(tile(t(key, lang), fmt_rate(mtd[key]), text, direction=direction))
    has_both = mtd["composite"] is not None and prev["composite"] is not None
    text, direction = fmt_delta(mtd["composite"] - prev["composite"] if has_both else None, 1)
    note = f"{t('vs_last_month', lang)} {text}" if text else ""
    tiles.append(tile(t("composite", lang), fmt_score(mtd["composite"]), note, accent="kpi-wide", direction=direction))
    return tiles


def countdown_rows(snapshot: Snapshot | None, lang: str, limit: int = 10) -> list[html.Div]:
    """Rows carry their deadline in data-due; assets/ticker.js ticks them every second offline.

    Overdue rows come first (the list is sorted by deadline), then the soonest due.
    """
    rows = snapshot["countdowns"][:limit] if snapshot else []
    if not rows:
        return [html.Div(t("no_open", lang), className="empty-note")]
    now = datetime.fromisoformat(snapshot["generated_at"])
    return holiday_note(snapshot, lang) + [
        countdown_row(
            {**row, "place": f"{row['district_name'] or ''} {row['township_name'] or row['township_code']}",
             "category": row["subcategory"] or row["category"]},
            (datetime.fromisoformat(row["due_at"]) - now).total_seconds(),
            lang,
        )
        for row in rows
    ]  # fmt: skip


def top10_rows(snapshot: Snapshot | None, lang: str) -> list[html.Div]:
    """Bar list of today's most concentrated townships, each with the category driving it."""
    rows = snapshot["top10_today"] if snapshot else []
    if not rows:
        return [html.Div(t("waiting", lang), className="empty-note")]
    districts = snapshot["names"]["district"]
    most = max(r["orders"] for r in rows) or 1
    return [
        html.A(
            [
                html.Span(str(r["position"]), className="bar-pos"),
                html.Span(tr(r["name"], lang), className="bar-name"),
                html.Span(
                    html.Span(className="bar-fill", style={"width": f"{100 * r['orders'] / most:.0f}%"}),
                    className="bar-track",
                ),
                html.Span(fmt_count(r["orders"], lang), className="bar-value"),
                html.Span(tr(districts.get(r["district_code"], ""), lang), className="bar-district"),
                html.Span(tr(r["top_category"], lang) or "", className="bar-category"),
            ],
            href=link(f"/township/{r['code']}", lang),
            className="bar-row",
        )
        for r in rows
    ]


def classes_title(snapshot: Snapshot | None, lang: str) -> str:
    """Which month the lists are, and whether final or provisional (暂定: the month is not closed)."""
    shown = snapshot["rankings"].get("classes") if snapshot else None
    if not shown:
        return t("classes_title", lang)
    key = "classes_final" if shown["final"] else "classes_provisional"
    return t(key, lang).format(month=shown["month"])


def class_lists(snapshot: Snapshot | None, lang: str, per_class: int = 5) -> list[html.Div]:
    """The four monthly lists, townships with their composite (governance: with their orders).

    Early in a month (before `final_classes_until_day`) they are the closed month's final lists."""
    rows = class_rows(snapshot) if snapshot else []
    columns = []
    for name in CLASSES:
        members = class_members(rows, name)
        items = []
        for r in members[:per_class]:
            if name == "governance":
                value = fmt_count(r["orders"], lang, compact=True)
            elif name == "improved":
                value = fmt_delta(r.get("composite_change"), 1)[0]
            else:
                value = fmt_score(r["composite"])
            member = html.Span(tr(r["name"], lang), className="cls-name")
            items.append(html.Li([member, html.Span(value, className="cls-value")]))
        columns.append(
            html.Div(
                [
                    html.H3(t(name, lang), className=f"cls-title cls-{name}"),
                    html.Ol(items or [html.Li(t("waiting", lang), className="empty-note")], className="cls-list"),
                ],
                className="cls-column",
            )
        )
    return columns


def ranking_column_defs(lang: str) -> list[dict[str, Any]]:
    pct = {"function": "percent1(params)"}  # assets/grid_functions.js
    return [
        {"field": "rank", "headerName": t("rank", lang), "width": 96, "sort": "asc"},
        {"field": "name", "headerName": t("township", lang), "flex": 2, "minWidth": 140},
        {"field": "district_name", "headerName": t("district", lang), "flex": 1, "minWidth": 100},
        {"field": "composite", "headerName": t("composite", lang), "width": 120,
         "valueFormatter": {"function": "fixed1(params)"}},
        {"field": "response_rate", "headerName": t("response_rate", lang), "width": 120, "valueFormatter": pct},
        {"field": "resolution_rate", "headerName": t("resolution_rate", lang), "width": 120, "valueFormatter": pct},
        {"field": "satisfaction_rate", "headerName": t("satisfaction_rate", lang), "width": 130,
         "valueFormatter": pct},
        {"field": "valid_callbacks", "headerName": t("valid_callbacks", lang), "width": 130},
    ]  # fmt: skip


def ranking_rows(snapshot: Snapshot, lang: str = "zh") -> list[dict[str, Any]]:
    names = {code: tr(name, lang) for code, name in snapshot["names"]["district"].items()}
    return [{**r, "name": tr(r["name"], lang), "district_name": names.get(r["district_code"], r["district_code"])}
            for r in ranking(snapshot, "month", "township")]  # fmt: skip


def _panel(title: str, body, class_name: str) -> html.Section:
    return html.Section([html.H2(title, className="panel-title"), body], className=f"panel {class_name}")


def page(view: View, spec: dict[str, Any], tile_url: str | None, approximate: bool) -> html.Div:
    """The overview grid. Every panel starts with placeholder content, never an empty box."""
    lang = view.lang
    map_panel = html.Section(
        [
            html.H2(t("map_title", lang), className="panel-title"),
            dcc.Graph(
                id=ids.MAP,
                figure=map_figure(
                    spec,
                    [0] * len(spec["codes"]),
                    OVERVIEW_MEASURE,
                    view.theme,
                    tile_url=tile_url,
                    title=t(OVERVIEW_MEASURE, lang),
                ),
                config={"displayModeBar": False, "scrollZoom": not view.kiosk, "staticPlot": False},
                className="map-graph",
                responsive=True,
            ),
            html.Div(t("approximate_note", lang), className="map-note") if approximate else None,
            dcc.Store(id=ids.MAP_VALUES),
        ],
        className="panel panel-map",
        **{"data-fit-beijing": "1"},
    )
    side = [
        _panel(
            t("countdowns", lang),
            html.Div(countdown_rows(None, lang), id=ids.COUNTDOWNS, className="countdown-list"),
            "panel-countdowns",
        ),
        _panel(t("top10", lang), html.Div(top10_rows(None, lang), id=ids.TOP10, className="bar-list"), "panel-top10"),
    ]
    children = [
        html.Div(kpi_tiles(None, lang), id=ids.KPIS, className="kpi-row"),
        html.Div([map_panel, *side], className="main-row"),
        html.Div(
            [
                html.Section(
                    [
                        html.H2(t("classes_title", lang), id=ids.CLASSES_TITLE, className="panel-title"),
                        html.Div(class_lists(None, lang), id=ids.CLASS_LISTS, className="class-lists"),
                    ],
                    className="panel panel-classes",
                ),
                hotwords.panel(lang, hotwords.hot_word_rows(None, lang)),
            ],
            className="bottom-row",
        ),
    ]
    if not view.kiosk:
        children.append(
            _panel(
                t("ranking_title", lang),
                dag.AgGrid(
                    id="overview-ranking-grid",
                    columnDefs=ranking_column_defs(lang),
                    rowData=[],
                    defaultColDef=DEFAULT_COL_DEF,
                    dashGridOptions=grid_options(),
                    style={"height": "100%"},
                ),
                "panel-ranking",
            )
        )
    return html.Div(children, className="overview")

"""District and township pages: the manager's view of their own area (pure views).

Everything comes from the snapshot (month rates and rank from the rankings, live counts from the
map values, trend and categories from the rollup-backed parts) except the orders about to go
overdue: a page of open orders sorted by deadline, read by the callbacks.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from dashboard.live.contract import Names, RankingRow, RepeatCaller, Snapshot, map_values, ranking
from layouts import hotwords, ids
from layouts.components import tile
from layouts.countdowns import countdown_row
from layouts.hotspots import hotspot_cards
from layouts.i18n import fmt_count, fmt_delta, fmt_rate, fmt_score, t
from layouts.names import tr
from layouts.shell import link
from layouts.trace import drawer, traceable

DUE_SOON_ROWS = 12
REPEAT_ROWS = 10


def unit_row(snapshot: Snapshot, level: str, code: str) -> RankingRow | None:
    """This month's ranking row of a district or township (None when unknown)."""
    return next((r for r in ranking(snapshot, "month", level) if r["code"] == code), None)


def in_unit(level: str, code: str, district_code: str, township_code: str | None = None) -> bool:
    return district_code == code if level == "district" else township_code == code


def due_soon(rows: pd.DataFrame, names: Names) -> list[dict[str, Any]]:
    """The unit's open orders nearest their deadline (an open-order page sorted by deadline) as items."""
    towns = names["township"]
    return [
        {
            "case_id": r.case_id,
            "township_name": towns.get(r.township_code, r.township_code),
            "category": r.subcategory or r.category,
            "urgency": r.urgency,
            "due_kind": r.due_kind,
            "state": r.state,
            "due_ms": r.due_at,
        }
        for r in rows.itertuples(index=False)
    ]


def mask_caller(caller_tag: str | None, lang: str) -> str:
    """Never the number nor its hash: the short tag the server sent (dashboard.access.filtering)."""
    return f"{t('caller', lang)} #{caller_tag[:6].upper()}" if caller_tag else t("caller", lang)


def repeat_rows(snapshot: Snapshot, level: str, code: str) -> list[RepeatCaller]:
    key = "district_code" if level == "district" else "township_code"
    rows = [r for r in snapshot["repeat_callers"] if r[key] == code]
    return sorted(rows, key=lambda r: -r["orders"])[:REPEAT_ROWS]


def category_counts(snapshot: Snapshot, level: str, code: str, window: str = "30d") -> list[tuple[str, int]]:
    per_town = snapshot["category_orders"].get(window, {})  # empty until the slow lane has built it
    parent = snapshot["names"]["township_district"]
    totals: dict[str, int] = {}
    for town, cats in per_town.items():
        if (level == "district" and parent.get(town) == code) or (level == "township" and town == code):
            for cat, n in cats.items():
                totals[cat] = totals.get(cat, 0) + n
    return sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))


def trend_figure(snapshot: Snapshot, level: str, code: str, theme: str) -> go.Figure:
    trend = snapshot["trend"]
    colour = "#4cc3ff" if theme == "dark" else "#1769aa"
    fig = go.Figure(
        go.Scatter(
            x=trend["days"],
            y=trend[level].get(code, []),
            mode="lines+markers",
            line={"color": colour, "width": 3},
            marker={"size": 5},
            hovertemplate="%{x}: %{y:,}<extra></extra>",
        )
    )
    fig.update_xaxes(tickformat="%m-%d")
    return _style(fig, theme)


def category_figure(counts: list[tuple[str, int]], theme: str) -> go.Figure:
    top = counts[:8][::-1]
    colour = "#4cc3ff" if theme == "dark" else "#1769aa"
    fig = go.Figure(
        go.Bar(
            x=[n for _, n in top],
            y=[c for c, _ in top],
            orientation="h",
            marker_color=colour,
            text=[f"{n:,}" for _, n in top],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:,}<extra></extra>",
        )
    )
    return _style(fig, theme)


def _style(fig: go.Figure, theme: str) -> go.Figure:
    text = "#e9eef6" if theme == "dark" else "#142033"
    grid = "rgba(147,164,189,0.2)"
    fig.update_layout(
        margin={"l": 8, "r": 40, "t": 8, "b": 8},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        font={"family": "Noto Sans CJK SC, Microsoft YaHei, sans-serif", "color": text, "size": 15},
        xaxis={"gridcolor": grid, "zeroline": False},
        yaxis={"gridcolor": grid, "zeroline": False, "automargin": True},
        showlegend=False,
        uirevision="unit",
    )
    return fig


def kpis(snapshot: Snapshot, level: str, code: str, lang: str) -> list[html.Div]:
    live = map_values(snapshot, level, code)
    row: RankingRow | dict = unit_row(snapshot, level, code) or {}  # {}: not in this month's ranking
    total = sum(1 for r in ranking(snapshot, "month", level) if r["rank"])
    rank = row.get("rank")
    change_text, change_dir = fmt_delta(row.get("rank_change"), 0)
    rank_value = f"{rank} / {total}" if rank else t("insufficient", lang)
    score_text, score_dir = fmt_delta(row.get("composite_change"), 1)
    return [
        tile(t("orders_today", lang), fmt_count(live.get("orders_today"), lang)),
        tile(t("open", lang), fmt_count(live.get("open"), lang)),
        tile(t("overdue", lang), fmt_count(live.get("overdue"), lang)),
        tile(
            t("month_rank", lang),
            rank_value,
            f"{t('rank_change', lang)} {change_text}" if change_text else "",
            direction=change_dir,
        ),
        # Each rate and the composite opens the callbacks behind it (layouts/trace.py).
        traceable(tile(t("response_rate", lang), fmt_rate(row.get("response_rate"))), "response_rate", lang),
        traceable(tile(t("resolution_rate", lang), fmt_rate(row.get("resolution_rate"))), "resolution_rate", lang),
        traceable(
            tile(t("satisfaction_rate", lang), fmt_rate(row.get("satisfaction_rate"))), "satisfaction_rate", lang
        ),
        traceable(
            tile(
                t("composite", lang),
                fmt_score(row.get("composite")),
                f"{t('rank_change', lang)} {score_text}" if score_text else "",
                direction=score_dir,
            ),
            "composite",
            lang,
        ),
    ]


def class_chips(row: RankingRow | None, lang: str) -> list[html.Span]:
    return [html.Span(t(c, lang), className=f"chip chip-{c}") for c in (row["classes"] if row else [])]


def due_soon_rows(items: list[dict[str, Any]], now_iso: str, lang: str) -> list[html.Div]:
    if not items:
        return [html.Div(t("no_open", lang), className="empty-note")]
    now_ms = datetime.fromisoformat(now_iso).timestamp() * 1000
    return [
        countdown_row(
            {
                **r,
                "place": r["township_name"],
                "due_at": datetime.fromtimestamp(r["due_ms"] / 1000, tz=UTC).isoformat(),
            },
            (r["due_ms"] - now_ms) / 1000,
            lang,
        )
        for r in items
    ]


def repeat_table(rows: list[RepeatCaller], snapshot: Snapshot, lang: str) -> html.Div:
    if not rows:
        return html.Div(t("none", lang), className="empty-note")
    names = snapshot["names"]["township"]
    return html.Div(
        [
            html.Div(
                [
                    html.Span(mask_caller(r.get("caller_tag"), lang)),
                    html.Span(tr(names.get(r["township_code"], r["township_code"]), lang)),
                    html.Span(tr(r["category"], lang)),
                    html.Span(f"{r['orders']} {t('times', lang)}", className="rp-count"),
                ],
                className="repeat-row",
            )
            for r in rows
        ],
        className="repeat-table",
    )


def township_links(snapshot: Snapshot, code: str, lang: str) -> html.Div:
    """The district's townships with this month's composite and rank, each opening its page."""
    rows = [r for r in ranking(snapshot, "month", "township") if r["district_code"] == code]
    rows.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, r["code"]))
    header = html.Div(
        [html.Span(t(k, lang)) for k in ("rank", "township", "composite", "resolution_rate", "overdue")]
        + [html.Span()],
        className="township-link township-link-head",
    )
    return html.Div(
        [header]
        + [
            html.A(
                [
                    html.Span(str(r["rank"]) if r["rank"] else "—", className="tl-rank"),
                    html.Span(tr(r["name"], lang), className="tl-name"),
                    html.Span(fmt_score(r["composite"]), className="tl-score"),
                    html.Span(fmt_rate(r["resolution_rate"]), className="tl-rate"),
                    html.Span(
                        fmt_count(map_values(snapshot, "township", r["code"]).get("overdue", 0), lang),
                        className="tl-overdue",
                    ),
                    html.Span(class_chips(r, lang), className="tl-chips"),
                ],
                href=link(f"/township/{r['code']}", lang),
                className="township-link",
            )
            for r in rows
        ],
        className="township-links",
    )


def body(snapshot: Snapshot, level: str, code: str, lang: str, theme: str, due_rows: pd.DataFrame) -> list:
    """The refreshable lower part of a unit page: trend, categories, due-soon orders, repeat callers, hotspots."""
    hotspots = [h for h in snapshot["hotspots"] if in_unit(level, code, h["district_code"], h["township_code"])]
    categories = [(tr(c, lang), n) for c, n in category_counts(snapshot, level, code)]
    due = due_soon_rows(due_soon(due_rows, snapshot["names"]), snapshot["generated_at"], lang)
    return [
        html.Div(
            [
                _panel(t("trend_30d", lang), _graph(trend_figure(snapshot, level, code, theme))),
                _panel(t("top_categories", lang), _graph(category_figure(categories, theme))),
            ],
            className="unit-row-2",
        ),
        html.Div(
            [
                _panel(t("due_soon", lang), html.Div(due, className="countdown-list")),
                _panel(t("repeat_callers", lang), repeat_table(repeat_rows(snapshot, level, code), snapshot, lang)),
                _panel(
                    t("hotspots", lang),
                    html.Div(hotspot_cards(hotspots, snapshot["names"], lang), className="hotspot-list"),
                ),
            ],
            className="unit-row-3",
        ),
        hotwords.panel(lang, hotwords.hot_word_rows(snapshot, lang, district=code), list_id=None)
        if level == "district"
        else None,
    ]


def _graph(figure: go.Figure) -> dcc.Graph:
    return dcc.Graph(figure=figure, config={"displayModeBar": False}, className="small-graph")


def _panel(title: str, content) -> html.Section:
    return html.Section([html.H2(title, className="panel-title"), content], className="panel")


def page(level: str, code: str, name: str, parent: tuple[str, str] | None, snapshot: Snapshot | None,
         lang: str, theme: str, map_graph, due_rows: pd.DataFrame) -> html.Div:  # fmt: skip
    """Head with breadcrumbs and classes; KPIs; map beside the township list; the refreshable body."""
    row = unit_row(snapshot, level, code) if snapshot else None
    crumbs = [html.A(t("whole_city", lang), href=link("/map", lang), className="crumb")]
    if parent:
        district = html.A(tr(parent[1], lang), href=link(f"/district/{parent[0]}", lang), className="crumb")
        crumbs += [html.Span(" / "), district]
    export = html.Button("Excel", id=ids.UNIT_EXPORT_BUTTON, className="button", n_clicks=0)
    head = html.Div(
        [
            html.Div(crumbs, className="crumbs"),
            html.H2(
                [tr(name, lang), html.Span(t(f"{level}_page", lang), className="unit-kind")], className="unit-title"
            ),
            html.Div(class_chips(row, lang), className="unit-chips"),
            export if level == "district" else None,
            dcc.Download(id=ids.UNIT_EXPORT),
        ],
        className="unit-head",
    )
    waiting = [html.Div(t("waiting", lang), className="empty-note")]
    tiles = kpis(snapshot, level, code, lang) if snapshot else waiting
    middle = None
    if level == "district":
        towns = township_links(snapshot, code, lang) if snapshot else waiting
        middle = html.Div(
            [map_graph, _panel(t("townships_of", lang), html.Div(towns, id=ids.UNIT_TABLE, className="unit-towns"))],
            className="unit-row-map",
        )
    # Forecast line (township) or at-risk list, targets and meeting pack (district): filled by a callback.
    analysis = html.Div(html.Div(t("computing", lang), className="empty-note"), id=ids.UNIT_ANALYSIS,
                        className=f"unit-analysis unit-analysis-{level}")  # fmt: skip
    return html.Div(
        [
            head,
            html.Div(tiles, id=ids.UNIT_KPIS, className="kpi-row unit-kpis"),
            analysis if level == "township" else None,
            middle,
            analysis if level == "district" else None,
            drawer(lang),
            html.Div(body(snapshot, level, code, lang, theme, due_rows) if snapshot else waiting, id=ids.UNIT_BODY,
                     className="unit-body"),
        ],
        className=f"unit-page unit-{level}",
    )  # fmt: skip


def district_map_panel(figure: go.Figure, bounds: list[float]) -> html.Section:
    """The district map's panel; the browser fits the camera to `bounds` (assets)."""
    return html.Section(
        [dcc.Graph(id=ids.UNIT_MAP, figure=figure, config={"displayModeBar": False}, className="map-graph unit-map"),
         dcc.Store(id=ids.UNIT_MAP_VALUES)],
        className="panel panel-map unit-map-panel",
        **{"data-fit-bounds": json.dumps(bounds)},
    )  # fmt: skip

"""The list behind a figure (pure views): rate tiles that open it, and the drawer with its grid."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import dash_ag_grid as dag
from dash import dcc, html

from layouts import ids
from layouts.components import DEFAULT_COL_DEF, grid_options
from layouts.i18n import t

FIGURES = ("response_rate", "resolution_rate", "satisfaction_rate", "composite")


def traceable(tile: Any, figure: str, lang: str) -> html.Button:
    """A KPI tile that opens the callbacks behind `figure` (a real button: keyboard and touch).

    No Dash id: the tiles are re-rendered with every snapshot, which would cancel a pending open.
    assets/trace.js turns a tap into a request in the page's TRACE_REQUEST store instead.
    """
    return html.Button(tile, className="trace-tile", title=t("trace_hint", lang), **{"data-trace-figure": figure})


def columns(lang: str) -> list[dict[str, Any]]:
    """Every column fits a 1024 px tablet: the answers and the note are never scrolled off."""
    widths = {"case_id": 165, "township": 110, "category": 100, "callback_at": 150, "contacted": 72, "solved": 72,
              "satisfaction": 96, "reason": 170}  # fmt: skip
    return [{"field": k, "headerName": t(k, lang), "minWidth": w, "flex": 2 if k == "reason" else 1}
            for k, w in widths.items()]  # fmt: skip


def _yes_no(value: bool | None, lang: str) -> str:
    return "—" if value is None else t("yes" if value else "no", lang)


def _note(row: dict[str, Any], lang: str) -> str:
    """What the callback did to the rates (未联系 · 未解决 · 不满意 / 基本满意), or why it was left out."""
    if not row["counted"]:
        key = f"reason_{row['reason']}"
        return t(key, lang) if key in _REASONS else str(row["reason"])
    flags = (("not_contacted", "not_contacted"), ("not_solved", "not_solved"), ("dissatisfied", "sat_dissatisfied"),
             ("basically", "sat_basically"))  # fmt: skip
    return " · ".join(t(label, lang) for flag, label in flags if row[flag])


_REASONS = {"reason_contacted not recorded", "reason_solved not recorded", "reason_satisfaction not recorded"}


def rows(records: list[dict[str, Any]], names: dict[str, str], lang: str) -> list[dict[str, Any]]:
    """Grid rows: booleans and satisfaction in words, the reason of a row left out, local time."""
    return [
        {
            "case_id": r["case_id"],
            "township": names.get(r["township_code"], r["township_code"]),
            "category": r["category"],
            "callback_at": r["callback_at"][:16].replace("T", " "),
            "contacted": _yes_no(r["contacted"], lang),
            "solved": _yes_no(r["solved"], lang),
            "satisfaction": t(f"sat_{r['satisfaction']}", lang) if r["satisfaction"] in _SAT else "—",
            "reason": _note(r, lang),
            "counted": r["counted"],
        }
        for r in records
    ]


_SAT = ("satisfied", "basically", "dissatisfied")


def summary(payload: dict[str, Any], figure: str, lang: str) -> str:
    totals = payload["totals"]
    return t("trace_summary", lang).format(
        valid=totals["valid_callbacks"], contacted=totals["contacted"], solved=totals["solved"],
        satisfied=totals["satisfied"], basically=totals["basically"], invalid=totals["invalid"],
        what=t(f"trace_what_{figure}", lang),
    )  # fmt: skip


def title(payload: dict[str, Any], figure: str, lang: str) -> str:
    return t("trace_title", lang).format(figure=t(figure, lang), name=payload["figures"]["name"], date=payload["date"])


def export_href(payload: dict[str, Any], figure: str) -> str:
    query = {"level": payload["level"], "code": payload["code"], "period": payload["period"],
             "date": payload["date"], "figure": figure}  # fmt: skip
    return "/api/v1/trace.xlsx?" + urlencode(query)


def drawer(lang: str) -> html.Div:
    """Hidden until a tile is tapped; the grid keeps the touch-sized rows of every grid."""
    grid = dag.AgGrid(
        id=ids.TRACE_GRID,
        columnDefs=columns(lang),
        rowData=[],
        defaultColDef=DEFAULT_COL_DEF,
        rowClassRules={"row-invalid": "!params.data.counted"},
        dashGridOptions=grid_options(animateRows=False),
        className="trace-grid",
        style={"height": "100%", "width": "100%"},
    )
    head = html.Div(
        [
            html.H2("", id=ids.TRACE_TITLE, className="panel-title trace-title"),
            html.A(t("export_xlsx", lang), id=ids.TRACE_EXPORT, href="", className="button trace-export"),
            html.Button(t("close", lang), id=ids.TRACE_CLOSE, n_clicks=0, className="button button-quiet"),
        ],
        className="trace-head",
    )
    sheet = html.Div([head, html.P("", id=ids.TRACE_SUMMARY, className="trace-summary"),
                      html.Div(grid, className="trace-grid-box")], className="trace-sheet panel")  # fmt: skip
    return html.Div([sheet, dcc.Store(id=ids.TRACE_REQUEST)], id=ids.TRACE_DRAWER, className="trace-drawer hidden",
                    role="dialog")  # fmt: skip

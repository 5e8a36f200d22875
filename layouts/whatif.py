"""The what-if page (pure views): a rules editor, a past month, and the side-by-side result."""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
from dash import dcc, html

from layouts import ids
from layouts.components import DEFAULT_COL_DEF, grid_options
from layouts.i18n import fmt_score, t
from layouts.rankings import _segmented
from layouts.unit import class_chips

LEVELS = ("township", "district")


def page(rules_text: str, months: list[str], lang: str) -> html.Div:
    """Controls as on the rankings page (month, level), the rules file to edit or upload, the result."""
    controls = html.Div(
        [
            html.Div([html.Span(t("whatif_month", lang), className="control-label"),
                      dcc.Dropdown(id=ids.WHATIF_MONTH, options=[{"label": m, "value": m} for m in months],
                                   value=months[0] if months else None, clearable=False, searchable=False,
                                   className="dropdown")], className="control rank-month"),
            html.Div([html.Span(t("level", lang), className="control-label"),
                      _segmented(ids.WHATIF_LEVEL, "level", LEVELS, "township", lang)], className="control"),
            dcc.Upload(html.Div(t("whatif_upload", lang)), id=ids.WHATIF_UPLOAD, accept=".toml",
                       className="whatif-upload"),
            html.Button(t("whatif_run", lang), id=ids.WHATIF_RUN, n_clicks=0, className="button whatif-run"),
        ],
        className="controls whatif-controls",
    )  # fmt: skip
    editor = dcc.Textarea(id=ids.WHATIF_RULES, value=rules_text, spellCheck=False, className="whatif-rules")
    intro = html.Section([html.H2(t("whatif_title", lang), className="panel-title"),
                          html.P(t("whatif_note", lang), className="whatif-note"), editor],
                         className="panel whatif-input")  # fmt: skip
    result = html.Section(html.Div(html.Div(t("whatif_hint", lang), className="empty-note"), id=ids.WHATIF_RESULT,
                                   className="whatif-result"), className="panel whatif-output")  # fmt: skip
    return html.Div([controls, html.Div([intro, result], className="whatif-main")], className="whatif-page")


def columns(lang: str) -> list[dict[str, Any]]:
    side = lambda key, label: [  # noqa: E731
        {"field": f"{key}_rank", "headerName": f"{label} {t('rank', lang)}", "type": "rightAligned", "width": 110},
        {"field": f"{key}_composite", "headerName": f"{label} {t('composite', lang)}", "type": "rightAligned",
         "width": 120},
        {"field": f"{key}_classes", "headerName": f"{label} {t('classes', lang)}", "minWidth": 150, "flex": 1},
    ]  # fmt: skip
    return [{"field": "name", "headerName": t("name", lang), "minWidth": 140, "pinned": "left"},
            *side("official", t("official", lang)), *side("whatif", t("whatif", lang))]  # fmt: skip


def _classes(classes: list[str], lang: str) -> str:
    return "、".join(t(c, lang) for c in classes) if lang == "zh" else ", ".join(t(c, lang) for c in classes)


def rows(result: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    out = []
    for r in result["rows"]:
        row: dict[str, Any] = {"code": r["code"], "name": r["name"], "changed": r["class_changed"]}
        for side in ("official", "whatif"):
            row[f"{side}_rank"] = r[side]["rank"] if r[side]["rank"] is not None else t("insufficient_short", lang)
            row[f"{side}_composite"] = fmt_score(r[side]["composite"])
            row[f"{side}_classes"] = _classes(r[side]["classes"], lang)
        out.append(row)
    return out


def result_view(result: dict[str, Any], lang: str) -> list[Any]:
    """Summary, the units whose class changes (gained / lost as chips), then the full side-by-side grid."""
    changed = [r for r in result["rows"] if r["class_changed"]]
    heading = t("whatif_changed", lang).format(n=len(changed)) if changed else t("whatif_none", lang)
    rules = f"{t('official', lang)} {result['official_rules']['version']} → {t('whatif', lang)} " \
            f"{result['whatif_rules']['version']} ({result['whatif_rules']['digest']}) · {result['month']}"  # fmt: skip
    items = [
        html.Div([html.Span(r["name"], className="wc-name"),
                  html.Span(["+", *class_chips({"classes": r["classes_gained"]}, lang)] if r["classes_gained"] else "",
                            className="wc-gain"),
                  html.Span(["−", *class_chips({"classes": r["classes_lost"]}, lang)] if r["classes_lost"] else "",
                            className="wc-lost")],
                 className="whatif-change")
        for r in changed
    ]  # fmt: skip
    grid = dag.AgGrid(columnDefs=columns(lang), rowData=rows(result, lang), defaultColDef=DEFAULT_COL_DEF,
                      rowClassRules={"row-changed": "params.data.changed"}, getRowId="params.data.code",
                      dashGridOptions=grid_options(animateRows=False), className="whatif-grid",
                      style={"height": "100%", "width": "100%"})  # fmt: skip
    return [html.H2(heading, className="panel-title"), html.Div(rules, className="whatif-rules-line"),
            html.Div(items, className="whatif-changes"), html.Div(grid, className="whatif-grid-box")]  # fmt: skip


def error_view(message: str) -> list[Any]:
    return [html.Div(message, className="whatif-error")]

"""Forecast, at-risk list, targets table and meeting-pack links of the unit pages (pure views)."""

from __future__ import annotations

from typing import Any

from dash import html

from layouts.i18n import fmt_rate, fmt_score, t
from layouts.shell import link

WINDOWS = ("day", "week", "month", "quarter")
MEASURES = ("response_rate", "resolution_rate", "satisfaction_rate", "composite")


def _pct(p: float) -> str:
    return f"{p * 100:.0f}%"


def risk_level(p: float) -> str:
    """State colour of a rectification risk: the same four states as everywhere (DESIGN.md)."""
    return "overdue" if p >= 0.6 else "critical" if p >= 0.3 else "warning" if p >= 0.1 else "ok"


def forecast_line(row: dict[str, Any] | None, result: dict[str, Any], lang: str) -> html.Div:
    """ "月末预计：整改类风险 72%" with the composite and rank intervals and what they rest on."""
    if row is None or row["composite"][1] is None or row["ranked_probability"] < 0.5:
        return html.Div(t("forecast_unranked", lang), className="forecast-line state-ok")
    p = row["classes"]
    lo, mid, hi = (fmt_score(v) for v in row["composite"])
    rlo, rank, rhi = (str(int(v)) if v is not None else "—" for v in row["rank"])
    detail = t("forecast_detail", lang).format(mid=mid, lo=lo, hi=hi, rank=rank, rlo=rlo, rhi=rhi,
                                               adv=_pct(p["advanced"]), imp=_pct(p["improved"]))  # fmt: skip
    expected = f"{row['valid_expected']:.0f}"
    basis = t("forecast_basis", lang).format(as_of=result["as_of"], n=row["valid_so_far"], expected=expected,
                                             sims=result["simulations"])  # fmt: skip
    level = risk_level(p["rectification"])
    return html.Div(
        [
            html.Div(t("forecast_risk", lang).format(p=_pct(p["rectification"])), className="forecast-risk"),
            html.Div(detail, className="forecast-detail"),
            html.Div(basis, className="forecast-basis"),
        ],
        className=f"forecast-line state-{level}",
    )


def _risk_row(r: dict[str, Any], lang: str) -> html.A:
    p = r["classes"]["rectification"]
    lo, mid, hi = (fmt_score(v) for v in r["composite"])
    return html.A(
        [
            html.Span(r["name"], className="risk-name"),
            html.Span(_pct(p), className=f"risk-p state-{risk_level(p)}"),
            html.Span(f"{mid} ({lo}–{hi})", className="risk-score"),
            html.Span("—" if r["rank"][1] is None else f"{int(r['rank'][1])}", className="risk-rank"),
        ],
        href=link(f"/township/{r['code']}", lang),
        className="risk-row",
    )


def at_risk_list(rows: list[dict[str, Any]], lang: str) -> html.Div:
    if not rows:
        return html.Div(t("no_risk", lang), className="empty-note")
    head = html.Div([html.Span(t(k, lang)) for k in ("township", "risk", "projected", "rank")],
                    className="risk-row risk-head")  # fmt: skip
    items = [_risk_row(r, lang) for r in rows]
    return html.Div([head, *items], className="risk-list")


def _cell(window: dict[str, Any], measure: str) -> html.Td:
    actual = window["actual"]
    text = "—" if actual is None else (fmt_score(actual) if measure == "composite" else fmt_rate(actual))
    score = window["score"]
    state = "none" if score is None else ("ok" if score >= 1 else "warning" if score >= 0.95 else "critical")
    ratio = "" if score is None else f"{score:.2f}"
    return html.Td([html.Span(text, className="tg-actual"), html.Span(ratio, className=f"tg-score score-{state}")])


def targets_table(rows: list[dict[str, Any]], lang: str) -> html.Table:
    """Measures down, windows across: the actual and, beside it, actual / target (1.00 = on target)."""
    head = html.Tr(
        [html.Th(t("measure", lang)), html.Th(t("target", lang))] + [html.Th(t(f"win_{w}", lang)) for w in WINDOWS]
    )
    body = []
    for row in rows:
        target = row["target"]
        target_text = (
            "—" if target is None else (fmt_score(target) if row["measure"] == "composite" else fmt_rate(target))
        )
        body.append(html.Tr([html.Th(t(row["measure"], lang)), html.Td(target_text)]
                            + [_cell(row[w], row["measure"]) for w in WINDOWS]))  # fmt: skip
    return html.Table([html.Thead(head), html.Tbody(body)], className="targets-table")


def pack_links(code: str, months: list[str], lang: str) -> html.Div:
    """Downloads of the meeting pack (PDF and XLSX) for the given months, newest first."""
    return html.Div(
        [
            html.Div(
                [
                    html.Span(t("pack_month", lang).format(month=m), className="pack-month"),
                    html.A("PDF", href=f"/api/v1/pack.pdf?district={code}&date={m}", className="button pack-button"),
                    html.A("Excel", href=f"/api/v1/pack.xlsx?district={code}&date={m}", className="button pack-button"),
                ],
                className="pack-row",
            )
            for m in months
        ],
        className="pack-links",
    )


def panel(title: str, content: Any, class_name: str = "") -> html.Section:
    return html.Section([html.H2(title, className="panel-title"), content], className=f"panel {class_name}".strip())


def district_analysis(at_risk: html.Div, targets: html.Table, packs: html.Div, lang: str) -> html.Div:
    return html.Div(
        [
            panel(t("at_risk", lang), at_risk, "panel-risk"),
            panel(t("targets_title", lang), targets, "panel-targets"),
            panel(t("pack_title", lang), packs, "panel-pack"),
        ],
        className="unit-row-3 analysis-row",
    )

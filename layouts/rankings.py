"""The rankings page: period, date and level in the URL, the four monthly lists, the ranking grid (pure).

Every number comes from one rankings payload (`dashboard.assessment.rankings.rankings_payload`, the same as the
CLI and `GET /api/v1/rankings`); rows keep the payload's full values and carry display texts beside
them, so the grid sorts on the real numbers and shows them the way the rest of the product does.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import dash_ag_grid as dag
from dash import dcc, html

from dashboard.assessment.classes import class_members
from dashboard.assessment.rules import CLASSES
from dashboard.live.contract import Names, Ranking, Snapshot, names_of
from layouts import ids
from layouts.components import DEFAULT_COL_DEF, Column, grid_options, wall_table
from layouts.i18n import fmt_count, fmt_delta, fmt_rate, fmt_score, t
from layouts.names import tr
from layouts.routes import View, query_value
from layouts.shell import link

PERIODS = ("month", "day")
LEVELS = ("township", "district")
MONTHS_BACK = 24
WALL_ROWS = 8
DATE_FORMS = {"month": re.compile(r"^\d{4}-(0[1-9]|1[0-2])$"), "day": re.compile(r"^\d{4}-\d{2}-\d{2}$")}
RATES = ("response_rate", "resolution_rate", "satisfaction_rate")
SPARK_BARS = "▁▂▃▄▅▆▇█"
SPARK_SIZE = (96, 28)
WALL_ACCENT = "#4cc3ff"  # the dark theme's --accent: an <img> cannot read CSS variables


def current_label(snapshot: Snapshot | None, period: str) -> str | None:
    """The period the snapshot is in: its month, or its assessment day."""
    if not snapshot:
        return None
    return snapshot["month"] if period == "month" else snapshot["assessment_day"]


def rank_options(view: View, snapshot: Snapshot | None) -> dict[str, str | None]:
    """Period, date and level from the URL; the date defaults to the current period (or None before data)."""
    period = query_value(view, "period", PERIODS, "month")
    date = view.query.get("date", "")
    if not DATE_FORMS[period].match(date):
        date = current_label(snapshot, period)
    return {"period": period, "date": date, "level": query_value(view, "level", LEVELS, "township")}


def search_for(query: dict[str, str], options: dict[str, str | None]) -> str:
    """The query string for these options, keeping language, kiosk and rotation."""
    params = {**{k: v for k, v in query.items() if k not in ("period", "date", "level")},
              **{k: v for k, v in options.items() if v}}  # fmt: skip
    return "?" + "&".join(f"{k}={v}" for k, v in params.items())


def changed_options(current: dict[str, str | None], period: str | None, level: str | None, month: str | None,
                    day: str | None) -> dict[str, str | None]:  # fmt: skip
    """Options after a control moved. A new period drops the date (it defaults to the current one)."""
    period = period if period in PERIODS else current["period"]
    level = level if level in LEVELS else current["level"]
    if period != current["period"]:
        return {"period": period, "date": None, "level": level}
    picked = month if period == "month" else (day or "")[:10]
    date = picked if picked and DATE_FORMS[period].match(picked) else current["date"]
    return {"period": period, "date": date, "level": level}


def month_choices(current: str, count: int = MONTHS_BACK) -> list[str]:
    """The current month and the ones before it, newest first."""
    year, month = (int(x) for x in current.split("-"))
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out


def rank_change_text(change: int | None) -> tuple[str, str]:
    """(text, direction): '▲3' moved up, '▼2' moved down, '■ 0' same place, '—' nothing to compare with."""
    if change is None:
        return "—", "flat"
    return fmt_delta(change, 0)


def class_value(row: dict[str, Any], name: str, lang: str) -> str:
    """What justifies the listing: the gain for improved, the orders for governance, else the composite."""
    if name == "improved":
        return fmt_delta(row.get("composite_change"), 1)[0]
    if name == "governance":
        return fmt_count(row["orders"], lang)
    return fmt_score(row["composite"])


def spark_text(values: list[float | None]) -> str:
    """A text sparkline (▁▃▅▇, '·' for a month without a score): the accessible name of the drawing."""
    known = [v for v in values if v is not None]
    if not known:
        return ""
    lo, hi = min(known), max(known)
    top = len(SPARK_BARS) - 1
    return "".join("·" if v is None else SPARK_BARS[round((v - lo) / (hi - lo) * top) if hi > lo else top // 2]
                   for v in values)  # fmt: skip


def spark_segments(values: list[float | None], width: int = SPARK_SIZE[0], height: int = SPARK_SIZE[1],
                   pad: int = 3) -> list[str]:  # fmt: skip
    """SVG polyline points ("x,y x,y ...") per run of months with a score; a gap where a month had none.

    The scale is the unit's own range, so a small change is visible; the grid and the wall draw these.
    """
    known = [v for v in values if v is not None]
    if not known:
        return []
    lo, hi = min(known), max(known)
    step = (width - 2 * pad) / max(len(values) - 1, 1)
    runs: list[list[str]] = [[]]
    for i, v in enumerate(values):
        if v is None:
            runs.append([])
            continue
        y = height - pad - (v - lo) / (hi - lo) * (height - 2 * pad) if hi > lo else height / 2
        runs[-1].append(f"{pad + i * step:.1f},{y:.1f}")
    return [" ".join(run) for run in runs if run]


def spark_image(segments: list[str], colour: str = WALL_ACCENT) -> html.Img | str:
    """The sparkline as an inline SVG image (a data: URL, nothing fetched) for the wall table."""
    if not segments:
        return "—"
    width, height = SPARK_SIZE
    shapes = "".join(
        f"<polyline points='{seg}' fill='none' stroke='{colour}' stroke-width='2'/>" if " " in seg
        else f"<circle cx='{seg.split(',')[0]}' cy='{seg.split(',')[1]}' r='2' fill='{colour}'/>"
        for seg in segments
    )  # fmt: skip
    svg = f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}'>{shapes}</svg>"
    return html.Img(src="data:image/svg+xml;utf8," + quote(svg), className="spark-img", alt="")


def _unit_names(names: Names, level: str, lang: str) -> dict[str, str]:
    return names["district_en"] if level == "district" and lang == "en" else {}


def grid_rows(payload: Ranking, series: dict[str, list], names: Names, lang: str) -> list[dict[str, Any]]:
    """Payload rows with their full values plus display texts (`fmt`), district names, links, sparklines."""
    level = payload["level"]
    districts = names["district_en" if lang == "en" else "district"]
    own_names = _unit_names(names, level, lang)
    out = []
    for row in payload["rows"]:
        change_text, change_dir = rank_change_text(row.get("rank_change"))
        spark = series.get(row["code"], [])
        fmt = {
            "rank": str(row["rank"]) if row["rank"] is not None else t("insufficient_short", lang),
            "rank_change": change_text,
            "composite": fmt_score(row["composite"]),
            "composite_change": fmt_delta(row.get("composite_change"), 1)[0] or "—",
            "valid_callbacks": fmt_count(row["valid_callbacks"], lang),
            "orders": fmt_count(row["orders"], lang),
            **{key: fmt_rate(row[key]) for key in RATES},
        }
        out.append({
            **row,
            "name": own_names.get(row["code"]) or tr(row["name"], lang),
            "district_name": districts.get(row["district_code"], row["district_code"]),
            "href": link(f"/{level}/{row['code']}", lang),
            "rank_change_dir": change_dir,
            "spark": spark_segments(spark),
            "spark_text": spark_text(spark),
            "fmt": fmt,
        })  # fmt: skip
    return out


def title(payload: Ranking | None, lang: str) -> str:
    if not payload:
        return t("waiting", lang)
    text = t(f"rank_title_{payload['period']}", lang).format(
        date=payload["date"], level=t(f"level_{payload['level']}", lang)
    )
    return text[0].upper() + text[1:]


def summary(payload: Ranking | None, lang: str) -> str:
    """How many units are ranked and how many are not (never silently dropped), and under which rules."""
    if not payload:
        return ""
    ranked = sum(1 for r in payload["rows"] if r["rank"] is not None)
    short = len(payload["rows"]) - ranked
    counts = t("rank_summary", lang).format(
        ranked=fmt_count(ranked, lang), short=fmt_count(short, lang), min=payload.get("min_valid_callbacks", "")
    )
    days = f"{payload['first_day']} – {payload['last_day']}"
    text = f"{days} · {counts} · {t('rules_version', lang)} {payload['rules_version']}"
    if payload.get("provisional"):  # the month is not closed: say how few callbacks the ranks rest on
        median = payload.get("median_valid_callbacks")
        text = f"{t('provisional', lang).format(median='—' if median is None else f'{median:g}')} · {text}"
    return text


def export_filename(payload: Ranking, fmt: str) -> str:
    return f"rankings-{payload['level']}-{payload['date']}.{fmt}"


def class_columns(rows: list[dict[str, Any]], level: str, lang: str) -> list[html.Div]:
    """The four monthly lists side by side (same look as the overview's), each with its reason.

    Takes the grid rows, so names are the ones the table shows (English district names in English).
    """
    columns = []
    for name in CLASSES:
        members = class_members(rows, name)
        items = [
            html.Li([dcc.Link(r["name"], href=link(f"/{level}/{r['code']}", lang), className="cls-name"),
                     html.Span(class_value(r, name, lang), className="cls-value")])
            for r in members
        ]  # fmt: skip
        columns.append(html.Div(
            [html.H3(t(name, lang), className=f"cls-title cls-{name}"),
             html.Ol(items or [html.Li(t("none", lang), className="empty-note")], className="cls-list")],
            className="cls-column",
        ))  # fmt: skip
    return columns


def grid_columns(level: str, lang: str) -> list[dict[str, Any]]:
    """Columns on the full values; `fmt` texts for display; unranked rows stay at the bottom on any sort."""
    shown = {"function": "shownText(params)"}  # assets/grid_functions.js
    number = {"valueFormatter": shown, "comparator": {"function": "rankedFirst"}, "type": "rightAligned"}
    cols = [
        {"field": "rank", "headerName": t("rank", lang), "width": 110, "sort": "asc", "pinned": "left", **number},
        {"field": "rank_change", "headerName": t("rank_move", lang), "width": 104, **number,
         "cellClassRules": {"delta-up": "params.data && params.data.rank_change_dir === 'up'",
                            "delta-down": "params.data && params.data.rank_change_dir === 'down'"}},
        {"field": "name", "headerName": t("name", lang), "cellRenderer": "UnitLink", "flex": 1.2, "minWidth": 130,
         "comparator": {"function": "rankedFirst"}},
        {"field": "district_name", "headerName": t("district", lang), "width": 104,
         "comparator": {"function": "rankedFirst"}},
        {"field": "composite", "headerName": t("composite", lang), "width": 110, **number},
        {"field": "composite_change", "headerName": t("composite_change", lang), "width": 110, **number,
         "cellClassRules": {"delta-up": "params.value > 0", "delta-down": "params.value < 0"}},
        *({"field": key, "headerName": t(key, lang), "width": 100, **number} for key in RATES),
        {"field": "valid_callbacks", "headerName": t("valid_callbacks", lang), "width": 110, **number},
        {"field": "orders", "headerName": t("orders", lang), "width": 96, **number},
        {"field": "classes", "headerName": t("classes", lang), "cellRenderer": "ClassChips", "minWidth": 120,
         "flex": 1, "sortable": False, "cellRendererParams": {"labels": {c: t(c, lang) for c in CLASSES}}},
        {"field": "spark", "headerName": t("trend_6m", lang), "cellRenderer": "Sparkline", "width": 124,
         "sortable": False},
    ]  # fmt: skip
    return [c for c in cols if level == "township" or c["field"] != "district_name"]


def grid(view: View, level: str, rows: list[dict[str, Any]]) -> dag.AgGrid:
    return dag.AgGrid(
        id=ids.RANK_GRID,
        columnDefs=grid_columns(level, view.lang),
        rowData=rows,
        defaultColDef=DEFAULT_COL_DEF,
        getRowId="params.data.code",
        rowClassRules={"row-unranked": "params.data.rank === null"},
        dashGridOptions=grid_options(animateRows=False),
        className="rank-grid",
        style={"height": "100%", "width": "100%"},
    )


def wall_rows(rows: list[dict[str, Any]], level: str, lang: str) -> html.Div:
    """Top of the table for the wall: static, large, no scrollbar."""
    records = [{**r["fmt"], "name": r["name"], "district_name": r["district_name"], "spark": spark_image(r["spark"]),
                "row_class": f"change-{r['rank_change_dir']}"} for r in rows[:WALL_ROWS]]  # fmt: skip
    district = [Column("district", "district_name", "wt-district")] if level == "township" else []
    columns = [
        Column("rank", "rank", "wt-rank"), Column("rank_move", "rank_change", "wt-change"),
        Column("name", "name", "wt-name"), *district, Column("composite", "composite", "wt-num wt-composite"),
        *(Column(key, key, "wt-num") for key in RATES), Column("valid_callbacks", "valid_callbacks", "wt-num"),
        Column("trend_6m", "spark", "wt-spark"),
    ]  # fmt: skip
    return wall_table(columns, records, t("no_rankings", lang), lang, f"rank-wall-row rank-wall-{level}")


def _segmented(component_id: str, prefix: str, values: tuple[str, ...], value: str, lang: str) -> dcc.RadioItems:
    return dcc.RadioItems(id=component_id, value=value, className="segmented", inputClassName="segmented-input",
                          labelClassName="segmented-label",
                          options=[{"label": t(f"{prefix}_{v}", lang), "value": v} for v in values])  # fmt: skip


def controls(view: View, options: dict[str, str | None], snapshot: Snapshot | None) -> html.Div:
    """Period (segmented), month dropdown or day picker (the other one hidden), level, exports."""
    lang = view.lang
    period = options["period"]
    this_month = current_label(snapshot, "month") or options["date"] or "2026-01"
    months = month_choices(this_month)
    month_value = options["date"] if period == "month" else this_month
    if month_value and month_value not in months:
        months.insert(0, month_value)
    today = current_label(snapshot, "day")
    day_value = options["date"] if period == "day" else today
    return html.Div(
        [
            html.Div([html.Span(t("period", lang), className="control-label"),
                      _segmented(ids.RANK_PERIOD, "period", PERIODS, period, lang)], className="control"),
            html.Div([html.Span(t("date", lang), className="control-label"),
                      dcc.Dropdown(id=ids.RANK_DATE, options=[{"label": m, "value": m} for m in months],
                                   value=month_value, clearable=False, searchable=False, className="dropdown")],
                     className="control rank-month" + (" control-hidden" if period != "month" else "")),
            html.Div([html.Span(t("date", lang), className="control-label"),
                      dcc.DatePickerSingle(id=ids.RANK_DAY, date=day_value, max_date_allowed=today,
                                           display_format="YYYY-MM-DD", first_day_of_week=1,
                                           className="rank-day-picker")],
                     className="control rank-day" + (" control-hidden" if period != "day" else "")),
            html.Div([html.Span(t("level", lang), className="control-label"),
                      _segmented(ids.RANK_LEVEL, "level", LEVELS, options["level"], lang)], className="control"),
            html.Div(
                [html.Button(t("export_xlsx", lang), id=ids.RANK_EXPORT_XLSX, className="export-button"),
                 html.Button(t("export_csv", lang), id=ids.RANK_EXPORT_CSV, className="export-button"),
                 dcc.Download(id=ids.RANK_EXPORT)],
                className="control export-buttons",
            ),
        ],
        className="controls rank-controls" + (" hidden" if view.kiosk else ""),
    )  # fmt: skip


def heading(payload: Ranking | None, lang: str) -> list[Any]:
    return [
        html.H2(title(payload, lang), className="rank-title"),
        html.Div(summary(payload, lang), className="rank-summary"),
    ]


def page(view: View, options: dict[str, str | None], payload: Ranking | None, series: dict[str, list],
         snapshot: Snapshot | None) -> html.Div:  # fmt: skip
    """Controls, title, the four lists (months only), the grid (wall: the top rows, large)."""
    lang = view.lang
    level = options["level"]
    rows = grid_rows(payload, series, names_of(snapshot), lang) if payload else []
    lists = html.Section(
        [html.H2(t("lists_title", lang).format(date=options["date"] or ""), className="panel-title"),
         html.Div(class_columns(rows, level, lang), id=ids.RANK_CLASSES, className="class-lists rank-class-lists")],
        className="panel panel-classes rank-lists" + (" hidden" if options["period"] != "month" else ""),
    )  # fmt: skip
    if view.kiosk:
        table = html.Div(wall_rows(rows, level, lang), id=ids.RANK_WALL, className="wall-box")
    else:
        table = html.Div(grid(view, level, rows), className="rank-grid-box")
    return html.Div(
        [
            controls(view, options, snapshot),
            html.Div(heading(payload, lang), id=ids.RANK_TITLE, className="panel rank-heading"),
            lists,
            html.Section(table, className="panel panel-rank-table"),
        ],
        className="rank-page",
    )

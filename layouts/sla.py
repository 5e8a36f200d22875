"""The SLA board: every open order with its live countdown, filters in the URL, counts per state (pure).

The snapshot carries open orders as columns (`open_cases`); the board turns them into one pandas
frame per snapshot version, filters and sorts it on the server and hands the browser pages of 100
rows (AG Grid's infinite row model), so 20k+ open orders never travel to the browser at once.
Countdowns tick in the browser from the deadline (assets/dashAgGridComponentFunctions.js, ticker.js).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import dash_ag_grid as dag
import pandas as pd
from dash import dcc, html

from layouts import ids
from layouts.components import DEFAULT_COL_DEF, Bar, Column, bar_rows, grid_options, tile, wall_table
from layouts.i18n import URGENCY, fmt_count, fmt_countdown, t
from layouts.names import tr
from layouts.routes import View
from layouts.shell import link

STATES = ("overdue", "critical", "warning", "ok")  # most urgent first: the default order
STATE_RANK = {s: i for i, s in enumerate(STATES)}
URGENCY_RANK = {u: i for i, u in enumerate(URGENCY)}
PAGE_SIZE = 100
WALL_ROWS = 15
TOP_TOWNSHIPS = 15
COLUMNS = ("case_id", "township_code", "district_code", "category", "subcategory", "urgency", "due_kind", "state",
           "dispatched_at", "due_at")  # fmt: skip
# Grid column id -> frame columns to sort by; ties always fall back to the deadline, then the case id.
SORT_KEYS = {
    "state": ["state_rank"],
    "urgency": ["urgency_rank"],
    "district": ["district_code"],
    "township": ["township_code"],
    "category": ["category", "subcategory"],
    "due_kind": ["due_kind"],
    "due_at": ["due_at"],
    "countdown": ["due_at"],
    "case_id": ["case_id"],
}
DEFAULT_SORT = (("state", "asc"),)


@dataclass(frozen=True)
class SlaFilters:
    """The board's filters; None = all. Hashable, so filtered frames can be memoised per snapshot."""

    district: str | None = None
    township: str | None = None
    category: str | None = None
    urgency: str | None = None
    state: str | None = None


FILTER_KEYS = tuple(f.name for f in fields(SlaFilters))


def filters_from_query(query: dict[str, str], names: dict[str, Any]) -> SlaFilters:
    """Filters from the URL query; unknown codes are dropped, a township outside the district too."""
    districts = names.get("district", {})
    parent = names.get("township_district", {})
    district = query.get("district") if query.get("district") in districts else None
    township = query.get("township") if query.get("township") in parent else None
    if township and district and parent[township] != district:
        township = None
    return SlaFilters(
        district=district,
        township=township,
        category=query.get("category") or None,
        urgency=query.get("urgency") if query.get("urgency") in URGENCY else None,
        state=query.get("state") if query.get("state") in STATES else None,
    )


def search_with(query: dict[str, str], filters: SlaFilters) -> str:
    """The query string for `filters`, keeping every other parameter (lang, kiosk, theme, rotate)."""
    kept = {k: v for k, v in query.items() if k not in FILTER_KEYS}
    chosen = {k: getattr(filters, k) for k in FILTER_KEYS if getattr(filters, k)}
    params = {**kept, **chosen}
    return "?" + urlencode(params) if params else ""


def changed_filters(current: SlaFilters, values: dict[str, str | None], trigger: str | None) -> SlaFilters:
    """Filters after a control changed; picking another district clears the township."""
    new = replace(current, **{k: values.get(k) or None for k in FILTER_KEYS})
    if trigger == "district" and new.district != current.district:
        new = replace(new, township=None)
    return new


def open_frame(snapshot: dict[str, Any] | None) -> pd.DataFrame:
    """The snapshot's columnar open orders as a frame with sort ranks (built once per version)."""
    table = (snapshot or {}).get("open_cases") or {}
    frame = pd.DataFrame({k: table.get(k, []) for k in COLUMNS})
    frame["due_at"] = pd.to_numeric(frame["due_at"]).astype("int64")
    frame["state_rank"] = frame["state"].map(STATE_RANK).fillna(len(STATES)).astype("int8")
    frame["urgency_rank"] = frame["urgency"].map(URGENCY_RANK).fillna(len(URGENCY)).astype("int8")
    frame["subcategory"] = frame["subcategory"].fillna("")
    return frame


def filter_frame(frame: pd.DataFrame, filters: SlaFilters, with_state: bool = True) -> pd.DataFrame:
    """Rows matching the filters. Without the state filter for the per-state tiles and the bar list."""
    mask = pd.Series(True, index=frame.index)
    for key, column in (("district", "district_code"), ("township", "township_code"), ("category", "category"),
                        ("urgency", "urgency"), ("state", "state")):  # fmt: skip
        value = getattr(filters, key)
        if value and (with_state or key != "state"):
            mask &= frame[column] == value
    return frame[mask]


def sort_frame(frame: pd.DataFrame, sort_model: list[dict[str, str]] | tuple | None) -> pd.DataFrame:
    """Server-side sort from AG Grid's sortModel; most urgent first when there is none."""
    model = [(s["colId"], s["sort"]) for s in sort_model or []] or list(DEFAULT_SORT)
    by: list[str] = []
    ascending: list[bool] = []
    for col_id, direction in model:
        for key in SORT_KEYS.get(col_id, []):
            if key not in by:
                by.append(key)
                ascending.append(direction != "desc")
    for key in ("due_at", "case_id"):
        if key not in by:
            by.append(key)
            ascending.append(True)
    return frame.sort_values(by, ascending=ascending, kind="mergesort")


def sort_key(sort_model: list[dict[str, str]] | None) -> tuple[tuple[str, str], ...]:
    """A hashable form of a sortModel, for memoising sorted frames."""
    return tuple((s["colId"], s["sort"]) for s in sort_model or [])


def state_counts(frame: pd.DataFrame) -> dict[str, int]:
    counts = frame["state"].value_counts()
    return {s: int(counts.get(s, 0)) for s in STATES}


def overdue_by_township(frame: pd.DataFrame, limit: int = TOP_TOWNSHIPS) -> list[tuple[str, int]]:
    """Townships with the most overdue orders (ties: lower code), for the bar list."""
    overdue = frame.loc[frame["state"] == "overdue", "township_code"].value_counts()
    ordered = sorted(overdue.items(), key=lambda item: (-item[1], item[0]))
    return [(code, int(n)) for code, n in ordered[:limit]]


def _district_names(names: dict[str, Any], lang: str) -> dict[str, str]:
    return names.get("district_en", {}) if lang == "en" else names.get("district", {})


def page_records(frame: pd.DataFrame, names: dict[str, Any], lang: str, tz: ZoneInfo,
                 now: datetime) -> list[dict[str, Any]]:  # fmt: skip
    """Rows ready to show: labels in the viewer's language, local due time, the deadline for the ticker."""
    if frame.empty:
        return []
    due = pd.to_datetime(frame["due_at"], unit="ms", utc=True)
    local = due.dt.tz_convert(tz).dt.strftime("%m-%d %H:%M").tolist()
    iso = due.dt.strftime("%Y-%m-%dT%H:%M:%SZ").tolist()
    now_ms = now.timestamp() * 1000
    towns, districts = names.get("township", {}), _district_names(names, lang)
    out = []
    for i, r in enumerate(frame.itertuples(index=False)):
        out.append({
            "case_id": r.case_id,
            "state": r.state,
            "state_label": t(f"state_{r.state}", lang),
            "urgency": r.urgency,
            "urgency_label": URGENCY.get(r.urgency, {}).get(lang, r.urgency),
            "district": districts.get(r.district_code, r.district_code),
            "township": tr(towns.get(r.township_code, r.township_code), lang),
            "township_code": r.township_code,
            "category": " · ".join(tr(c, lang) for c in (r.category, r.subcategory) if c),
            "due_kind": t(r.due_kind, lang),
            "due_at": local[i],
            "due_iso": iso[i],
            "countdown": int(r.due_at),
            "countdown_text": fmt_countdown((r.due_at - now_ms) / 1000, lang),
            "row_class": f"state-{r.state}",
        })  # fmt: skip
    return out


def rows_response(frame: pd.DataFrame, request: dict[str, Any], names: dict[str, Any], lang: str, tz: ZoneInfo,
                  now: datetime) -> dict[str, Any]:  # fmt: skip
    """One block for the infinite grid: rows [startRow, endRow) of the sorted frame and the total."""
    start = max(int(request.get("startRow") or 0), 0)
    end = min(int(request.get("endRow") or start + PAGE_SIZE), start + PAGE_SIZE * 5)
    return {"rowData": page_records(frame.iloc[start:end], names, lang, tz, now), "rowCount": len(frame)}


# ---- views ----------------------------------------------------------------------------------------


def _state_link(view: View, filters: SlaFilters, state: str | None) -> str:
    return "/sla" + search_with(view.query, replace(filters, state=state))


def count_tiles(frame: pd.DataFrame, view: View, filters: SlaFilters) -> list[Any]:
    """Total plus one tile per state (label + count); a tap filters by that state, a second tap clears it.

    Counts ignore the state filter so the tiles always show the whole breakdown of the selection.
    """
    lang = view.lang
    base = filter_frame(frame, filters, with_state=False)
    counts = state_counts(base)
    kiosk = view.kiosk
    tiles = [tile(t("open", lang), fmt_count(len(base), lang), href=None if kiosk else _state_link(view, filters, None),
                  active=filters.state is None and not kiosk)]  # fmt: skip
    for state in STATES:
        active = filters.state == state
        href = None if kiosk else _state_link(view, filters, None if active else state)
        accent = f"state-tile state-{state}" + (" state-zero" if counts[state] == 0 else "")
        tiles.append(tile(t(f"state_{state}", lang), fmt_count(counts[state], lang), t(f"state_{state}_note", lang),
                          accent, href, active))  # fmt: skip
    return tiles


def township_bars(frame: pd.DataFrame, filters: SlaFilters, names: dict[str, Any], lang: str) -> list[Any]:
    """Overdue orders by township (top 15), each a link to the township's page."""
    districts = _district_names(names, lang)
    parent = names.get("township_district", {})
    bars = [
        Bar(tr(names.get("township", {}).get(code, code), lang), n, fmt_count(n, lang), link(f"/township/{code}", lang),
            districts.get(parent.get(code, ""), ""))
        for code, n in overdue_by_township(filter_frame(frame, filters, with_state=False))
    ]  # fmt: skip
    return bar_rows(bars, t("no_overdue", lang))


def rows_title(frame: pd.DataFrame, filters: SlaFilters, lang: str) -> str:
    return f"{t('open_orders', lang)} · {fmt_count(len(filter_frame(frame, filters)), lang)}"


def wall_rows(frame: pd.DataFrame, filters: SlaFilters, names: dict[str, Any], lang: str, tz: ZoneInfo,
              now: datetime) -> html.Div:  # fmt: skip
    """The most urgent orders for the wall: a static table that ticks, no case ids (aggregates only)."""
    top = sort_frame(filter_frame(frame, filters), None).head(WALL_ROWS)
    columns = [
        Column(t("state", lang), "state_label", "wt-state"),
        Column(t("urgency", lang), "urgency_label", "wt-urgency"),
        Column(t("district", lang), "district", "wt-district"),
        Column(t("township", lang), "township", "wt-township"),
        Column(t("category", lang), "category", "wt-category"),
        Column(t("deadline_kind", lang), "due_kind", "wt-kind"),
        Column(t("due_time", lang), "due_at", "wt-due"),
        Column(t("countdown", lang), "countdown_text", "wt-clock", due_key="due_iso"),
    ]
    return wall_table(columns, page_records(top, names, lang, tz, now), t("no_open", lang), lang, "sla-wall-row")


def grid_columns(lang: str) -> list[dict[str, Any]]:
    """Columns of the board; values arrive display-ready, sorting happens on the server (SORT_KEYS)."""
    chip = {"cellRenderer": "Chip"}
    return [
        {"field": "state", "headerName": t("state", lang), "width": 104, "sort": "asc", **chip,
         "cellRendererParams": {"prefix": "state", "labelField": "state_label"}},
        {"field": "countdown", "headerName": t("countdown", lang), "width": 164, "cellRenderer": "Countdown",
         "cellRendererParams": {"lang": lang}, "cellClass": "countdown-cell"},
        {"field": "urgency", "headerName": t("urgency", lang), "width": 116, **chip,
         "cellRendererParams": {"prefix": "urgency", "labelField": "urgency_label"}},
        {"field": "district", "headerName": t("district", lang), "width": 100},
        {"field": "township", "headerName": t("township", lang), "flex": 1, "minWidth": 120},
        {"field": "category", "headerName": t("category", lang), "flex": 1.4, "minWidth": 150},
        {"field": "due_kind", "headerName": t("deadline_kind", lang), "width": 100},
        {"field": "due_at", "headerName": t("due_time", lang), "width": 116},
        {"field": "case_id", "headerName": t("case_id", lang), "width": 150},
    ]  # fmt: skip


def grid(view: View) -> dag.AgGrid:
    """The virtualised board: AG Grid's infinite row model asks the server for pages of 100 rows."""
    return dag.AgGrid(
        id=ids.SLA_GRID,
        rowModelType="infinite",
        columnDefs=grid_columns(view.lang),
        defaultColDef=DEFAULT_COL_DEF,
        getRowId="params.data.case_id",
        rowClassRules={"row-overdue": "params.data && params.data.state === 'overdue'"},
        dashGridOptions=grid_options(
            cacheBlockSize=PAGE_SIZE,
            maxBlocksInCache=50,
            maxConcurrentDatasourceRequests=1,  # dash-ag-grid keeps one pending request at a time
            infiniteInitialRowCount=PAGE_SIZE,
            blockLoadDebounceMillis=60,
        ),
        className="sla-grid",
        style={"height": "100%", "width": "100%"},
    )


def _dropdown(component_id: str, options: list[dict[str, str]], value: str | None, placeholder: str,
              searchable: bool = False) -> dcc.Dropdown:  # fmt: skip
    return dcc.Dropdown(id=component_id, options=options, value=value, placeholder=placeholder, clearable=True,
                        searchable=searchable, className="dropdown")  # fmt: skip


def controls(view: View, filters: SlaFilters, frame: pd.DataFrame, names: dict[str, Any]) -> html.Div:
    """Five filters; the township list follows the district. Hidden on the wall."""
    lang = view.lang
    districts = _district_names(names, lang)
    parent = names.get("township_district", {})
    towns = sorted(
        (code for code in names.get("township", {}) if not filters.district or parent.get(code) == filters.district),
        key=lambda code: (parent.get(code, ""), code),
    )
    town_label = (lambda c: tr(names["township"][c], lang)) if filters.district else (
        lambda c: f"{tr(names['township'][c], lang)} · {districts.get(parent.get(c, ''), '')}")  # fmt: skip
    categories = sorted(set(frame["category"].dropna()) | ({filters.category} if filters.category else set()))
    parts = [
        ("district", ids.SLA_DISTRICT, [{"label": districts[c], "value": c} for c in sorted(districts)],
         "all_districts", False),
        ("township", ids.SLA_TOWNSHIP, [{"label": town_label(c), "value": c} for c in towns], "all_townships", True),
        ("category", ids.SLA_CATEGORY, [{"label": tr(c, lang), "value": c} for c in categories], "all_categories",
         False),
        ("urgency", ids.SLA_URGENCY, [{"label": v[lang], "value": k} for k, v in URGENCY.items()],
         "all_urgencies", False),
        ("state", ids.SLA_STATE, [{"label": t(f"state_{s}", lang), "value": s} for s in STATES], "all_states", False),
    ]  # fmt: skip
    children = [
        html.Div(
            [html.Span(t(key, lang), className="control-label"),
             _dropdown(cid, options, getattr(filters, key), t(placeholder, lang), searchable)],
            className=f"control sla-control sla-control-{key}",
        )
        for key, cid, options, placeholder, searchable in parts
    ]  # fmt: skip
    children.append(dcc.Link(t("clear_filters", lang), href=link("/sla", lang), className="clear-filters"))
    return html.Div(children, className="controls sla-controls" + (" hidden" if view.kiosk else ""))


def _panel(title: Any, body: Any, class_name: str, title_id: str | None = None) -> html.Section:
    heading = (
        html.H2(title, id=title_id, className="panel-title") if title_id else html.H2(title, className="panel-title")
    )
    return html.Section([heading, body], className=f"panel {class_name}")


def page(view: View, snapshot: dict[str, Any] | None, frame: pd.DataFrame, tz: ZoneInfo) -> html.Div:
    """The board, filled from the current snapshot at once (no empty boxes); callbacks keep it live."""
    lang = view.lang
    names = (snapshot or {}).get("names", {})
    filters = filters_from_query(view.query, names)
    if view.kiosk:
        now = datetime.fromisoformat(snapshot["generated_at"]) if snapshot else datetime.now(tz)
        rows = html.Div(wall_rows(frame, filters, names, lang, tz, now), id=ids.SLA_WALL_ROWS, className="wall-box")
        main = _panel(t("most_urgent", lang), rows, "panel-sla-rows")
    else:
        main = _panel(rows_title(frame, filters, lang), html.Div(grid(view), className="sla-grid-box"),
                      "panel-sla-rows", ids.SLA_ROWS_TITLE)  # fmt: skip
    return html.Div(
        [
            controls(view, filters, frame, names),
            html.Div(count_tiles(frame, view, filters), id=ids.SLA_COUNTS, className="kpi-row sla-tiles"),
            html.Div(
                [
                    main,
                    _panel(t("overdue_by_township", lang),
                           html.Div(township_bars(frame, filters, names, lang), id=ids.SLA_OVERDUE_BY_TOWNSHIP,
                                    className="bar-list sla-bars"), "panel-sla-bars"),
                ],
                className="sla-main",
            ),
        ],
        className="sla-page",
    )  # fmt: skip

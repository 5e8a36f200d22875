"""The SLA board: every open order with its live countdown, filters in the URL, counts per state (pure).

Open orders are not in the snapshot (110,000 at city scale): the callbacks read pages of 100 rows
from the case database (`dashboard.live.open_orders`, AG Grid's infinite row model) and the
tiles, the bar list and the wall's rows as small aggregates (`Board`), once per snapshot version.
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

from dashboard.live.contract import Names, Snapshot, names_of
from dashboard.live.open_orders import COLUMNS as OPEN_COLUMNS
from dashboard.live.open_orders import STATES, OpenOrderFilters, OpenPage
from layouts import ids
from layouts.components import DEFAULT_COL_DEF, Bar, Column, bar_rows, grid_options, tile, wall_table
from layouts.countdowns import holiday_note
from layouts.i18n import URGENCY, fmt_count, fmt_countdown, t
from layouts.names import tr
from layouts.routes import View
from layouts.shell import link

PAGE_SIZE = 100
WALL_ROWS = 15
TOP_TOWNSHIPS = 15
# The wall's table (page_records' keys); the countdown ticks in the browser.
WALL_COLUMNS = (
    Column("state", "state_label", "wt-state"), Column("urgency", "urgency_label", "wt-urgency"),
    Column("district", "district", "wt-district"), Column("township", "township", "wt-township"),
    Column("category", "category", "wt-category"), Column("deadline_kind", "due_kind", "wt-kind"),
    Column("due_time", "due_at", "wt-due"), Column("countdown", "countdown_text", "wt-clock", due_key="due_iso"),
)  # fmt: skip


SlaFilters = OpenOrderFilters  # hashable, so query results can be memoised per snapshot version


@dataclass(frozen=True)
class Board:
    """What the board shows besides the grid, read once per snapshot version, filters and scope."""

    counts: dict[str, int]  # open orders per state under the filters, the state filter ignored
    overdue_towns: list[tuple[str, int]]  # (township code, overdue orders), most first
    categories: list[str]  # the category filter's options
    top: pd.DataFrame  # the most urgent rows (the wall), OpenPage.rows columns

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def matching(self, filters: SlaFilters) -> int:
        """Open orders matching every filter, the state included."""
        return self.counts.get(filters.state, 0) if filters.state else self.total


FILTER_KEYS = tuple(f.name for f in fields(SlaFilters))


def filters_from_query(query: dict[str, str], names: Names) -> SlaFilters:
    """Filters from the URL query; unknown codes are dropped, a township outside the district too."""
    districts = names["district"]
    parent = names["township_district"]
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


EMPTY_BOARD = Board(dict.fromkeys(STATES, 0), [], [], pd.DataFrame(columns=list(OPEN_COLUMNS)))


def sort_key(sort_model: list[dict[str, str]] | None) -> tuple[tuple[str, str], ...]:
    """A hashable form of a sortModel, for memoising pages."""
    return tuple((s["colId"], s["sort"]) for s in sort_model or [])


def block_range(request: dict[str, Any]) -> tuple[int, int]:
    """Rows [start, end) an infinite-grid request asks for, at most five blocks."""
    start = max(int(request.get("startRow") or 0), 0)
    return start, min(int(request.get("endRow") or start + PAGE_SIZE), start + PAGE_SIZE * 5)


def _district_names(names: Names, lang: str) -> dict[str, str]:
    return names["district_en"] if lang == "en" else names["district"]


def page_records(frame: pd.DataFrame, names: Names, lang: str, tz: ZoneInfo,
                 now: datetime) -> list[dict[str, Any]]:  # fmt: skip
    """Rows ready to show: labels in the viewer's language, local due time, the deadline for the ticker."""
    if frame.empty:
        return []
    due = pd.to_datetime(frame["due_at"], unit="ms", utc=True)
    local = due.dt.tz_convert(tz).dt.strftime("%m-%d %H:%M").tolist()
    iso = due.dt.strftime("%Y-%m-%dT%H:%M:%SZ").tolist()
    now_ms = now.timestamp() * 1000
    towns, districts = names["township"], _district_names(names, lang)
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


def rows_response(page: OpenPage, names: Names, lang: str, tz: ZoneInfo, now: datetime) -> dict[str, Any]:
    """One block for the infinite grid: the page's rows, display-ready, and the total."""
    return {"rowData": page_records(page.rows, names, lang, tz, now), "rowCount": page.total}


# ---- views ----------------------------------------------------------------------------------------


def _state_link(view: View, filters: SlaFilters, state: str | None) -> str:
    return "/sla" + search_with(view.query, replace(filters, state=state))


def count_tiles(board: Board, view: View, filters: SlaFilters) -> list[Any]:
    """Total plus one tile per state (label + count); a tap filters by that state, a second tap clears it.

    Counts ignore the state filter so the tiles always show the whole breakdown of the selection.
    """
    lang = view.lang
    counts, kiosk = board.counts, view.kiosk
    all_href = None if kiosk else _state_link(view, filters, None)
    everything = filters.state is None and not kiosk
    tiles = [tile(t("open", lang), fmt_count(board.total, lang), href=all_href, active=everything)]
    for state in STATES:
        active = filters.state == state
        href = None if kiosk else _state_link(view, filters, None if active else state)
        accent = f"state-tile state-{state}" + (" state-zero" if counts[state] == 0 else "")
        tiles.append(tile(t(f"state_{state}", lang), fmt_count(counts[state], lang), t(f"state_{state}_note", lang),
                          accent, href, active))  # fmt: skip
    return tiles


def township_bars(board: Board, names: Names, lang: str) -> list[Any]:
    """Overdue orders by township (top 15), each a link to the township's page."""
    districts = _district_names(names, lang)
    parent, towns = names["township_district"], names["township"]
    bars = [
        Bar(tr(towns.get(code, code), lang), n, fmt_count(n, lang), link(f"/township/{code}", lang),
            districts.get(parent.get(code, ""), ""))
        for code, n in board.overdue_towns
    ]  # fmt: skip
    return bar_rows(bars, t("no_overdue", lang))


def rows_title(board: Board, filters: SlaFilters, lang: str) -> str:
    return f"{t('open_orders', lang)} · {fmt_count(board.matching(filters), lang)}"


def wall_rows(board: Board, names: Names, lang: str, tz: ZoneInfo, now: datetime) -> html.Div:
    """The most urgent orders for the wall: a static table that ticks, no case ids (aggregates only)."""
    rows = page_records(board.top.head(WALL_ROWS), names, lang, tz, now)
    return wall_table(WALL_COLUMNS, rows, t("no_open", lang), lang, "sla-wall-row")


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


def controls(view: View, filters: SlaFilters, board: Board, names: Names) -> html.Div:
    """Five filters; the township list follows the district. Hidden on the wall."""
    lang = view.lang
    districts = _district_names(names, lang)
    parent = names["township_district"]
    towns = sorted(
        (code for code in names["township"] if not filters.district or parent.get(code) == filters.district),
        key=lambda code: (parent.get(code, ""), code),
    )
    town_label = (lambda c: tr(names["township"][c], lang)) if filters.district else (
        lambda c: f"{tr(names['township'][c], lang)} · {districts.get(parent.get(c, ''), '')}")  # fmt: skip
    categories = sorted(set(board.categories) | ({filters.category} if filters.category else set()))
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


def page(view: View, snapshot: Snapshot | None, board: Board, tz: ZoneInfo) -> html.Div:
    """The board, filled from the current snapshot at once (no empty boxes); callbacks keep it live."""
    lang = view.lang
    names = names_of(snapshot)
    filters = filters_from_query(view.query, names)
    if view.kiosk:
        now = datetime.fromisoformat(snapshot["generated_at"]) if snapshot else datetime.now(tz)
        rows = html.Div(wall_rows(board, names, lang, tz, now), id=ids.SLA_WALL_ROWS, className="wall-box")
        main = _panel(t("most_urgent", lang), rows, "panel-sla-rows")
    else:
        main = _panel(rows_title(board, filters, lang), html.Div(grid(view), className="sla-grid-box"),
                      "panel-sla-rows", ids.SLA_ROWS_TITLE)  # fmt: skip
    return html.Div(
        [
            *holiday_note(snapshot, lang),
            controls(view, filters, board, names),
            html.Div(count_tiles(board, view, filters), id=ids.SLA_COUNTS, className="kpi-row sla-tiles"),
            html.Div(
                [
                    main,
                    _panel(t("overdue_by_township", lang),
                           html.Div(township_bars(board, names, lang), id=ids.SLA_OVERDUE_BY_TOWNSHIP,
                                    className="bar-list sla-bars"), "panel-sla-bars"),
                ],
                className="sla-main",
            ),
        ],
        className="sla-page",
    )  # fmt: skip

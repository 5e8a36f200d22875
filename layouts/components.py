"""View pieces shared by the SLA board and the rankings page (pure): tiles, bar lists, wall tables.

They use the same CSS classes as the overview (kpi-tile, bar-row, ...) so every page speaks one
visual language; the overview could switch its private `_tile` to `tile` here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dash import dcc, html

from layouts.i18n import t

# AG Grid's Theming API builds its CSS in the browser (the legacy ag-theme-* CSS files only come from a CDN,
# which the intranet cannot reach). Parameters point at the page's CSS variables, so one theme follows
# the light (tablet) and dark (wall) palettes.
GRID_THEME = {
    "function": "themeAlpine.withParams({backgroundColor: 'var(--panel)', foregroundColor: 'var(--text)', "
    "headerBackgroundColor: 'var(--panel-2)', headerTextColor: 'var(--muted)', borderColor: 'var(--line)', "
    "rowBorder: {color: 'var(--line)'}, accentColor: 'var(--accent)', fontFamily: 'inherit', "
    "fontSize: 'var(--body)', headerFontSize: 'var(--body)', headerFontWeight: 600, "
    "oddRowBackgroundColor: 'var(--panel)', rowHoverColor: 'var(--panel-2)'})"
}


# Every grid: sortable, resizable, wrapped headers, no header menu (touch screens), 44 px rows.
DEFAULT_COL_DEF = {
    "sortable": True,
    "resizable": True,
    "suppressHeaderMenuButton": True,
    "wrapHeaderText": True,
    "autoHeaderHeight": True,
}


def grid_options(**extra: Any) -> dict[str, Any]:
    """AG Grid options shared by every grid (theme, touch-sized rows), plus the grid's own."""
    return {"theme": GRID_THEME, "rowHeight": 44, "suppressCellFocus": True, **extra}


def tile(label: str, value: str, note: str = "", accent: str = "", href: str | None = None,
         active: bool = False, direction: str = "flat") -> html.Div | dcc.Link:  # fmt: skip
    """A KPI tile; with `href` the whole tile is a touch target (e.g. a filter shortcut).

    `direction` ('up' / 'down' / 'flat') styles a delta note, which always carries its own arrow.
    """
    children = [
        html.Div(label, className="kpi-label"),
        html.Div(value, className="kpi-value"),
        html.Div(note, className=f"kpi-note delta-{direction}"),
    ]
    class_name = " ".join(filter(None, ("kpi-tile", accent, "tile-active" if active else "")))
    if href is None:
        return html.Div(children, className=class_name)
    return dcc.Link(children, href=href, className=class_name + " tile-link")


@dataclass(frozen=True)
class Bar:
    """One row of a bar list: a place, its count and where a tap leads."""

    label: str
    value: int
    value_text: str
    href: str
    note: str = ""


def bar_rows(bars: Sequence[Bar], empty_text: str) -> list[Any]:
    """Ranked bar rows (position, name, bar scaled to the largest, value, note); never an empty box."""
    if not bars:
        return [html.Div(empty_text, className="empty-note")]
    most = max(b.value for b in bars) or 1
    return [
        dcc.Link(
            [
                html.Span(str(position), className="bar-pos"),
                html.Span(bar.label, className="bar-name"),
                html.Span(
                    html.Span(className="bar-fill", style={"width": f"{100 * bar.value / most:.0f}%"}),
                    className="bar-track",
                ),
                html.Span(bar.value_text, className="bar-value"),
                html.Span(bar.note, className="bar-district"),
            ],
            href=bar.href,
            className="bar-row",
        )
        for position, bar in enumerate(bars, start=1)
    ]


@dataclass(frozen=True)
class Column:
    """A column of a wall table: the label id of its header (layouts/i18n.toml), the record key of its
    text, CSS class. Free of the language, so a page declares its wall's columns once.

    `due_key` names an ISO deadline in the record: the cell then carries data-due and assets/ticker.js
    ticks it every second in the browser.
    """

    label: str
    key: str
    class_name: str = ""
    due_key: str | None = None


def wall_table(columns: Sequence[Column], records: Sequence[dict[str, Any]], empty_text: str, lang: str,
               row_class: str = "") -> html.Div:  # fmt: skip
    """A static table for the wall: no scrollbar, type scales with the viewport (CSS), rows never reflow.

    A record may carry `row_class` (e.g. its state) for the row.
    """
    head = html.Div([html.Span(t(c.label, lang), className=f"wt-cell {c.class_name}") for c in columns],
                    className=f"wt-row wt-head {row_class}")  # fmt: skip
    if not records:
        return html.Div([head, html.Div(empty_text, className="empty-note")], className="wall-table")
    rows = []
    for record in records:
        cells = []
        for c in columns:
            extra = {"data-due": record[c.due_key], "data-lang": lang} if c.due_key else {}
            value = record.get(c.key)  # a text or a component (components with no children are falsy)
            cells.append(html.Span("" if value is None else value, className=f"wt-cell {c.class_name}", **extra))
        rows.append(html.Div(cells, className=f"wt-row {row_class} {record.get('row_class', '')}".strip()))
    return html.Div([head, *rows], className="wall-table")

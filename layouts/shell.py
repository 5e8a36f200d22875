"""The frame around every page: header with title, clock and freshness, the data stores, the poll."""

from __future__ import annotations

from dash import dcc, html

from layouts import ids
from layouts.i18n import t


def header(lang: str) -> html.Header:
    return html.Header(
        [
            html.H1(t("title", lang), className="app-title"),
            html.Div("", id=ids.CLOCK, className="header-clock", **{"data-lang": lang}),
            html.Div(t("waiting", lang), id=ids.FRESHNESS, className="freshness freshness-waiting"),
            html.Div("", id=ids.DATA_TIME, hidden=True),
        ],
        className="app-header",
    )


def shell(poll_seconds: float) -> html.Div:
    """Static app layout; the page body is filled by the router callback from the URL."""
    return html.Div(
        [
            dcc.Location(id=ids.URL, refresh=False),
            dcc.Store(id=ids.SNAPSHOT, storage_type="memory"),
            dcc.Store(id=ids.LANG, data="zh"),
            dcc.Interval(id=ids.POLL, interval=int(poll_seconds * 1000), n_intervals=0),
            html.Div(id=ids.PAGE, className="page", **{"data-poll-seconds": str(poll_seconds)}),
        ],
        id="app-root",
    )

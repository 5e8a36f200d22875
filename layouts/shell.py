"""The frame around every page: header with title, navigation, clock and freshness; data stores; poll."""

from __future__ import annotations

from dash import dcc, html

from layouts import ids
from layouts.i18n import t

NAV = (
    ("/", "nav_overview"),
    ("/map", "nav_map"),
    ("/sla", "nav_sla"),
    ("/rankings", "nav_rankings"),
    ("/whatif", "nav_whatif"),
    ("/alerts", "nav_alerts"),
    ("/screens", "nav_screens"),
)


def link(path: str, lang: str, **query: str) -> str:
    """A URL that keeps the language (every view is linkable and bookmarkable)."""
    params = {**({"lang": "en"} if lang == "en" else {}), **{k: v for k, v in query.items() if v}}
    return path + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def nav(active: str, lang: str) -> html.Nav:
    items = [
        dcc.Link(t(key, lang), href=link(path, lang), className="nav-link" + (" active" if path == active else ""))
        for path, key in NAV
    ]
    other = "zh" if lang == "en" else "en"
    items.append(html.A(t("lang_switch", lang), href=link(active, other), id=ids.LANG_SWITCH,
                        className="nav-link nav-lang"))  # fmt: skip
    return html.Nav(items, id=ids.NAV, className="app-nav")


def header(lang: str, active: str, kiosk: bool, data_time: str = "") -> html.Header:
    return html.Header(
        [
            html.H1(t("title", lang), className="app-title"),
            None if kiosk else nav(active, lang),
            html.Div("", id=ids.CLOCK, className="header-clock"),
            html.Div(t("waiting", lang), id=ids.FRESHNESS, className="freshness freshness-waiting"),
            html.Div(data_time, id=ids.DATA_TIME, hidden=True),
        ],
        className="app-header" if kiosk else "app-header with-nav",
    )


def stale_banner(message: str | None) -> html.Div:
    return html.Div(message or "", id=ids.STALE_NOTE, className="stale-note" if message else "stale-note hidden")


def shell(poll_seconds: float) -> html.Div:
    """Static app layout; the page is filled by the router callback from the URL."""
    return html.Div(
        [
            dcc.Location(id=ids.URL, refresh=False),
            dcc.Store(id=ids.SNAPSHOT, storage_type="memory"),
            dcc.Interval(id=ids.POLL, interval=int(poll_seconds * 1000), n_intervals=0),
            html.Div(id=ids.PAGE, className="page theme-light", **{"data-poll-seconds": str(poll_seconds)}),
        ],
        id="app-root",
    )


def not_found(lang: str, key: str = "not_found") -> html.Div:
    """An unknown page or unit (or one the viewer may not see: the same answer, so nothing leaks)."""
    return html.Div([html.H2(t(key, lang)), html.A(t("back_home", lang), href=link("/", lang))],
                    className="panel not-found")  # fmt: skip

"""Operator pages: /alerts (acknowledge) and /screens (reload); both refresh with each snapshot."""

from __future__ import annotations

from datetime import UTC, datetime

from dash import ALL, Dash, Input, Output, State, ctx

from dashboard.alerts.center import acknowledge, list_alerts
from layouts import ids, ops_pages
from layouts.routes import View, parse_view

OPERATOR = "operator"  # who acknowledges until logins name the user (access-control issue)


def alerts_rows(context, lang: str) -> list:
    return ops_pages.alert_rows(list_alerts(context.runtime.engine), lang, context.runtime.settings.tz)


def screens_rows(context, lang: str) -> list:
    return ops_pages.screen_rows(context.fleet.screens(), lang)


def register(app: Dash, context) -> None:
    context.pages["alerts"] = lambda view, ctx_: ops_pages.page(
        "alerts_title", ids.ALERT_LIST, alerts_rows(ctx_, view.lang), view.lang
    )
    context.pages["screens"] = lambda view, ctx_: ops_pages.page(
        "screens_title", ids.SCREEN_LIST, screens_rows(ctx_, view.lang), view.lang
    )

    @app.callback(
        Output(ids.ALERT_LIST, "children"),
        Input(ids.SNAPSHOT, "data"),
        Input({"type": ids.ALERT_ACK, "id": ALL}, "n_clicks"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def alerts(_stub, clicks, search):
        view: View = parse_view("/alerts", search)
        trigger = ctx.triggered_id
        if isinstance(trigger, dict) and any(clicks or []):
            acknowledge(context.runtime.engine, int(trigger["id"]), OPERATOR, datetime.now(UTC))
        return alerts_rows(context, view.lang)

    @app.callback(
        Output(ids.SCREEN_LIST, "children"),
        Input(ids.SNAPSHOT, "data"),
        Input({"type": ids.SCREEN_RELOAD, "screen": ALL}, "n_clicks"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def screens(_stub, clicks, search):
        view = parse_view("/screens", search)
        trigger = ctx.triggered_id
        if isinstance(trigger, dict) and any(clicks or []):
            context.fleet.request_reload(trigger["screen"])
        return screens_rows(context, view.lang)

"""Operator pages: /alerts (acknowledge) and /screens (reload); both refresh with each snapshot."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from dash import ALL, Dash, Input, Output, ctx, no_update

from callbacks.context import AppContext
from callbacks.wiring import with_search
from dashboard.access.web import viewer_leads
from dashboard.alerts.center import acknowledge, list_alerts
from layouts import ids, ops_pages
from layouts.routes import parse_view

OPERATOR = "operator"  # who acknowledges until logins name the user (access-control issue)


def alerts_rows(context: AppContext, lang: str) -> list:
    return ops_pages.alert_rows(list_alerts(context.runtime.engine), lang, context.runtime.settings.tz)


def screens_rows(context: AppContext, lang: str) -> list:
    return ops_pages.screen_rows(context.fleet.screens(), lang)


def _list_with_action(app: Dash, context: AppContext, list_id: str, button: dict[str, Any], act: Callable[[dict], Any],
                      rows: Callable[[AppContext, str], list]) -> None:  # fmt: skip
    """A list that re-renders with each snapshot and after a tap on one of its row buttons."""

    @with_search(app, Output(list_id, "children"), Input(ids.SNAPSHOT, "data"), Input(button, "n_clicks"))
    def refresh(_stub, clicks, search):
        if not viewer_leads():  # a forged call from another role acts on nothing and sees nothing
            return no_update
        if isinstance(ctx.triggered_id, dict) and any(clicks or []):
            act(ctx.triggered_id)
        return rows(context, parse_view("/", search).lang)


def register(app: Dash, context: AppContext) -> None:
    context.pages["alerts"] = lambda view, c: ops_pages.page("alerts_title", ids.ALERT_LIST,
                                                             alerts_rows(c, view.lang), view.lang)  # fmt: skip
    context.pages["screens"] = lambda view, c: ops_pages.page("screens_title", ids.SCREEN_LIST,
                                                              screens_rows(c, view.lang), view.lang)  # fmt: skip

    def ack(hit: dict) -> None:
        acknowledge(context.runtime.engine, int(hit["id"]), OPERATOR, datetime.now(UTC))

    _list_with_action(app, context, ids.ALERT_LIST, {"type": ids.ALERT_ACK, "id": ALL}, ack, alerts_rows)
    _list_with_action(app, context, ids.SCREEN_LIST, {"type": ids.SCREEN_RELOAD, "screen": ALL},
                      lambda hit: context.fleet.request_reload(hit["screen"]), screens_rows)  # fmt: skip

"""The URL router and the tiny version poll shared by every page."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, State, no_update

from callbacks.context import AppContext
from callbacks.wiring import with_search
from layouts import ids, shell
from layouts.i18n import t
from layouts.routes import View, page_class, parse_view


def version_stub(snapshot: dict[str, Any] | None, known: dict[str, Any] | None) -> dict[str, Any] | None:
    """What the browser keeps: the version and times only. None means 'nothing new'."""
    if not snapshot or (known and known.get("version") == snapshot["version"]):
        return None
    return {"version": snapshot["version"], "generated_at": snapshot["generated_at"], "stale": snapshot.get("stale"),
            "cache_degraded": snapshot.get("cache_degraded"), "data_as_of": data_time(snapshot)}  # fmt: skip


def data_time(snapshot: dict[str, Any] | None) -> str:
    """What the freshness badge ages from: the poller's last successful read of the database."""
    if not snapshot:
        return ""
    return snapshot.get("data_as_of") or snapshot["generated_at"]


def build_page(view: View, context: AppContext) -> list:
    builder = context.pages.get(view.page)  # per app: filled by each page module's register()
    if builder and not context.may_view(view):
        builder = None  # another district's page looks like an unknown one: nothing of it is revealed
    body = builder(view, context) if builder else shell.not_found(view.lang)
    snapshot = context.snapshot()
    header = shell.header(view.lang, view.path if view.page != "not_found" else "", view.kiosk,
                          data_time(snapshot))  # fmt: skip
    return [header, shell.stale_banner(stale_message(snapshot, view.lang)), body]


def stale_message(snapshot: dict[str, Any] | None, lang: str) -> str | None:
    """A visible warning while the last good snapshot is served (source down) or Redis is down."""
    stale = (snapshot or {}).get("stale")
    if stale:
        reason = stale.get("reason", "") if isinstance(stale, dict) else str(stale)
        return f"{t('stale_warning', lang)} ({reason})" if reason else t("stale_warning", lang)
    degraded = (snapshot or {}).get("cache_degraded")
    return f"{t('cache_warning', lang)} ({degraded})" if degraded else None


def register(app: Dash, context: AppContext) -> None:
    @app.callback(
        Output(ids.PAGE, "children"),
        Output(ids.PAGE, "className"),
        Input(ids.URL, "pathname"),
        Input(ids.URL, "search"),
    )
    def route(pathname: str, search: str):
        view = parse_view(pathname, search)
        return build_page(view, context), page_class(view)

    @app.callback(Output(ids.SNAPSHOT, "data"), Input(ids.POLL, "n_intervals"), State(ids.SNAPSHOT, "data"))
    def poll(_n: int, known: dict[str, Any] | None):
        stub = version_stub(context.snapshot_if_newer(known and known.get("version")), known)
        return no_update if stub is None else stub

    @with_search(app, Output(ids.DATA_TIME, "children"), Output(ids.STALE_NOTE, "children"),
                 Output(ids.STALE_NOTE, "className"), Input(ids.SNAPSHOT, "data"), initial=True)  # fmt: skip
    def freshness(stub: dict[str, Any] | None, search: str):
        if not stub:
            return no_update, no_update, no_update
        message = stale_message(stub, parse_view("/", search).lang)
        shown = stub.get("data_as_of") or stub["generated_at"]
        return shown, message or "", "stale-note" if message else "stale-note hidden"

"""Callbacks of the rankings page: controls <-> URL, payloads (current from the snapshot, past memoised), exports.

The current period's rankings come from the snapshot (no query per viewer) while the rollups it read
are unchanged; otherwise the period is read from the rollups once through `rankings_payload`, the
function behind the CLI and the API, and kept in an LRU keyed by the rules digest and the rollups
stamp of the period (`rankings.current_stamp` catches the rollups up first), so an import that
edits a past month reaches every worker's cache at once.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from dash import Dash, Input, Output, State, ctx, dcc, no_update

from callbacks.context import AppContext
from dashboard.access.web import audit_event
from dashboard.assessment import export
from dashboard.assessment.period_views import composite_history, history_stamp
from dashboard.assessment.periods import month_of_day, parse_period
from dashboard.assessment.rankings import current_stamp, rankings_payload
from dashboard.live.rollups import catch_up
from dashboard.scope import Scope
from layouts import ids, rankings
from layouts.routes import View, parse_view

HISTORY_MONTHS = 6


class RankingSource:
    """Rankings payloads and 6-month composite histories for any period, cheap for the current one."""

    def __init__(self, runtime) -> None:
        self.runtime = runtime
        self.past_payload = lru_cache(maxsize=64)(self._payload)
        self.past_history = lru_cache(maxsize=32)(self._history)

    def _payload(self, period: str, date: str, level: str, digest: str, stamp: str) -> dict[str, Any]:
        return rankings_payload(self.runtime.engine, self.runtime.rules, period, date, level, Scope.all())

    def _history(self, month: str, level: str, digest: str, stamp: str) -> dict[str, Any]:
        rules = self.runtime.rules
        return composite_history(self.runtime.engine, rules, parse_period("month", month, rules), HISTORY_MONTHS,
                                 level)  # fmt: skip

    def payload(self, options: dict[str, str | None], snapshot: dict[str, Any] | None) -> dict[str, Any] | None:
        """The period's payload; the month to date (not yet closed) is marked provisional."""
        found = self._current_or_past(options, snapshot)
        if found and found["period"] == "month" and found["date"] == (snapshot or {}).get("month"):
            return {**found, "provisional": True}
        return found

    def _current_or_past(
        self, options: dict[str, str | None], snapshot: dict[str, Any] | None
    ) -> dict[str, Any] | None:
        period, date, level = options["period"], options["date"], options["level"]
        if not date:
            return None
        runtime = self.runtime
        stamp = current_stamp(runtime.engine, runtime.rules, runtime.settings.tz, period, date)
        current = ((snapshot or {}).get("rankings") or {}).get(f"{period}_{level}")
        if (current and current["date"] == date and current.get("rules_digest") == runtime.rules.digest
                and current.get("rollups_stamp") == stamp):  # fmt: skip
            return current
        return self.past_payload(period, date, level, runtime.rules.digest, stamp)

    def series(self, options: dict[str, str | None], snapshot: dict[str, Any] | None) -> dict[str, list]:
        """Composite of the last six months per unit, ending with the month of the period shown."""
        if not options["date"]:
            return {}
        rules = self.runtime.rules
        month = month_of_day(parse_period(options["period"], options["date"], rules).first_day, rules).label
        catch_up(self.runtime.engine, rules, self.runtime.settings.tz)
        stamp = history_stamp(self.runtime.engine, rules, parse_period("month", month, rules), HISTORY_MONTHS)
        history = ((snapshot or {}).get("history") or {}).get(options["level"])
        if history and history["months"] and history["months"][-1] == month and history.get("stamp") == stamp:
            return history["series"]
        return self.past_history(month, options["level"], rules.digest, stamp)["series"]


def page_parts(view: View, source: RankingSource, snapshot: dict[str, Any] | None) -> tuple:
    """(options, payload, series) of the view; a bad date in the URL falls back to the current period."""
    options = rankings.rank_options(view, snapshot)
    try:
        return options, source.payload(options, snapshot), source.series(options, snapshot)
    except ValueError:
        options = {**options, "date": rankings.current_label(snapshot, options["period"])}
        return options, source.payload(options, snapshot), source.series(options, snapshot)


def export_file(payload: dict[str, Any], fmt: str) -> dict[str, Any]:
    """A dcc.Download of exactly the payload on screen, rendered like the CLI's export."""
    return dcc.send_bytes(export.render(payload, fmt), rankings.export_filename(payload, fmt))


def register(app: Dash, context: AppContext) -> None:
    source = RankingSource(context.runtime)

    def build(view: View, _context):
        snapshot = context.snapshot()
        options, payload, series = page_parts(view, source, snapshot)
        return rankings.page(view, options, payload, series, snapshot)

    context.pages["rankings"] = build

    @app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Input(ids.RANK_PERIOD, "value"),
        Input(ids.RANK_LEVEL, "value"),
        Input(ids.RANK_DATE, "value"),
        Input(ids.RANK_DAY, "date"),
        State(ids.URL, "pathname"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def controls_to_url(period, level, month, day, pathname, search):
        view = parse_view(pathname, search)
        if view.page != "rankings":
            return no_update
        current = rankings.rank_options(view, context.snapshot())
        new = rankings.changed_options(current, period, level, month, day)
        return no_update if new == current else rankings.search_for(view.query, new)

    @app.callback(
        Output(ids.RANK_EXPORT, "data"),
        Input(ids.RANK_EXPORT_XLSX, "n_clicks"),
        Input(ids.RANK_EXPORT_CSV, "n_clicks"),
        State(ids.URL, "pathname"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def download(_xlsx, _csv, pathname, search):
        _options, payload, _series = page_parts(parse_view(pathname, search), source, context.snapshot())
        if not payload or not ctx.triggered_id:
            return no_update
        fmt = "xlsx" if ctx.triggered_id == ids.RANK_EXPORT_XLSX else "csv"
        audit_event("export", f"rankings/{payload['period']}/{payload['date']}/{payload['level']}", format=fmt)
        return export_file(payload, fmt)

    def live(pathname: str, search: str) -> tuple[View, list[dict[str, Any]], dict[str, Any]] | None:
        """Fresh rows while the current period is shown; None when nothing changes (a past period)."""
        view = parse_view(pathname, search)
        snapshot = context.snapshot()
        if view.page != "rankings" or not snapshot:
            return None
        options, payload, series = page_parts(view, source, snapshot)
        if not payload or options["date"] != rankings.current_label(snapshot, options["period"]):
            return None
        return view, rankings.grid_rows(payload, series, snapshot["names"], view.lang), payload

    # One output per callback where a part exists in one mode only (grid on tablets, wall table in kiosk):
    # Dash skips a callback whose only output is absent, but fails on a partly absent multi-output one.
    @app.callback(
        Output(ids.RANK_CLASSES, "children"),
        Output(ids.RANK_TITLE, "children"),
        Input(ids.SNAPSHOT, "data"),
        State(ids.URL, "pathname"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def live_lists(_stub, pathname: str, search: str):
        fresh = live(pathname, search)
        if fresh is None:
            return no_update, no_update
        view, rows, payload = fresh
        return rankings.class_columns(rows, payload["level"], view.lang), rankings.heading(payload, view.lang)

    @app.callback(
        Output(ids.RANK_GRID, "rowData"),
        Input(ids.SNAPSHOT, "data"),
        State(ids.URL, "pathname"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def live_grid(_stub, pathname: str, search: str):
        fresh = live(pathname, search)
        return no_update if fresh is None else fresh[1]

    @app.callback(
        Output(ids.RANK_WALL, "children"),
        Input(ids.SNAPSHOT, "data"),
        State(ids.URL, "pathname"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def live_wall(_stub, pathname: str, search: str):
        fresh = live(pathname, search)
        if fresh is None:
            return no_update
        view, rows, payload = fresh
        return rankings.wall_rows(rows, payload["level"], view.lang)

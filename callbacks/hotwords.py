"""Hot words on the overview and the map: the ranked list refreshes with the snapshot; a chosen word
(`?word=` on the map) colours the map by the orders naming it and lists those orders."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dash import Dash, Input, Output, State, no_update

from dashboard.access.web import viewer_scope
from dashboard.assessment.hotwords import orders_with_word
from dashboard.live.contract import names_of
from layouts import hotwords, ids
from layouts.routes import View


def word_township_counts(snapshot: dict[str, Any], word: str) -> dict[str, int]:
    """Orders naming `word` per township, from the snapshot (only hot words carry them)."""
    for hot in (snapshot.get("hot_words") or {}).get("city", []):
        if hot["word"] == word:
            return hot.get("townships", {})
    return {}


def word_panel(view: View, context, snapshot: dict[str, Any] | None, word: str) -> list:
    """The orders naming the chosen word, read from the database for this viewer's scope (a drill-down)."""
    if not word:
        return []
    scope = viewer_scope()  # from the server's session; a kiosk page lists no orders whoever is logged in
    now = datetime.fromisoformat(snapshot["generated_at"]) if snapshot else datetime.now(UTC)
    orders = None if scope.aggregates_only or view.kiosk else orders_with_word(context.runtime.engine, word, now, scope)
    return [hotwords.word_orders(word, orders, names_of(snapshot), view.lang, context.runtime.settings.tz)]


def list_for(snapshot: dict[str, Any] | None, view: View) -> list:
    chosen = view.query.get("word", "") if view.page == "map" else ""
    return hotwords.hot_word_rows(snapshot, view.lang, chosen=chosen)


def register(app: Dash, context) -> None:
    @app.callback(
        Output(ids.HOT_WORDS, "children"),
        Input(ids.SNAPSHOT, "data"),
        Input(ids.HOT_WORDS, "id"),
        State(ids.URL, "pathname"),
        State(ids.URL, "search"),
    )
    def refresh(stub: dict[str, Any] | None, _list: str, pathname: str, search: str):
        live = context.showing(stub, pathname, search)
        return no_update if live is None else list_for(*live)

"""Hot words on the overview and the map: the ranked list refreshes with the snapshot; a chosen word
(`?word=` on the map) colours the map by the orders naming it and lists those orders."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dash import Dash, Input, Output

from callbacks.context import AppContext
from callbacks.wiring import on_snapshot
from dashboard.access.web import viewer_scope
from dashboard.assessment.hotwords import word_drilldown
from dashboard.live.contract import Snapshot, names_of
from layouts import hotwords, ids
from layouts.routes import View


def word_township_counts(snapshot: Snapshot, word: str) -> dict[str, int]:
    """Orders naming `word` per township, from the snapshot (only hot words carry them)."""
    for hot in snapshot["hot_words"].get("city", []):
        if hot["word"] == word:
            return hot.get("townships", {})
    return {}


def word_panel(view: View, context: AppContext, snapshot: dict[str, Any] | None, word: str) -> list:
    """The orders naming the chosen word, read from the database for this viewer's scope (a drill-down)."""
    if not word:
        return []
    now = datetime.fromisoformat(snapshot["generated_at"]) if snapshot else datetime.now(UTC)
    orders = word_drilldown(context.runtime.engine, word, now, viewer_scope(), kiosk=view.kiosk)
    return [hotwords.word_orders(word, orders, names_of(snapshot), view.lang, context.runtime.settings.tz)]


def list_for(snapshot: dict[str, Any] | None, view: View) -> list:
    chosen = view.query.get("word", "") if view.page == "map" else ""
    return hotwords.hot_word_rows(snapshot, view.lang, chosen=chosen)


def register(app: Dash, context: AppContext) -> None:
    redraw = on_snapshot(app, context, Output(ids.HOT_WORDS, "children"), also=(Input(ids.HOT_WORDS, "id"),),
                         initial=True)  # fmt: skip
    redraw(list_for)

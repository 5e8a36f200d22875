"""The app's one open-order reader (`dashboard.live.open_order_reader`), shared by the SLA board and unit pages."""

from __future__ import annotations

from typing import Any

from callbacks.context import AppContext
from dashboard.live.open_order_reader import OpenOrderReader
from dashboard.scope import Scope
from layouts import sla


def reader(context: AppContext) -> OpenOrderReader:
    """The app's one reader (so every page of a worker shares its memo)."""
    if context.open_orders is None:
        runtime = context.runtime
        context.open_orders = OpenOrderReader(runtime.engine, runtime.rules, sla.WALL_ROWS, sla.TOP_TOWNSHIPS)
    return context.open_orders


def board(context: AppContext, snapshot: dict[str, Any], scope: Scope, filters: sla.SlaFilters) -> sla.Board:
    """The SLA board's tiles, bars and wall rows under `filters`, read once per snapshot version."""
    return sla.Board(*reader(context).board(snapshot, scope, filters))

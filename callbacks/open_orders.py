"""The SLA board's reads of the case database, memoised per snapshot version in each worker.

Every viewer of the same filters in one tick shares one query: the state counts, the overdue
townships and the wall's rows are read once per (version, scope, filters), a grid block once per
(version, scope, filters, sort, block). Countdown states are taken at the snapshot's time, so the
tiles, the grid and the snapshot's KPIs agree.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from dashboard.live import open_orders
from dashboard.scope import Scope
from layouts import sla


def reader(context) -> OpenOrderReader:
    """The app's one reader (so every page of a worker shares its memo)."""
    if context.open_orders is None:
        context.open_orders = OpenOrderReader(context.runtime)
    return context.open_orders


class OpenOrderReader:
    def __init__(self, runtime) -> None:
        self.engine = runtime.engine
        self.rules = runtime.rules
        self._board = lru_cache(maxsize=64)(self._read_board)
        self._page = lru_cache(maxsize=256)(self._read_page)

    def board(self, snapshot: dict[str, Any], scope: Scope, filters: sla.SlaFilters) -> sla.Board:
        return self._board(snapshot["version"], snapshot["generated_at"], scope, filters)

    def page(self, snapshot: dict[str, Any], scope: Scope, filters: sla.SlaFilters, sort: tuple,
             start: int, end: int) -> open_orders.OpenPage:  # fmt: skip
        return self._page(snapshot["version"], snapshot["generated_at"], scope, filters, sort, start, end)

    def _read_board(self, _version: int, generated_at: str, scope: Scope, filters: sla.SlaFilters) -> sla.Board:
        now = datetime.fromisoformat(generated_at)
        counts = self._counts(generated_at, scope, filters)
        top = open_orders.page_open_orders(self.engine, scope, filters, (), 0, sla.WALL_ROWS, now=now,
                                           rules=self.rules, counts=counts)  # fmt: skip
        towns = open_orders.overdue_by_township(self.engine, scope, filters, sla.TOP_TOWNSHIPS, now=now,
                                                rules=self.rules)  # fmt: skip
        return sla.Board(counts, towns, open_orders.open_categories(self.engine, scope), top.rows)

    def _counts(self, generated_at: str, scope: Scope, filters: sla.SlaFilters) -> dict[str, int]:
        now = datetime.fromisoformat(generated_at)
        return open_orders.state_counts(self.engine, scope, filters, now=now, rules=self.rules)

    def _read_page(self, version: int, generated_at: str, scope: Scope, filters: sla.SlaFilters, sort: tuple,
                   start: int, end: int) -> open_orders.OpenPage:  # fmt: skip
        counts = self._board(version, generated_at, scope, filters).counts
        return open_orders.page_open_orders(self.engine, scope, filters, sort, start, end,
                                            now=datetime.fromisoformat(generated_at), rules=self.rules,
                                            counts=counts)  # fmt: skip

    def due_soon(self, snapshot: dict[str, Any], scope: Scope, level: str, code: str, limit: int):
        """A district's or township's open orders nearest their deadline (overdue first)."""
        return self._due_soon(snapshot["version"], snapshot["generated_at"], scope, level, code, limit)

    @lru_cache(maxsize=64)  # noqa: B019 - one reader per app, kept for the process's life
    def _due_soon(self, _version: int, generated_at: str, scope: Scope, level: str, code: str, limit: int):
        filters = sla.SlaFilters(**{level: code})
        return open_orders.page_open_orders(
            self.engine,
            scope,
            filters,
            (("due_at", "asc"),),
            0,
            limit,
            now=datetime.fromisoformat(generated_at),
            rules=self.rules,
        ).rows

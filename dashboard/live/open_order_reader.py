"""The SLA board's and the unit pages' reads of open orders, memoised per snapshot version in each worker.

Every viewer of the same filters in one tick shares one query: the state counts, the overdue
townships and the wall's rows are read once per (version, scope, filters), a grid block once per
(version, scope, filters, sort, block). Countdown states are taken at the snapshot's time, so the
tiles, the grid and the snapshot's KPIs agree.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple

import pandas as pd
from sqlalchemy import Engine

from dashboard.assessment.rules import Rules
from dashboard.live import open_orders
from dashboard.live.open_orders import OpenOrderFilters, OpenPage
from dashboard.scope import Scope


class BoardReads(NamedTuple):
    """What the SLA board shows besides the grid (in the order of `layouts.sla.Board`'s fields)."""

    counts: dict[str, int]  # open orders per state under the filters, the state filter ignored
    overdue_towns: list[tuple[str, int]]  # (township code, overdue orders), most first
    categories: list[str]  # the category filter's options
    top: pd.DataFrame  # the most urgent rows (the wall), OpenPage.rows columns


class OpenOrderReader:
    """Open-order reads keyed by the snapshot's version and time: one query per tick, scope and filters."""

    def __init__(self, engine: Engine, rules: Rules, top_rows: int, top_townships: int) -> None:
        self.engine, self.rules = engine, rules
        self.top_rows, self.top_townships = top_rows, top_townships
        self._board = lru_cache(maxsize=64)(self._read_board)
        self._page = lru_cache(maxsize=256)(self._read_page)
        self._due_soon = lru_cache(maxsize=64)(self._read_due_soon)

    def board(self, snapshot: dict[str, Any], scope: Scope, filters: OpenOrderFilters) -> BoardReads:
        return self._board(snapshot["version"], snapshot["generated_at"], scope, filters)

    def page(self, snapshot: dict[str, Any], scope: Scope, filters: OpenOrderFilters, sort: tuple,
             start: int, end: int) -> OpenPage:  # fmt: skip
        return self._page(snapshot["version"], snapshot["generated_at"], scope, filters, sort, start, end)

    def due_soon(self, snapshot: dict[str, Any], scope: Scope, level: str, code: str, limit: int) -> pd.DataFrame:
        """A district's or township's open orders nearest their deadline (overdue first)."""
        return self._due_soon(snapshot["version"], snapshot["generated_at"], scope, level, code, limit)

    def _read_board(self, _version: int, generated_at: str, scope: Scope, filters: OpenOrderFilters) -> BoardReads:
        now = datetime.fromisoformat(generated_at)
        counts = open_orders.state_counts(self.engine, scope, filters, now=now, rules=self.rules)
        top = open_orders.page_open_orders(self.engine, scope, filters, (), 0, self.top_rows, now=now,
                                           rules=self.rules, counts=counts)  # fmt: skip
        towns = open_orders.overdue_by_township(self.engine, scope, filters, self.top_townships, now=now,
                                                rules=self.rules)  # fmt: skip
        return BoardReads(counts, towns, open_orders.open_categories(self.engine, scope), top.rows)

    def _read_page(self, version: int, generated_at: str, scope: Scope, filters: OpenOrderFilters, sort: tuple,
                   start: int, end: int) -> OpenPage:  # fmt: skip
        counts = self._board(version, generated_at, scope, filters).counts
        return open_orders.page_open_orders(self.engine, scope, filters, sort, start, end,
                                            now=datetime.fromisoformat(generated_at), rules=self.rules,
                                            counts=counts)  # fmt: skip

    def _read_due_soon(self, _version: int, generated_at: str, scope: Scope, level: str, code: str,
                       limit: int) -> pd.DataFrame:  # fmt: skip
        now = datetime.fromisoformat(generated_at)
        filters = OpenOrderFilters(**{level: code})
        return open_orders.page_open_orders(self.engine, scope, filters, (("due_at", "asc"),), 0, limit, now=now,
                                            rules=self.rules).rows  # fmt: skip

"""Open work orders for the SLA board, paged from the case database (issue 13).

The shared snapshot no longer carries every open order (110,000 at city scale, 13 MB of JSON
decoded by every worker every tick). The board asks for one page at a time instead: an indexed
query over the open cases (`ix_cases_open_due`, a partial index on the deadline that matters now),
filtered by the viewer's `Scope` before anything leaves the server.

The countdown state is computed in SQL from the deadline, the dispatch time and `now`, with the
same rule as `dashboard.assessment.sla.countdown_state` (overdue past the deadline; critical under
`rules.critical`; warning under `rules.warning_fraction` of the window; else ok), so a state filter
and the default "most urgent first" order are part of the query.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Engine, Float, Select, case, func, select, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from dashboard.assessment.rules import URGENCIES, Rules
from dashboard.scope import Scope
from dashboard.store.schema import OPEN_PREDICATE, Case

STATES = ("overdue", "critical", "warning", "ok")  # most urgent first: the default order
MAX_PAGE = 500
COLUMNS = ("case_id", "township_code", "district_code", "category", "subcategory", "urgency", "due_kind", "state",
           "dispatched_at", "due_at")  # fmt: skip


class epoch(FunctionElement):
    """Seconds since 1970 of a stored UTC time, on either engine (for the warning-window arithmetic)."""

    type = Float()
    inherit_cache = True


@compiles(epoch, "postgresql")
def _epoch_pg(element, compiler, **kw) -> str:
    return f"EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})"


@compiles(epoch, "sqlite")
def _epoch_sqlite(element, compiler, **kw) -> str:
    return f"((julianday({compiler.process(element.clauses, **kw)}) - 2440587.5) * 86400.0)"


@dataclass(frozen=True)
class OpenOrderFilters:
    """The board's filters; None = all. Hashable, so results can be memoised per snapshot version."""

    district: str | None = None
    township: str | None = None
    category: str | None = None
    urgency: str | None = None
    state: str | None = None


@dataclass(frozen=True)
class OpenPage:
    rows: pd.DataFrame  # COLUMNS; times in epoch milliseconds
    total: int  # open orders matching the filters


def _due() -> ColumnElement:
    """The deadline that matters now: first contact until responded, then resolution (the index key)."""
    return case((Case.responded_at.is_(None), Case.respond_due_at), else_=Case.resolve_due_at)


def _due_kind() -> ColumnElement:
    return case((Case.responded_at.is_(None), "respond"), else_="resolve")


def state_rank(now: datetime, rules: Rules) -> ColumnElement:
    """0 overdue, 1 critical, 2 warning, 3 ok at `now` (mirrors dashboard.assessment.sla.countdown_state)."""
    due = _due()
    now_s = now.timestamp()
    warning = epoch(due) - now_s < (epoch(due) - epoch(Case.dispatched_at)) * rules.warning_fraction
    return case(
        (due < now, 0),
        (due < now + rules.critical, 1),
        (warning, 2),
        else_=3,
    )


def _where(query: Select, scope: Scope, filters: OpenOrderFilters, now: datetime, rules: Rules) -> Select:
    """The open orders the scope may see under the filters (a state filter only when `filters.state`)."""
    # The partial index's predicate, written literally so both planners can match it (a bound IN
    # list would hide it from a generic PostgreSQL plan and from SQLite).
    query = query.where(text(OPEN_PREDICATE), _due().is_not(None), scope.where(Case.district_code))
    for value, column in ((filters.district, Case.district_code), (filters.township, Case.township_code),
                          (filters.category, Case.category), (filters.urgency, Case.urgency)):  # fmt: skip
        if value:
            query = query.where(column == value)
    if filters.state in STATES:
        rank = state_rank(now, rules)
        query = query.where(rank == STATES.index(filters.state), *_due_range(filters.state, now, rules))
    return query


def _without_state(filters: OpenOrderFilters) -> OpenOrderFilters:
    return replace(filters, state=None)


def _due_range(state: str, now: datetime, rules: Rules) -> list[ColumnElement[bool]]:
    """The deadline range a state implies: lets the index narrow the scan before the rank is computed."""
    due, critical = _due(), now + rules.critical
    return {"overdue": [due < now], "critical": [due >= now, due < critical]}.get(state, [due >= critical])


SORT_KEYS = {  # grid column id -> sort keys (names in `_sort_expressions`)
    "state": ["state_rank"],
    "urgency": ["urgency_rank"],
    "district": ["district_code"],
    "township": ["township_code"],
    "category": ["category", "subcategory"],
    "due_kind": ["due_kind"],
    "due_at": ["due_at"],
    "countdown": ["due_at"],
    "case_id": ["case_id"],
}


def _sort_expressions(rank: ColumnElement) -> dict[str, ColumnElement]:
    return {
        "state_rank": rank,
        "urgency_rank": case({u: i for i, u in enumerate(URGENCIES)}, value=Case.urgency, else_=len(URGENCIES)),
        "district_code": Case.district_code,
        "township_code": Case.township_code,
        "category": Case.category,
        "subcategory": func.coalesce(Case.subcategory, ""),
        "due_kind": _due_kind(),
        "due_at": _due(),
        "case_id": Case.case_id,
    }


def _order(sort: tuple[tuple[str, str], ...], rank: ColumnElement) -> list[ColumnElement]:
    """ORDER BY from the grid's sort model; ties fall back to the deadline, then the case id."""

    expressions = _sort_expressions(rank)
    chosen: dict[str, bool] = {}
    for col_id, direction in sort:
        for key in SORT_KEYS.get(col_id, []):
            chosen.setdefault(key, direction == "desc")
    for key in ("due_at", "case_id"):
        chosen.setdefault(key, False)
    return [expressions[k].desc() if desc else expressions[k].asc() for k, desc in chosen.items()]


def page_open_orders(engine: Engine, scope: Scope, filters: OpenOrderFilters, sort: tuple[tuple[str, str], ...],
                     start: int, end: int, *, now: datetime, rules: Rules,
                     counts: dict[str, int] | None = None) -> OpenPage:  # fmt: skip
    """Rows [start, end) of the open orders the viewer may see, in the grid's order, and their total.

    `sort` is the grid's sort model as ((column id, "asc"|"desc"), ...); empty = most urgent first.
    `counts` (from `state_counts` with the same arguments, when the caller already has them) saves
    one query. A scope with `aggregates_only` gets no case ids (the wall): its rows are keyed "#N" by
    position, so the grid still has a unique row id.

    Sorted by state (the default), each state is a contiguous block of the order, so a page is read
    state by state with a deadline range the index answers, instead of ranking every open order.
    """
    start = max(int(start), 0)
    end = min(max(int(end), start), start + MAX_PAGE)
    counts = counts if counts is not None else state_counts(engine, scope, filters, now=now, rules=rules)
    states = [filters.state] if filters.state in STATES else list(STATES)
    total = sum(counts[s] for s in states)
    sort = tuple(sort) or (("state", "asc"),)
    if sort[0][0] != "state":
        return OpenPage(_keyed(_read(engine, scope, filters, sort, start, end, now, rules), scope, start), total)
    if sort[0][1] == "desc":
        states.reverse()
    parts, offset = [], 0
    for state in states:
        low, high = max(start - offset, 0), min(end - offset, counts[state])
        if low < high:
            parts.append(_read(engine, scope, replace(filters, state=state), sort[1:], low, high, now, rules))
        offset += counts[state]
    rows = pd.concat(parts, ignore_index=True) if parts else _frame([], scope)
    return OpenPage(_keyed(rows, scope, start), total)


def _keyed(rows: pd.DataFrame, scope: Scope, start: int) -> pd.DataFrame:
    """Positional row keys instead of case ids for an aggregates-only viewer."""
    if scope.aggregates_only:
        rows["case_id"] = [f"#{start + n + 1}" for n in range(len(rows))]
    return rows


def _read(engine: Engine, scope: Scope, filters: OpenOrderFilters, sort: tuple[tuple[str, str], ...], start: int,
          end: int, now: datetime, rules: Rules) -> pd.DataFrame:  # fmt: skip
    rank = state_rank(now, rules)
    columns = (Case.case_id, Case.township_code, Case.district_code, Case.category, Case.subcategory, Case.urgency,
               _due_kind().label("due_kind"), rank.label("state_rank"), Case.dispatched_at,
               _due().label("due_at"))  # fmt: skip
    query = _where(select(*columns), scope, filters, now, rules)
    query = query.order_by(*_order(sort, rank)).offset(start).limit(end - start)
    with engine.connect() as conn:
        return _frame(conn.execute(query).all(), scope)


def _frame(rows: list[Any], scope: Scope) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=[*COLUMNS[:7], "state_rank", "dispatched_at", "due_at"])
    frame["state"] = [STATES[int(r)] for r in frame["state_rank"]]
    for key in ("dispatched_at", "due_at"):
        values = pd.to_datetime(frame[key], utc=True)
        frame[key] = values.dt.as_unit("ms").astype("int64").where(values.notna(), None)
    if scope.aggregates_only:
        frame["case_id"] = None
    frame["subcategory"] = frame["subcategory"].fillna("")
    return frame[list(COLUMNS)]


def state_counts(engine: Engine, scope: Scope, filters: OpenOrderFilters, *, now: datetime,
                 rules: Rules) -> dict[str, int]:  # fmt: skip
    """Open orders per countdown state under the filters, ignoring the state filter (the tiles)."""
    rank = state_rank(now, rules)
    query = _where(select(rank.label("rank"), func.count()), scope, _without_state(filters), now, rules)
    with engine.connect() as conn:
        counts = dict(conn.execute(query.group_by(rank)).all())
    return {state: int(counts.get(i, 0)) for i, state in enumerate(STATES)}


def overdue_by_township(engine: Engine, scope: Scope, filters: OpenOrderFilters, limit: int, *, now: datetime,
                        rules: Rules) -> list[tuple[str, int]]:  # fmt: skip
    """Townships with the most overdue orders under the filters (ties: lower code), ignoring the state filter."""
    n = func.count().label("n")
    query = _where(select(Case.township_code, n), scope, _without_state(filters), now, rules).where(_due() < now)
    query = query.group_by(Case.township_code).order_by(n.desc(), Case.township_code).limit(limit)
    with engine.connect() as conn:
        return [(code, int(count)) for code, count in conn.execute(query).all()]


def open_categories(engine: Engine, scope: Scope) -> list[str]:
    """Categories that have open orders the viewer may see (the category filter's options)."""
    query = select(Case.category).distinct().where(text(OPEN_PREDICATE), scope.where(Case.district_code))
    with engine.connect() as conn:
        return sorted(c for (c,) in conn.execute(query).all() if c)

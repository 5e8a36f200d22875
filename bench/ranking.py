"""The monthly township ranking with classes: from the rollups vs a BI tool's GROUP BY over cases.

A BI tool (Grafana, Superset) would answer the same panel with a GROUP BY over `cases` for the
month and the previous month (the improved class needs both). The benchmark swaps our
rollup-backed `rankings.period_counts` for exactly that query, runs the same `rankings_payload`,
checks both answers are identical, and times both in the same run.
"""

from __future__ import annotations

import statistics
import time
from datetime import date
from unittest import mock

import pandas as pd
from sqlalchemy import Engine, and_, case, func, or_, select

from dashboard.assessment import rankings
from dashboard.assessment.periods import day_bounds, month_of_day
from dashboard.assessment.rules import Rules
from dashboard.assessment.scoring import COUNT_COLUMNS
from dashboard.scope import Scope
from dashboard.store.schema import Case, District, Township
from dashboard.store.state import read_frame

VALID_ANSWERS = ("satisfied", "basically", "dissatisfied")


def counts_from_cases(engine: Engine, rules: Rules, tz, first_day: date, last_day: date, level: str) -> pd.DataFrame:
    """`rankings.period_counts`, computed the BI way: one GROUP BY over every case of the period."""
    start, end = day_bounds(first_day, rules, tz)[0], day_bounds(last_day, rules, tz)[1]
    received = and_(Case.received_at >= start, Case.received_at < end)
    called = and_(Case.callback_at >= start, Case.callback_at < end, Case.contacted.is_not(None),
                  Case.solved.is_not(None), Case.satisfaction.in_(VALID_ANSWERS))  # fmt: skip
    unit = Case.township_code if level == "township" else Case.district_code

    def total(condition) -> object:
        return func.sum(case((condition, 1), else_=0))

    query = (
        select(unit.label("code"), total(received).label("orders"), total(called).label("valid_callbacks"),
               total(and_(called, Case.contacted.is_(True))).label("contacted"),
               total(and_(called, Case.solved.is_(True))).label("solved"),
               total(and_(called, Case.satisfaction == "satisfied")).label("satisfied"),
               total(and_(called, Case.satisfaction == "basically")).label("basically"))
        .where(or_(received, and_(Case.callback_at >= start, Case.callback_at < end)))
        .group_by(unit)
    )  # fmt: skip
    units = (select(Township.code, Township.name, Township.district_code) if level == "township"
             else select(District.code, District.name, District.code.label("district_code")))  # fmt: skip
    with engine.connect() as conn:
        counts, names = read_frame(conn, query), read_frame(conn, units)
    merged = names.merge(counts, on="code", how="left")
    merged[list(COUNT_COLUMNS)] = merged[list(COUNT_COLUMNS)].fillna(0).astype("int64")
    return merged.sort_values("code", kind="mergesort").reset_index(drop=True)


def _timed(fn, repeats: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return times, result


def measure(engine: Engine, rules: Rules, tz, today: date, repeats: int) -> dict:
    """Median ms of the last complete month's township ranking with classes, both ways; answers must agree.

    The last complete month is the one the four monthly lists are published for (a BI panel scans the
    whole month; the current month may be one day old)."""
    month = month_of_day(today, rules).previous(rules).label

    def ours():
        return rankings.rankings_payload(engine, rules, "month", month, "township", Scope.all())

    def bi():
        def from_cases(_engine, first_day, last_day, level):
            return counts_from_cases(engine, rules, tz, first_day, last_day, level)

        with mock.patch.object(rankings, "period_counts", from_cases):
            return ours()

    ours()  # warm the caches of both paths once
    ours_ms, ours_answer = _timed(ours, repeats)
    bi_ms, bi_answer = _timed(bi, max(3, repeats // 3))
    same = ours_answer["rows"] == bi_answer["rows"]
    rollup_ms, group_by_ms = statistics.median(ours_ms), statistics.median(bi_ms)
    return {
        "month": month,
        "rollups_ms": rollup_ms,
        "group_by_over_cases_ms": group_by_ms,
        "speedup": group_by_ms / rollup_ms,
        "same_answer": same,
    }

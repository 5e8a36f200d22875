"""Daily and monthly rankings of townships and districts, from rollups only (BRIEF 2 and 5).

`rankings_payload` is the one function behind `python -m dashboard rankings` and
`GET /api/v1/rankings`, so the CLI, the web and the exports agree to the last digit.

Ranks are always city-wide: a viewer's scope removes rows from the answer, never units from the
competition (a district manager sees their townships' city rank, not a rank among themselves).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import Engine, and_, func, select

from dashboard.assessment.periods import Period, parse_period
from dashboard.assessment.rules import CLASSES, LEVELS, Rules
from dashboard.assessment.scoring import COUNT_COLUMNS, RATE_COLUMNS, rank, score
from dashboard.live.rollups import catch_up, period_stamp, whole_months
from dashboard.scope import Scope
from dashboard.store.schema import DailyRollup, District, MonthlyRollup, Township
from dashboard.store.state import read_frame

ROW_KEYS = (
    "code", "name", "district_code", "orders", "valid_callbacks", *RATE_COLUMNS, "composite", "rank",
    "classes", "sufficient_sample", "previous_rank", "rank_change", "previous_composite", "composite_change",
)  # fmt: skip


def period_counts(engine: Engine, first_day: date, last_day: date, level: str) -> pd.DataFrame:
    """Summed rollup counts per unit (every township or district, zeros where nothing happened).

    Whole assessment months are read from `rollup_monthly` (343 rows a month), any other range of
    days from `rollup_daily`: the same sums either way, the monthly rows are the daily ones added up.
    One statement: every unit, outer-joined to its rollup rows of the range.
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, got {level!r}")
    with engine.connect() as conn:
        monthly = whole_months(conn, first_day, last_day)
        roll, when = (MonthlyRollup, MonthlyRollup.month) if monthly else (DailyRollup, DailyRollup.day)
        in_range = and_(roll.township_code == Township.code, when.between(first_day, last_day))
        sums = [func.coalesce(func.sum(getattr(roll, c)), 0).label(c) for c in COUNT_COLUMNS]
        if level == "township":
            unit = (Township.code, Township.name, Township.district_code)
            query = select(*unit, *sums).select_from(Township).outerjoin(roll, in_range).group_by(*unit)
        else:
            unit = (District.code, District.name)
            query = (
                select(*unit, District.code.label("district_code"), *sums)
                .select_from(District)
                .outerjoin(Township, Township.district_code == District.code)
                .outerjoin(roll, in_range)
                .group_by(*unit)
            )
        counts = read_frame(conn, query)
    counts[list(COUNT_COLUMNS)] = counts[list(COUNT_COLUMNS)].astype("int64")
    return counts.sort_values("code", kind="mergesort").reset_index(drop=True)


def ranked_table(engine: Engine, rules: Rules, period: Period, level: str) -> pd.DataFrame:
    """All units of `level` scored and ranked for `period`, with change vs the previous period."""
    current = _scored(engine, rules, period, level)
    previous = _scored(engine, rules, period.previous(rules), level)
    prev = previous.set_index("code")
    current["previous_rank"] = current["code"].map(prev["rank"]).astype("Int64")
    # Changes only between two ranked periods: a score on an insufficient sample is not a baseline.
    current["previous_composite"] = current["code"].map(prev["composite"].where(prev["rank"].notna()))
    # Positive rank_change = moved up the table.
    current["rank_change"] = (current["previous_rank"] - current["rank"]).astype("Int64")
    ranked_now = current["rank"].notna()
    current["composite_change"] = (current["composite"] - current["previous_composite"]).where(ranked_now).round(4)
    current["classes"] = (
        _classes(current, rules, level) if period.kind == "month" else [[] for _ in range(len(current))]
    )
    return current


def _scored(engine: Engine, rules: Rules, period: Period, level: str) -> pd.DataFrame:
    scored = score(period_counts(engine, period.first_day, period.last_day, level), rules)
    scored["rank"] = rank(scored, rules)
    scored["sufficient_sample"] = scored["rank"].notna()
    return scored


def _classes(table: pd.DataFrame, rules: Rules, level: str) -> list[list[str]]:
    """The four monthly lists (BRIEF 2), as a list of class names per row.

    advanced: top N ranked; improved: among the other ranked units that were also ranked last month,
    the N largest composite gains (a gain must be positive; ties by current rank); rectification:
    the N lowest ranked among those still unlisted; governance: top N by orders received, ties by
    lower code, independent of the other three and of the sample size (a unit needs >= 1 order).
    """
    sizes = rules.class_sizes[level]
    ranked = table[table["rank"].notna()].sort_values("rank")
    advanced = ranked.head(sizes["advanced"])
    rest = ranked.drop(advanced.index)
    gainers = rest[rest["previous_rank"].notna() & (rest["composite_change"] > 0)]
    improved = gainers.sort_values(["composite_change", "rank"], ascending=[False, True], kind="mergesort")
    improved = improved.head(sizes["improved"])
    rectification = rest.drop(improved.index).tail(sizes["rectification"])
    busy = table[table["orders"] > 0].sort_values(["orders", "code"], ascending=[False, True], kind="mergesort")
    members = {  # plain sets: 4 look-ups per unit in a pandas Index cost milliseconds
        "advanced": set(advanced.index),
        "improved": set(improved.index),
        "rectification": set(rectification.index),
        "governance": set(busy.head(sizes["governance"]).index),
    }
    return [[c for c in CLASSES if i in members[c]] for i in table.index.tolist()]


def _plain(value: Any) -> Any:
    """JSON-ready scalars: NaN / <NA> -> None, numpy numbers -> int / float."""
    if isinstance(value, list):
        return value
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (np.integer, int)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def _records(table: pd.DataFrame) -> list[dict]:
    """The rows as JSON-ready dicts (as `_plain` makes them), converted a column at a time."""
    keys = list(table.columns)
    columns = [_plain_column(table[key]) for key in keys]
    return [dict(zip(keys, values, strict=True)) for values in zip(*columns, strict=True)]


def _plain_column(values: pd.Series) -> list:
    if values.dtype == object:  # lists (classes) or mixed values: one by one
        return [_plain(v) for v in values]
    return values.astype(object).where(values.notna(), None).tolist()


def current_stamp(engine: Engine, rules: Rules, tz: ZoneInfo, period: str, date: str) -> str:
    """Catch the rollups up, then the `rollups_stamp` a payload of this period would carry now.

    Cached payloads (the API memo, the pages' LRU) are keyed by it, so a change to a past period
    invalidates them in every worker. ValueError for a bad period or date.
    """
    chosen = parse_period(period, date, rules)
    catch_up(engine, rules, tz)
    return period_stamp(engine, chosen.previous(rules).first_day, chosen.last_day)


def rankings_payload(engine: Engine, rules: Rules, period: str, date: str, level: str, scope: Scope) -> dict:
    """The rankings contract of BRIEF 5 for one period and level, rows limited to the viewer's scope.

    Rows: ranked units by rank, then units with an insufficient sample by code (rank null).
    Raises ValueError with a readable message for a bad period, date or level. Callers outside the
    poller call `rollups.catch_up` first, so the answer includes every committed change.
    """
    chosen = parse_period(period, date, rules)
    stamp = period_stamp(engine, chosen.previous(rules).first_day, chosen.last_day)  # before the read
    table = ranked_table(engine, rules, chosen, level)
    table = table[scope.mask(table["district_code"])]
    table = table.assign(_unranked=table["rank"].isna()).sort_values(["_unranked", "rank", "code"], kind="mergesort")
    rows = _records(table[list(ROW_KEYS)])
    return {
        "period": chosen.kind,
        "date": chosen.label,
        "level": level,
        "rules_version": rules.version,
        "rules_digest": rules.digest,
        "first_day": chosen.first_day.isoformat(),
        "last_day": chosen.last_day.isoformat(),
        "min_valid_callbacks": rules.min_valid_callbacks,
        "rollups_stamp": stamp,  # changes when any rollup this answer read changes (cache key)
        "median_valid_callbacks": _median_valid(table),
        "rows": rows,
    }


def _median_valid(table: pd.DataFrame) -> float | None:
    """Median valid callbacks per unit with any: how much a provisional ranking rests on."""
    called = table.loc[table["valid_callbacks"] > 0, "valid_callbacks"]
    return None if called.empty else float(called.median())


def top_concentration(engine: Engine, rules: Rules, day: date, scope: Scope) -> list[dict]:
    """The daily list of townships with the most orders received on assessment day `day` (BRIEF 2).

    Top `concentration.top_n` city-wide by orders (ties: lower code), each with the category that
    drives it; then limited to the viewer's scope. Read from rollups, so it is live while the
    poller keeps them current.
    """
    with engine.connect() as conn:
        per_category = read_frame(
            conn,
            select(DailyRollup.township_code.label("code"), DailyRollup.category, DailyRollup.orders).where(
                DailyRollup.day == day, DailyRollup.orders > 0
            ),
        )
        names = read_frame(conn, select(Township.code, Township.name, Township.district_code))
    if per_category.empty:
        return []
    totals = per_category.groupby("code", as_index=False)["orders"].sum()
    top = totals.sort_values(["orders", "code"], ascending=[False, True], kind="mergesort").head(
        rules.concentration_top_n
    )
    leading = per_category.sort_values(["orders", "category"], ascending=[False, True], kind="mergesort")
    leading = leading.drop_duplicates("code").set_index("code")
    top = top.merge(names, on="code", how="left")
    top["position"] = np.arange(1, len(top) + 1)
    top["top_category"] = top["code"].map(leading["category"])
    top["top_category_orders"] = top["code"].map(leading["orders"])
    top = top[scope.mask(top["district_code"])]
    keys = ("position", "code", "name", "district_code", "orders", "top_category", "top_category_orders")
    return [{k: _plain(row[k]) for k in keys} for _, row in top.iterrows()]

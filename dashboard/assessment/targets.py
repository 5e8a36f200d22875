"""Targets per measure and the score against them (issue 15; the CityScore idea).

score = actual / target, so 1.00 means on target, whatever the measure. Defaults per level come from
the rules' [targets] tables; a CSV named by HOTLINE_TARGETS overrides them per unit:

    level,code,measure,target
    township,110101001,resolution_rate,0.95
    district,110105,composite,90

Actuals are the rankings' arithmetic (pooled rollup counts) over four windows that end on the
given assessment day: the day, the week (Monday to the day), the month and the quarter to date.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from dashboard.assessment.periods import month_of_day, month_period
from dashboard.assessment.rankings import period_counts
from dashboard.assessment.rules import LEVELS, TARGET_MEASURES, Rules
from dashboard.assessment.scoring import score
from dashboard.scope import Scope

WINDOWS = ("day", "week", "month", "quarter")
Overrides = dict[tuple[str, str, str], float]


class TargetsError(ValueError):
    """The targets file cannot be read or has a bad row (the message names the row)."""


def load_overrides(path: Path | None) -> Overrides:
    """{(level, code, measure): target} from the CSV; empty when no file is configured."""
    if path is None:
        return {}
    try:
        text = Path(path).read_text("utf-8-sig")
    except OSError as exc:
        raise TargetsError(f"targets: cannot read {path}: {exc.strerror}") from exc
    reader = csv.DictReader(text.splitlines())
    missing = {"level", "code", "measure", "target"} - set(reader.fieldnames or [])
    if missing:
        raise TargetsError(f"targets: {path} lacks column(s) {', '.join(sorted(missing))}")
    out: Overrides = {}
    for line, row in enumerate(reader, start=2):
        level, measure = row["level"].strip(), row["measure"].strip()
        if level not in LEVELS or measure not in TARGET_MEASURES:
            raise TargetsError(f"targets: {path} line {line}: unknown level {level!r} or measure {measure!r}")
        try:
            target = float(row["target"])
        except ValueError:
            raise TargetsError(f"targets: {path} line {line}: target {row['target']!r} is not a number") from None
        if not 0 < target <= (100 if measure == "composite" else 1):
            raise TargetsError(f"targets: {path} line {line}: target {target:g} is out of range for {measure}")
        out[(level, row["code"].strip(), measure)] = target
    return out


def target_for(rules: Rules, overrides: Overrides, level: str, code: str, measure: str) -> float | None:
    """The unit's own target if the file sets one, else the rules' default for its level (or None)."""
    return overrides.get((level, code, measure), rules.targets.get(level, {}).get(measure))


def windows(day: date, rules: Rules) -> dict[str, tuple[date, date]]:
    """First and last assessment day of each window ending on `day`."""
    month = month_of_day(day, rules)
    year, number = (int(x) for x in month.label.split("-"))
    quarter_start = month_period(year, number - (number - 1) % 3, rules).first_day
    return {
        "day": (day, day),
        "week": (day - timedelta(days=day.weekday()), day),
        "month": (month.first_day, day),
        "quarter": (quarter_start, day),
    }


def scorecard(
    engine: Engine, rules: Rules, overrides: Overrides, level: str, day: date, scope: Scope
) -> dict[str, list[dict[str, Any]]]:
    """{unit code: one row per measure with its target and, per window, the actual and the score}.

    Aggregates only (no case ids), limited to the viewer's districts.
    """
    per_window: dict[str, pd.DataFrame] = {}
    for name, (first, last) in windows(day, rules).items():
        scored = score(period_counts(engine, first, last, level), rules)
        per_window[name] = scored[scope.mask(scored["district_code"])].set_index("code")
    out: dict[str, list[dict[str, Any]]] = {}
    for code in per_window["day"].index:
        rows = []
        for measure in TARGET_MEASURES:
            target = target_for(rules, overrides, level, code, measure)
            row: dict[str, Any] = {"measure": measure, "target": target}
            for name, table in per_window.items():
                actual = table.at[code, measure]
                actual = None if pd.isna(actual) else float(actual)
                ratio = None if actual is None or not target else round(actual / target, 4)
                row[name] = {
                    "actual": actual,
                    "score": ratio,
                    "valid_callbacks": int(table.at[code, "valid_callbacks"]),
                }
            rows.append(row)
        out[code] = rows
    return out

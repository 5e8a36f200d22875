"""Back-test of the month-end forecast (issue 15): forecasts made on day 10 and day 20 of past
months against the month's actual result, summarised as coverage, Brier scores and calibration.

Knowledge on day d is exactly what the rollup ledger holds with a callback day <= d (a callback's
answers do not change once recorded), so replaying a past month is honest without snapshots.
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from dashboard.assessment.forecast import forecast
from dashboard.assessment.periods import parse_period
from dashboard.assessment.rankings import ranked_table
from dashboard.assessment.rules import Rules
from dashboard.scope import Scope

DAYS = (10, 20)
SCORED_CLASSES = ("advanced", "improved", "rectification")
BINS = (0.0, 0.05, 0.2, 0.4, 0.6, 0.8, 0.95, 1.0000001)


def observations(engine: Engine, rules: Rules, months: list[str], sims: int, seed: int) -> list[dict[str, Any]]:
    """One record per (month, forecast day, township ranked at month end)."""
    out = []
    for month in months:
        period = parse_period("month", month, rules)
        actual = ranked_table(engine, rules, period, "township").set_index("code")
        for day in DAYS:
            result = forecast(engine, rules, period.first_day + timedelta(days=day - 1), Scope.all(), sims, seed)
            for row in result["rows"]:
                truth = actual.loc[row["code"]]
                if pd.isna(truth["rank"]):
                    continue
                out.append({
                    "month": month, "day": day, "code": row["code"],
                    "composite": float(truth["composite"]), "rank": int(truth["rank"]),
                    "composite_interval": row["composite"], "rank_interval": row["rank"],
                    "p": row["classes"], "classes": list(truth["classes"]),
                })  # fmt: skip
    return out


def _inside(value: float, interval: list[float | None]) -> bool:
    low, _, high = interval
    return low is not None and low <= value <= high


def summary(obs: list[dict[str, Any]]) -> dict[str, Any]:
    """Per forecast day: interval coverage, Brier score per class, and the named lists' hit rate."""
    per_day: dict[int, dict[str, Any]] = {}
    for day in DAYS:
        rows = [o for o in obs if o["day"] == day]
        if not rows:
            continue
        stats: dict[str, Any] = {
            "units": len(rows),
            "composite_coverage": float(np.mean([_inside(o["composite"], o["composite_interval"]) for o in rows])),
            "rank_coverage": float(np.mean([_inside(o["rank"], o["rank_interval"]) for o in rows])),
        }
        for c in SCORED_CLASSES:
            p = np.array([o["p"][c] for o in rows])
            y = np.array([c in o["classes"] for o in rows], dtype=float)
            stats[f"brier_{c}"] = float(np.mean((p - y) ** 2))
            members = y == 1
            stats[f"hit_{c}"] = float(np.mean(p[members] >= 0.5)) if members.any() else None
            stats[f"members_{c}"] = int(members.sum())
        per_day[day] = stats
    return per_day


def calibration(obs: list[dict[str, Any]], day: int) -> list[dict[str, Any]]:
    """Predicted class probability (all three scored classes pooled) in bins vs how often it came true."""
    p = np.array([o["p"][c] for o in obs if o["day"] == day for c in SCORED_CLASSES])
    y = np.array([c in o["classes"] for o in obs if o["day"] == day for c in SCORED_CLASSES], dtype=float)
    rows = []
    for lo, hi in itertools.pairwise(BINS):
        inside = (p >= lo) & (p < hi)
        if inside.any():
            rows.append({"bin": f"{lo:.0%}–{min(hi, 1):.0%}", "n": int(inside.sum()),
                         "predicted": float(p[inside].mean()), "observed": float(y[inside].mean())})  # fmt: skip
    return rows


def markdown(obs: list[dict[str, Any]], months: list[str], sims: int, seed: int, source: str) -> str:
    """The tables written to docs/forecast.md."""
    stats = summary(obs)
    lines = [
        f"Back-test: months {', '.join(months)}; {sims} simulations, seed {seed}; data: {source}.",
        "",
        "| forecast made on | townships | composite in 80% interval | rank in 80% interval | Brier advanced "
        "| Brier improved | Brier rectification | rectification members seen (p >= 50%) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for day, s in stats.items():
        hit = "—" if s["hit_rectification"] is None else f"{s['hit_rectification']:.0%} of {s['members_rectification']}"
        lines.append(
            f"| day {day} | {s['units']} | {s['composite_coverage']:.1%} | {s['rank_coverage']:.1%} "
            f"| {s['brier_advanced']:.4f} | {s['brier_improved']:.4f} | {s['brier_rectification']:.4f} | {hit} |"
        )
    for day in stats:
        heading = f"Calibration, forecasts on day {day} (advanced, improved and rectification pooled):"
        lines += [
            "",
            heading,
            "",
            "| predicted probability | forecasts | mean predicted | observed share |",
            "|---|---|---|---|",
        ]
        for row in calibration(obs, day):
            lines.append(f"| {row['bin']} | {row['n']} | {row['predicted']:.1%} | {row['observed']:.1%} |")
    return "\n".join(lines) + "\n"

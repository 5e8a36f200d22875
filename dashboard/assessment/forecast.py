"""Month-end forecast (issue 15): each township's projected composite, rank and class, with intervals.

Model (a Bayesian bootstrap, so it is honest about small samples):
- a callback's answers fall in one of a few outcomes (contacted x solved x satisfaction); the
  township's outcome mix is drawn from Dirichlet(EVIDENCE_WEIGHT x its callbacks so far + one
  pseudo-callback spread like the whole city), so a township with 3 callbacks is far less certain
  than one with 300, and the weight below 1 allows for drift the stationary mix would ignore;
- the callbacks still to come number Poisson(its callbacks per day so far x days left), and their
  outcomes are multinomial with the drawn mix; orders to come likewise, for the governance list;
- every simulated month is then ranked and classed exactly as `dashboard.assessment.rankings` does (ties,
  minimum sample, improved against last month's final composite), city-wide.
On the month's last day nothing is left to draw and the forecast is the official result.
The generator is seeded, so the same data and seed give the same forecast.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, func, select

from dashboard.assessment.periods import Period, month_of_day
from dashboard.assessment.rankings import period_counts, ranked_table
from dashboard.assessment.rules import CLASSES, Rules
from dashboard.assessment.scoring import COMPOSITE_DECIMALS
from dashboard.scope import Scope
from dashboard.store.schema import RollupLedger
from dashboard.store.state import read_frame

OUTCOME_KEYS = ("contacted", "solved", "satisfied", "basically")
QUANTILES = (0.1, 0.5, 0.9)  # an 80% interval around the median
DEFAULT_SIMULATIONS = 1000
RISK_THRESHOLD = 0.2  # "at risk" of rectification from this probability on
# Each callback so far counts as this many in the outcome mix: below 1 widens the intervals for
# what a stationary mix ignores (early callbacks are mostly last month's orders; quality drifts).
EVIDENCE_WEIGHT = 0.5  # chosen by the back-test in docs/forecast.md (80% intervals cover ~80%)


@dataclass(frozen=True)
class MonthSoFar:
    """What is known on day `as_of`: per township outcome counts, orders, and last month's result."""

    period: Period
    as_of: date
    codes: np.ndarray  # township codes, sorted
    names: pd.DataFrame  # code, name, district_code (same order)
    outcomes: np.ndarray  # (K, 4) contacted, solved, satisfied, basically of each outcome
    counts: np.ndarray  # (T, K) callbacks so far per outcome
    orders: np.ndarray  # (T,) orders received so far
    previous: np.ndarray  # (T,) last month's composite where ranked, else NaN

    @property
    def elapsed(self) -> int:
        return (self.as_of - self.period.first_day).days + 1

    @property
    def remaining(self) -> int:
        return (self.period.last_day - self.as_of).days


def _outcome_space() -> np.ndarray:
    """Every possible valid callback: contacted 0/1 x solved 0/1 x (satisfied, basically, neither)."""
    rows = [(c, s, sat, bas) for c in (0, 1) for s in (0, 1) for sat, bas in ((1, 0), (0, 1), (0, 0))]
    return np.array(rows, dtype=np.int64)


def month_so_far(engine: Engine, rules: Rules, as_of: date) -> MonthSoFar:
    """Read the month to `as_of` from the rollup ledger (per-case contributions) and the rollups."""
    period = month_of_day(as_of, rules)
    ledger = RollupLedger
    keys = [getattr(ledger, k) for k in OUTCOME_KEYS]
    query = (
        select(ledger.township_code, *keys, func.count().label("n"))
        .where(ledger.callback_day.between(period.first_day, as_of))
        .group_by(ledger.township_code, *keys)
    )
    with engine.connect() as conn:
        grouped = read_frame(conn, query)
    units = period_counts(engine, period.first_day, as_of, "township")
    outcomes = _outcome_space()
    index = {tuple(int(v) for v in row): k for k, row in enumerate(outcomes)}
    codes = units["code"].to_numpy()
    position = {c: i for i, c in enumerate(codes)}
    counts = np.zeros((len(codes), len(outcomes)), dtype=np.int64)
    for row in grouped.itertuples(index=False):
        counts[position[row.township_code], index[tuple(int(getattr(row, k)) for k in OUTCOME_KEYS)]] += row.n
    last = ranked_table(engine, rules, period.previous(rules), "township").set_index("code")
    previous = last["composite"].where(last["rank"].notna()).reindex(codes).to_numpy(dtype=float)
    return MonthSoFar(period, as_of, codes, units[["code", "name", "district_code"]], outcomes, counts,
                      units["orders"].to_numpy(dtype=np.int64), previous)  # fmt: skip


def simulate(
    known: MonthSoFar, rules: Rules, sims: int, seed: int, weight: float = EVIDENCE_WEIGHT
) -> dict[str, np.ndarray]:
    """(sims, T) arrays of month-end valid callbacks, composite, resolution and orders."""
    rng = np.random.default_rng(seed)
    counts = known.counts
    city = counts.sum(axis=0) + 1  # +1: every outcome stays possible
    alpha = weight * counts + city / city.sum()  # one pseudo-callback spread like the city
    mix = rng.gamma(np.broadcast_to(alpha, (sims, *alpha.shape)))
    mix /= mix.sum(axis=2, keepdims=True)
    per_day = counts.sum(axis=1) / known.elapsed
    coming = rng.poisson(np.broadcast_to(per_day * known.remaining, (sims, len(per_day))))
    final = counts + rng.multinomial(coming, mix)  # (sims, T, K)
    c, s, sat, bas = (known.outcomes[:, i] for i in range(4))
    valid = final.sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        response = (final @ c) / valid
        resolution = (final @ s) / valid
        satisfaction = (final @ sat + rules.basically_credit * (final @ bas)) / valid
    composite = 100 * (rules.w_response * response + rules.w_resolution * resolution
                       + rules.w_satisfaction * satisfaction)  # fmt: skip
    orders_per_day = known.orders / known.elapsed
    orders = known.orders + rng.poisson(np.broadcast_to(orders_per_day * known.remaining, valid.shape))
    return {"valid": valid, "composite": np.round(composite, COMPOSITE_DECIMALS),
            "resolution": np.round(resolution, 6), "orders": orders}  # fmt: skip


def _top(key_order: np.ndarray, allowed: np.ndarray, n: int) -> np.ndarray:
    """Boolean (sims, T): the first n allowed units of each row in `key_order` (column indices)."""
    picked_allowed = np.take_along_axis(allowed, key_order, axis=1)
    taken = picked_allowed & (np.cumsum(picked_allowed, axis=1) <= n)
    out = np.zeros_like(allowed)
    np.put_along_axis(out, key_order, taken, axis=1)
    return out


def rank_and_class(sim: dict[str, np.ndarray], known: MonthSoFar, rules: Rules) -> dict[str, np.ndarray]:
    """Ranks (0 = insufficient sample) and the four class memberships of every simulated month."""
    composite, resolution, valid = sim["composite"], sim["resolution"], sim["valid"]
    sims, towns = composite.shape
    code_order = np.broadcast_to(np.arange(towns), (sims, towns))  # codes are sorted ascending
    eligible = valid >= max(rules.min_valid_callbacks, 1)
    big = np.where(eligible, -np.nan_to_num(composite, nan=-1.0), np.inf)
    order = np.lexsort((code_order, -np.nan_to_num(resolution), big), axis=1)
    ranks = np.zeros((sims, towns), dtype=np.int64)
    positions = np.cumsum(np.take_along_axis(eligible, order, axis=1), axis=1)
    np.put_along_axis(ranks, order, np.where(np.take_along_axis(eligible, order, axis=1), positions, 0), axis=1)
    sizes = rules.class_sizes["township"]
    advanced = eligible & (ranks >= 1) & (ranks <= sizes["advanced"])
    gain = np.round(composite - known.previous, COMPOSITE_DECIMALS)
    can_improve = eligible & ~advanced & ~np.isnan(known.previous) & (np.nan_to_num(gain, nan=-1) > 0)
    improved = _top(np.lexsort((ranks, -np.nan_to_num(gain, nan=-1)), axis=1), can_improve, sizes["improved"])
    rest = eligible & ~advanced & ~improved
    rectification = _top(np.argsort(-ranks, axis=1, kind="stable"), rest, sizes["rectification"])
    busy = sim["orders"] > 0
    governance = _top(np.lexsort((code_order, -sim["orders"]), axis=1), busy, sizes["governance"])
    return {"rank": ranks, "advanced": advanced, "improved": improved, "rectification": rectification,
            "governance": governance}  # fmt: skip


def _quantiles(values: np.ndarray) -> list[float | None]:
    if np.all(np.isnan(values)):
        return [None] * len(QUANTILES)
    return [round(float(q), 2) for q in np.nanquantile(values, QUANTILES)]


def forecast(
    engine: Engine,
    rules: Rules,
    as_of: date,
    scope: Scope,
    sims: int = DEFAULT_SIMULATIONS,
    seed: int = 0,
    weight: float = EVIDENCE_WEIGHT,
) -> dict[str, Any]:
    """The month-end forecast made on assessment day `as_of`, rows limited to the viewer's scope.

    Each row: composite and rank as [p10, median, p90], the probability of each class, and
    `valid_expected` (callbacks so far plus those expected). Aggregates only: no case ids.
    """
    known = month_so_far(engine, rules, as_of)
    sim = simulate(known, rules, sims, seed, weight)
    result = rank_and_class(sim, known, rules)
    ranked = result["rank"] > 0
    keep = scope.mask(known.names["district_code"]).to_numpy()
    rows = []
    for i in np.flatnonzero(keep):
        code, name, district = known.names.iloc[i]
        ranks = np.where(ranked[:, i], result["rank"][:, i], np.nan).astype(float)
        n_now = int(known.counts[i].sum())
        rows.append({
            "code": code, "name": name, "district_code": district,
            "valid_so_far": n_now,
            "valid_expected": round(n_now + n_now / known.elapsed * known.remaining, 1),
            "composite": _quantiles(sim["composite"][:, i]),
            "rank": _quantiles(ranks),
            "ranked_probability": round(float(ranked[:, i].mean()), 4),
            "classes": {c: round(float(result[c][:, i].mean()), 4) for c in CLASSES},
        })  # fmt: skip
    return {
        "month": known.period.label,
        "as_of": as_of.isoformat(),
        "days_elapsed": known.elapsed,
        "days_left": known.remaining,
        "simulations": sims,
        "seed": seed,
        "rules_version": rules.version,
        "townships_ranked_median": int(np.median(ranked.sum(axis=1))),
        "rows": rows,
    }


def at_risk(result: dict[str, Any], district: str | None = None, threshold: float = RISK_THRESHOLD) -> list[dict]:
    """Townships whose rectification probability is at least `threshold`, most at risk first."""
    rows = [r for r in result["rows"] if district is None or r["district_code"] == district]
    risky = [r for r in rows if r["classes"]["rectification"] >= threshold]
    return sorted(risky, key=lambda r: (-r["classes"]["rectification"], r["code"]))

"""The three rates and the composite, computed from counts (BRIEF 2), one definition for every screen.

Inputs are counts (from rollups), never cases, so that a township, a district (pooled counts of its
townships) and a day or a month are all scored by the same arithmetic.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.assessment.rules import Rules

COUNT_COLUMNS = ("orders", "valid_callbacks", "contacted", "solved", "satisfied", "basically")
RATE_COLUMNS = ("response_rate", "resolution_rate", "satisfaction_rate")
# Published precision. Ranks are decided on the exact values recomputed from the counts: two
# composites that print the same but differ beyond 4 decimals are not a tie (review of issue 10).
RATE_DECIMALS = 6
COMPOSITE_DECIMALS = 4


def score(counts: pd.DataFrame, rules: Rules, exact: bool = False) -> pd.DataFrame:
    """Add response/resolution/satisfaction rates (0-1) and the composite (0-100) to a count frame.

    Rates of a unit with no valid callback are NaN (shown as null), not zero: nothing was measured.
    Rounded to the published precision unless `exact` (for ordering).
    """
    out = counts.copy()
    valid = out["valid_callbacks"].astype(float).replace(0.0, np.nan)
    response = out["contacted"] / valid
    resolution = out["solved"] / valid
    satisfaction = (out["satisfied"] + rules.basically_credit * out["basically"]) / valid
    composite = 100 * (
        rules.w_response * response + rules.w_resolution * resolution + rules.w_satisfaction * satisfaction
    )
    rates = {"response_rate": response, "resolution_rate": resolution, "satisfaction_rate": satisfaction}
    for name, values in rates.items():
        out[name] = values if exact else values.round(RATE_DECIMALS)
    out["composite"] = composite if exact else composite.round(COMPOSITE_DECIMALS)
    return out


def rank(scored: pd.DataFrame, rules: Rules) -> pd.Series:
    """Rank 1..n of units with at least `min_valid_callbacks`; <NA> for an insufficient sample.

    Order: higher exact composite, then higher exact resolution rate, then lower code. Every rank is
    distinct.
    """
    eligible = scored[scored["valid_callbacks"] >= max(rules.min_valid_callbacks, 1)]
    exact = score(eligible[["code", *COUNT_COLUMNS]], rules, exact=True)
    ordered = exact.sort_values(
        ["composite", "resolution_rate", "code"], ascending=[False, False, True], kind="mergesort"
    )
    ranks = pd.Series(pd.NA, index=scored.index, dtype="Int64")
    ranks[ordered.index] = np.arange(1, len(ordered) + 1)
    return ranks

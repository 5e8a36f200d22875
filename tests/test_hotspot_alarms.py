"""Hotspots that do not cry wolf (issue 10, point 7), on a simulated city of 4,000 pairs.

400 townships x 10 categories; each pair's steady daily rate is drawn once (gamma, mean 1.5 a day,
a few busy pairs near 10) and each day's orders are Poisson around it. A refresh is evaluated on
each of 30 days against the 28 days before it, with the default rules (24 h window, min 5 orders,
p < 0.001, Benjamini-Hochberg at 5 % over all tested pairs, city-wide category shift).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from dashboard.assessment.hotspots import burst_table
from tests.assessment_data import make_rules

RULES = make_rules()
TOWNS = [f"11{i:07d}" for i in range(400)]
CATEGORIES = [f"cat{j}" for j in range(10)]
DAY0 = date(2026, 10, 1)
BASELINE = RULES.hotspot_baseline_days


def steady_city(seed: int = 5, days: int = BASELINE + 30) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    rates = rng.gamma(shape=1.5, scale=1.0, size=(len(TOWNS), len(CATEGORIES)))
    rates[0, 0] = 10.0  # the busy pair the burst test uses
    return rates, rng.poisson(rates, size=(days, *rates.shape))


def refresh(orders: np.ndarray, day: int, window: np.ndarray | None = None) -> pd.DataFrame:
    """Flags at the refresh on `day`: the window holds that day's orders (or `window`)."""
    today = orders[day] if window is None else window
    t, c = np.nonzero(today)
    counts = pd.DataFrame({"township_code": np.array(TOWNS)[t], "district_code": "110101",
                           "category": np.array(CATEGORIES)[c], "count": today[t, c]})  # fmt: skip
    d, t, c = np.nonzero(orders[day - BASELINE : day])
    history = pd.DataFrame({"township_code": np.array(TOWNS)[t], "category": np.array(CATEGORIES)[c],
                            "day": [DAY0 + timedelta(days=int(x)) for x in d],
                            "orders": orders[day - BASELINE : day][d, t, c]})  # fmt: skip
    return burst_table(counts, history, RULES)


def test_a_steady_city_raises_at_most_one_false_burst_per_7_days():
    _, orders = steady_city()
    flagged = [len(refresh(orders, day)) for day in range(BASELINE, BASELINE + 30)]
    assert sum(flagged) <= 30 // 7, flagged  # 30 refreshes: at most 4 false bursts


def test_a_real_3x_burst_in_one_township_is_found_at_the_next_refresh():
    """The busy pair (10 a day) gets 30 orders in the window: P(X >= 30 | 10) is about 2e-7."""
    _, orders = steady_city()
    day = BASELINE + 3
    window = orders[day].copy()
    window[0, 0] = 30
    flagged = refresh(orders, day, window)
    assert (TOWNS[0], CATEGORIES[0]) in set(zip(flagged["township_code"], flagged["category"], strict=True))


def test_heating_starting_everywhere_at_once_raises_none():
    """Category 1 triples in every township on the same day (the heating season starts): the city-wide
    shift (about 3) scales every township's expectation, so no township is flagged for it."""
    rates, orders = steady_city()
    rng = np.random.default_rng(11)
    day = BASELINE + 3
    window = orders[day].copy()
    window[:, 1] = rng.poisson(3 * rates[:, 1])
    flagged = refresh(orders, day, window)
    assert "cat1" not in set(flagged["category"])
    assert flagged.empty or flagged["shift"].max() < 1.5  # other categories keep their own bar

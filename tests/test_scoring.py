"""Rates, composite and rank from counts, by hand."""

from __future__ import annotations

import pandas as pd

from dashboard.assessment.scoring import rank, score
from tests.assessment_data import make_rules

RULES = make_rules(**{"ranking.min_valid_callbacks": 3})


def _counts(rows):
    return pd.DataFrame(
        rows, columns=["code", "orders", "valid_callbacks", "contacted", "solved", "satisfied", "basically"]
    )


def test_rates_and_composite_by_hand():
    scored = score(
        _counts([
            # 7 callbacks: r 6/7 = .857143, s 5/7 = .714286, t (3 + .9 x 2)/7 = 4.8/7 = .685714
            # composite = 100 (.1 x 6 + .5 x 5 + .4 x 4.8) / 7 = 100 x 5.02 / 7 = 71.7143
            ("A", 9, 7, 6, 5, 3, 2),
            ("B", 3, 0, 0, 0, 0, 0),  # nothing measured: null, not zero
        ]),
        RULES,
    )  # fmt: skip
    a = scored.iloc[0]
    assert (a.response_rate, a.resolution_rate, a.satisfaction_rate, a.composite) == (
        0.857143,
        0.714286,
        0.685714,
        71.7143,
    )
    assert scored.iloc[1][["response_rate", "composite"]].isna().all()


def test_credit_for_basically_satisfied_is_a_rule():
    counts = _counts([("A", 1, 10, 10, 10, 0, 10)])
    assert score(counts, RULES).composite.iloc[0] == 96.0  # 10 + 50 + 40 x .9
    assert score(counts, make_rules(**{"rates.basically_satisfied_credit": 0.6})).composite.iloc[0] == 84.0


def test_rank_ties_and_insufficient_sample():
    scored = score(
        _counts([
            ("C", 0, 4, 4, 4, 4, 0),  # 100
            ("B", 0, 4, 4, 4, 4, 0),  # 100, same resolution -> lower code B first
            ("A", 0, 2, 2, 2, 2, 0),  # 100 but 2 < 3 callbacks: not ranked
            ("D", 0, 5, 5, 3, 5, 0),  # 10 + 30 + 40 = 80
            ("E", 0, 10, 10, 8, 3, 5),  # 10 + 40 + 40 x .75 = 80, resolution .8 > .6 -> before D
        ]),
        RULES,
    )  # fmt: skip
    assert rank(scored, RULES).tolist() == [2, 1, pd.NA, 4, 3]

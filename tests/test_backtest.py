"""Back-test arithmetic (issue 15) on two hand-made observations of day-10 forecasts.

A: actual composite 80 in [70, 90] (inside), rank 5 in [3, 7] (inside); P(rectification) .8, was rectification.
B: actual composite 95 outside [70, 90], rank 1 outside [2, 4]; P(advanced) .5, was advanced.
Coverage 1/2 each. Brier rectification ((.8 - 1)^2 + 0^2) / 2 = .02; advanced (0^2 + (.5 - 1)^2) / 2 = .125.
Calibration pools six probabilities [0, 0, .8 | .5, 0, 0]: four in 0-5% (none came true), .5 in
40-60% (came true), .8 in 80-95% (came true).
"""

from __future__ import annotations

import pytest

from dashboard.assessment.backtest import calibration, markdown, summary

OBS = [
    {"month": "2026-10", "day": 10, "code": "A", "composite": 80.0, "rank": 5, "composite_interval": [70, 80, 90],
     "rank_interval": [3, 5, 7], "p": {"advanced": 0.0, "improved": 0.0, "rectification": 0.8},
     "classes": ["rectification"]},
    {"month": "2026-10", "day": 10, "code": "B", "composite": 95.0, "rank": 1, "composite_interval": [70, 80, 90],
     "rank_interval": [2, 3, 4], "p": {"advanced": 0.5, "improved": 0.0, "rectification": 0.0},
     "classes": ["advanced"]},
]  # fmt: skip


def test_summary_and_calibration_by_hand():
    stats = summary(OBS)[10]
    assert (stats["units"], stats["composite_coverage"], stats["rank_coverage"]) == (2, 0.5, 0.5)
    assert stats["brier_rectification"] == pytest.approx(0.02) and stats["brier_advanced"] == pytest.approx(0.125)
    assert stats["hit_rectification"] == 1.0 and stats["members_improved"] == 0 and stats["hit_improved"] is None
    assert [(r["bin"], r["n"], r["observed"]) for r in calibration(OBS, 10)] == [
        ("0%–5%", 4, 0.0), ("40%–60%", 1, 1.0), ("80%–95%", 1, 1.0)]  # fmt: skip
    text = markdown(OBS, ["2026-10"], 100, 0, "hand-made")
    assert "| day 10 | 2 | 50.0% | 50.0% | 0.1250 | 0.0000 | 0.0200 | 100% of 1 |" in text
    assert 20 not in summary(OBS)  # no day-20 forecasts, no row

"""Assessment days and months with cut-offs, by hand (Asia/Shanghai)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from dashboard.assessment.periods import assessment_days, day_bounds, month_of_day, parse_period
from tests.assessment_data import SHANGHAI, local, make_rules

NOON = make_rules(**{"periods.day_cutoff_hour": 12, "periods.month_cutoff_day": 19})
CALENDAR = make_rules()


def test_assessment_days_in_local_time_with_cutoff():
    instants = pd.Series([local("2026-03-01 11:59"), local("2026-03-01 12:00"), local("2026-03-31 23:30"), None])
    assert assessment_days(instants, CALENDAR, SHANGHAI).tolist() == [
        date(2026, 3, 1), date(2026, 3, 1), date(2026, 3, 31), None,
    ]  # fmt: skip
    # 12:00-to-12:00 days are labelled by the date they end on.
    assert assessment_days(instants, NOON, SHANGHAI).tolist()[:3] == [
        date(2026, 3, 1),
        date(2026, 3, 2),
        date(2026, 4, 1),
    ]
    start, end = day_bounds(date(2026, 3, 2), NOON, SHANGHAI)
    assert (start, end) == (local("2026-03-01 12:00"), local("2026-03-02 12:00"))


def test_months_with_cutoff_day():
    month = parse_period("month", "2026-10", NOON)
    assert (month.first_day, month.last_day) == (date(2026, 9, 19), date(2026, 10, 18))
    january = parse_period("month", "2026-01", NOON)
    assert (january.first_day, january.last_day) == (date(2025, 12, 19), date(2026, 1, 18))
    assert january.previous(NOON).label == "2025-12"
    assert month_of_day(date(2026, 12, 19), NOON).label == "2027-01"
    assert month_of_day(date(2026, 12, 18), NOON).label == "2026-12"
    feb = parse_period("month", "2026-02", CALENDAR)
    assert (feb.first_day, feb.last_day) == (date(2026, 2, 1), date(2026, 2, 28))
    assert parse_period("day", "2026-03-01", CALENDAR).previous(CALENDAR).label == "2026-02-28"


@pytest.mark.parametrize(("kind", "label"), [("day", "2026-02-30"), ("month", "2026-13"), ("week", "2026-01")])
def test_bad_periods(kind, label):
    with pytest.raises(ValueError, match="period"):
        parse_period(kind, label, CALENDAR)

"""Assessment periods: which day and which month an instant counts in (BRIEF 2).

A day with `day_cutoff_hour = h > 0` is labelled by the date on which it ends: day D runs from
D-1 h:00 to D h:00 local time (so with h = 12 the 12:00-to-12:00 window ending at noon on D is D).
With h = 0 it is the calendar day. Months are built from assessment days the same way: with
`month_cutoff_day = c > 1`, month M is the assessment days from (M-1)-c to M-(c-1), labelled by the
month it ends in; c = 1 is the calendar month. Because a month is a set of whole assessment days,
month figures are sums of daily rollups and the two periods can never disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from dashboard.assessment.rules import Rules
from dashboard.settings import load_settings

PERIOD_KINDS = ("day", "month")
# Years a request may name: wide for any real data, and far from date arithmetic's limits (year 1, 9999).
SUPPORTED_YEARS = range(1990, 2200)


class OutOfRangeError(ValueError):
    """A well-formed date outside SUPPORTED_YEARS."""


def check_supported_year(value: date, what: str) -> None:
    """OutOfRangeError when `value` lies outside SUPPORTED_YEARS (an API or CLI argument out of range)."""
    if value.year not in SUPPORTED_YEARS:
        first, last = SUPPORTED_YEARS[0], SUPPORTED_YEARS[-1]
        raise OutOfRangeError(f"{what} must lie in the years {first}-{last}, got {value.year}")


def resolve_tz(tz: ZoneInfo | None) -> ZoneInfo:
    """The given zone, or HOTLINE_TZ from the settings, so every module agrees on the clock."""
    return tz if tz is not None else load_settings().tz


def assessment_days(instants: pd.Series, rules: Rules, tz: ZoneInfo | None = None) -> pd.Series:
    """Assessment day (datetime.date, or None when the instant is missing) of each instant."""
    local = pd.to_datetime(instants, utc=True).dt.tz_convert(resolve_tz(tz)).dt.tz_localize(None)
    if rules.day_cutoff_hour:
        local = local + pd.Timedelta(hours=24 - rules.day_cutoff_hour)
    days = local.dt.date.astype(object)
    return days.where(local.notna(), None)


def assessment_day(instant: datetime, rules: Rules, tz: ZoneInfo | None = None) -> date:
    """Scalar form of `assessment_days`, e.g. the day that contains `now`."""
    return assessment_days(pd.Series([instant]), rules, tz).iloc[0]


def day_bounds(day: date, rules: Rules, tz: ZoneInfo | None = None) -> tuple[datetime, datetime]:
    """Local (start, end) instants of assessment day `day`, end exclusive."""
    zone = resolve_tz(tz)
    start_date = day - timedelta(days=1) if rules.day_cutoff_hour else day
    start = datetime.combine(start_date, time(rules.day_cutoff_hour), zone)
    end = datetime.combine(start_date + timedelta(days=1), time(rules.day_cutoff_hour), zone)
    return start, end


@dataclass(frozen=True)
class Period:
    """A ranking period: a label as users write it and the inclusive range of assessment days."""

    kind: str  # "day" | "month"
    label: str  # "2026-10-05" | "2026-10"
    first_day: date
    last_day: date

    def previous(self, rules: Rules) -> Period:
        if self.kind == "day":
            return day_period(self.first_day - timedelta(days=1))
        year, month = (int(x) for x in self.label.split("-"))
        return month_period(year - (month == 1), 12 if month == 1 else month - 1, rules)


def day_period(day: date) -> Period:
    return Period("day", day.isoformat(), day, day)


def month_period(year: int, month: int, rules: Rules) -> Period:
    next_year, next_month = (year + 1, 1) if month == 12 else (year, month + 1)
    c = rules.month_cutoff_day
    if c == 1:
        first, last = date(year, month, 1), date(next_year, next_month, 1) - timedelta(days=1)
    else:
        prev_year, prev_month = (year - 1, 12) if month == 1 else (year, month - 1)
        first, last = date(prev_year, prev_month, c), date(year, month, c) - timedelta(days=1)
    return Period("month", f"{year:04d}-{month:02d}", first, last)


def month_of_day(day: date, rules: Rules) -> Period:
    """The month period an assessment day belongs to."""
    c = rules.month_cutoff_day
    if c > 1 and day.day >= c:
        return month_period(day.year + (day.month == 12), 1 if day.month == 12 else day.month + 1, rules)
    return month_period(day.year, day.month, rules)


def classes_month(today: date, rules: Rules) -> tuple[Period, bool]:
    """The month whose class lists the overview shows on assessment day `today`, and whether they are
    final: the previous (closed) month before `final_classes_until_day`, else the month to date."""
    current = month_of_day(today, rules)
    if (today - current.first_day).days + 1 < rules.final_classes_until_day:
        return current.previous(rules), True
    return current, False


_PATTERNS = {"day": re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"), "month": re.compile(r"^(\d{4})-(\d{2})$")}


def parse_period(kind: str, label: str, rules: Rules) -> Period:
    """Period from the CLI / API form (`day` + YYYY-MM-DD or `month` + YYYY-MM); ValueError otherwise."""
    if kind not in PERIOD_KINDS:
        raise ValueError(f"period must be one of {', '.join(PERIOD_KINDS)}, got {kind!r}")
    match = _PATTERNS[kind].match(str(label))
    expected = "YYYY-MM-DD" if kind == "day" else "YYYY-MM"
    try:
        if not match:
            raise ValueError
        parts = [int(x) for x in match.groups()]
        check_supported_year(date(parts[0], 1, 1), f"date for period={kind}")
        return day_period(date(*parts)) if kind == "day" else month_period(parts[0], parts[1], rules)
    except OutOfRangeError:
        raise
    except ValueError:
        raise ValueError(f"date for period={kind} must be {expected}, got {label!r}") from None

"""The Chinese working-day calendar as data: one TOML file per year of official holidays.

Shipped files live in `holidays/` beside this module (the State Council's schedule, with its source
in each file). Each autumn the State Council publishes the next year's schedule; an operator adds
it without a release by pointing `HOTLINE_HOLIDAYS` at a file or a folder of files in the same
format (several paths separated by the OS path separator). A year no file covers falls back to
weekends only (Monday-Friday working), with one warning per year in the log; `missing_years` lets
/health and the screens say so ("2027年节假日安排未配置"). Nothing here raises on a date: a deadline
must never crash an import. A file that cannot be read is logged and skipped (its year is missing).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

log = logging.getLogger(__name__)
SHIPPED = Path(__file__).resolve().parent / "holidays"
ENV = "HOTLINE_HOLIDAYS"


@dataclass(frozen=True)
class HolidayCalendar:
    """Holidays and swapped working days of the covered years."""

    holidays: frozenset[date]
    workdays: frozenset[date]
    years: frozenset[int]

    def is_working_day(self, day: date) -> bool:
        if day.year not in self.years:
            _warn_uncovered(day.year)
            return day.weekday() < 5
        if day in self.workdays:
            return True
        return day not in self.holidays and day.weekday() < 5

    def missing_years(self, years: Iterable[int]) -> list[int]:
        return sorted({int(y) for y in years} - self.years)

    @property
    def digest(self) -> str:
        """Changes when any year's schedule does: stored working-day deadlines depend on it."""
        text = ",".join(sorted(f"h{d}" for d in self.holidays) + sorted(f"w{d}" for d in self.workdays))
        return hashlib.sha256(f"{sorted(self.years)}|{text}".encode()).hexdigest()[:12]


@cache
def _warn_uncovered(year: int) -> None:
    log.warning(
        "working-day SLA mode: no official holiday schedule for %d; counting weekends only. Add the State "
        "Council's schedule for %d with %s (format: dashboard/assessment/holidays/*.toml)",
        year, year, ENV,
    )  # fmt: skip


def _files(paths: Iterable[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        found += sorted(path.glob("*.toml")) if path.is_dir() else [path]
    return found


def _read(path: Path) -> tuple[int, set[date], set[date]] | None:
    try:
        data = tomllib.loads(path.read_text("utf-8"))
        year = int(data["year"])
        holidays = {date.fromisoformat(k) for k in data.get("holidays", {})}
        workdays = {date.fromisoformat(k) for k in data.get("workdays", {})}
    except (OSError, ValueError, KeyError, TypeError, tomllib.TOMLDecodeError) as exc:
        log.error("holiday schedule %s cannot be used (%s: %s); its year counts weekends only", path,
                  exc.__class__.__name__, exc)  # fmt: skip
        return None
    strays = sorted(d for d in holidays | workdays if d.year != year)
    if strays:
        log.error("holiday schedule %s: year = %d but lists %s; file skipped", path, year, strays[0])
        return None
    return year, holidays, workdays


def load_calendar(extra: str | None = None) -> HolidayCalendar:
    """The shipped years plus the files in `extra` (a HOTLINE_HOLIDAYS value); a later file wins a year."""
    paths = [SHIPPED] + [Path(p) for p in (extra or "").split(os.pathsep) if p]
    by_year: dict[int, tuple[set[date], set[date]]] = {}
    for path in _files(paths):
        read = _read(path)
        if read is not None:
            by_year[read[0]] = read[1:]
    holidays = frozenset(d for h, _ in by_year.values() for d in h)
    workdays = frozenset(d for _, w in by_year.values() for d in w)
    return HolidayCalendar(holidays, workdays, frozenset(by_year))


@cache
def calendar() -> HolidayCalendar:
    """The process's calendar, from the shipped files and HOTLINE_HOLIDAYS (read once)."""
    return load_calendar(os.environ.get(ENV))

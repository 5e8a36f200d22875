"""Rankings payloads and composite histories for any period, as current as the last commit, memoised.

The current period's rankings come from the snapshot (no query per viewer) while the rollups it read
are unchanged; otherwise the period is read from the rollups once through `rankings_payload`, the
function behind the CLI and the API, and kept in an LRU keyed by the rules digest and the rollups
stamp of the period (`rankings.current_stamp` catches the rollups up first), so an import that
edits a past month reaches every worker's cache at once. Rankings are city-wide aggregates: every
role may see them (the access policy), so one cache serves every viewer.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from dashboard.assessment.period_views import composite_history, history_stamp
from dashboard.assessment.periods import month_of_day, parse_period
from dashboard.assessment.rankings import current_stamp, rankings_payload
from dashboard.assessment.rules import Rules
from dashboard.live.rollups import catch_up
from dashboard.live.snapshot import HISTORY_MONTHS  # the sparklines span what the snapshot carries
from dashboard.scope import Scope


class RankingReader:
    """Rankings payloads and 6-month composite histories for any period, cheap for the current one."""

    def __init__(self, engine: Engine, rules: Rules, tz: ZoneInfo) -> None:
        self.engine, self.rules, self.tz = engine, rules, tz
        self.past_payload = lru_cache(maxsize=64)(self._payload)
        self.past_history = lru_cache(maxsize=32)(self._history)

    def _payload(self, period: str, date: str, level: str, digest: str, stamp: str) -> dict[str, Any]:
        return rankings_payload(self.engine, self.rules, period, date, level, Scope.all())

    def _history(self, month: str, level: str, digest: str, stamp: str) -> dict[str, Any]:
        rules = self.rules
        return composite_history(self.engine, rules, parse_period("month", month, rules), HISTORY_MONTHS,
                                 level)  # fmt: skip

    def payload(self, options: dict[str, str | None], snapshot: dict[str, Any] | None) -> dict[str, Any] | None:
        """The period's payload; the month to date (not yet closed) is marked provisional."""
        found = self._current_or_past(options, snapshot)
        if found and found["period"] == "month" and found["date"] == (snapshot or {}).get("month"):
            return {**found, "provisional": True}
        return found

    def _current_or_past(
        self, options: dict[str, str | None], snapshot: dict[str, Any] | None
    ) -> dict[str, Any] | None:
        period, date, level = options["period"], options["date"], options["level"]
        if not date:
            return None
        stamp = current_stamp(self.engine, self.rules, self.tz, period, date)
        current = ((snapshot or {}).get("rankings") or {}).get(f"{period}_{level}")
        if (current and current["date"] == date and current.get("rules_digest") == self.rules.digest
                and current.get("rollups_stamp") == stamp):  # fmt: skip
            return current
        return self.past_payload(period, date, level, self.rules.digest, stamp)

    def series(self, options: dict[str, str | None], snapshot: dict[str, Any] | None) -> dict[str, list]:
        """Composite of the last six months per unit, ending with the month of the period shown."""
        if not options["date"]:
            return {}
        rules = self.rules
        month = month_of_day(parse_period(options["period"], options["date"], rules).first_day, rules).label
        catch_up(self.engine, rules, self.tz)
        stamp = history_stamp(self.engine, rules, parse_period("month", month, rules), HISTORY_MONTHS)
        history = ((snapshot or {}).get("history") or {}).get(options["level"])
        if history and history["months"] and history["months"][-1] == month and history.get("stamp") == stamp:
            return history["series"]
        return self.past_history(month, options["level"], rules.digest, stamp)["series"]

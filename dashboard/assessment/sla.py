"""SLA deadlines and countdown states (BRIEF section 2), vectorised over pandas Series.

Both clocks start at dispatch. Hour-sized windows (respond, emergency and utilities resolve) are
always natural time. Day-sized windows (general 7 days, complex 15 days) are natural days in
`natural` mode; in `working_days` mode they are counted in Chinese working days, public holidays
skipped and swapped working days (调休上班, e.g. Saturday 2026-02-14) counted, from the official
schedules shipped as data (dashboard/assessment/workdays.py, extended with HOTLINE_HOLIDAYS):

- a deadline of N working days falls at the same local clock time on the N-th working day after
  the start day;
- a dispatch on a non-working day starts the clock at 00:00 of the next working day;
- a year with no schedule counts weekends only, with a warning in the log, on /health and on the
  screens that show deadlines; an import never fails on it.

An approved extension (延期) replaces the resolve deadline.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import Engine, bindparam, select, update

from dashboard.assessment.periods import resolve_tz
from dashboard.assessment.rules import URGENCIES, Rules
from dashboard.assessment.workdays import calendar
from dashboard.store.schema import Case
from dashboard.store.state import read_frame, read_state, write_state

STATES = ("ok", "warning", "critical", "overdue")
FINGERPRINT_KEY = "sla.fingerprint"
_DEADLINE_INPUTS = (
    Case.case_id, Case.received_at, Case.dispatched_at, Case.urgency, Case.extended_until,
    Case.respond_due_at, Case.resolve_due_at,
)  # fmt: skip


@lru_cache(maxsize=4096)
def is_working_day(day: date) -> bool:
    """True on a Chinese working day (including swapped working weekends); weekends only where no schedule."""
    return calendar().is_working_day(day)


def _next_working_day(day: date) -> date:
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


@lru_cache(maxsize=4096)
def _working_target(day: date, n: int) -> date:
    """The n-th working day after `day`."""
    for _ in range(n):
        day = _next_working_day(day)
    return day


def add_working_days(start: pd.Series, days: int, tz: ZoneInfo) -> pd.Series:
    """Deadline `days` working days after each UTC instant (rules in the module docstring)."""
    local = start.dt.tz_convert(tz).dt.tz_localize(None)
    midnight = local.dt.normalize()
    clock = local - midnight
    unique_days = {d: d.date() for d in midnight.dropna().unique()}
    working = {d: is_working_day(v) for d, v in unique_days.items()}
    # On a non-working day the clock starts at 00:00 of the next working day.
    clock = clock.where(midnight.map(working).fillna(True).astype(bool), pd.Timedelta(0))
    start_day = {d: v if working[d] else _next_working_day(v) for d, v in unique_days.items()}
    target = {d: pd.Timestamp(_working_target(v, days)) for d, v in start_day.items()}
    due_local = pd.to_datetime(midnight.map(target)) + clock
    return due_local.dt.tz_localize(tz).dt.tz_convert("UTC")


def deadlines(
    dispatched_at: pd.Series,
    urgency: pd.Series,
    extended_until: pd.Series,
    rules: Rules,
    tz: ZoneInfo | None = None,
) -> tuple[pd.Series, pd.Series]:
    """Return (respond_due_at, resolve_due_at) as UTC datetime Series aligned with the inputs."""
    dispatched = pd.to_datetime(dispatched_at, utc=True)
    respond = pd.Series(pd.NaT, index=dispatched.index, dtype="datetime64[us, UTC]")
    resolve = respond.copy()
    working = rules.sla_mode == "working_days"
    for key in URGENCIES:
        rule = rules.urgency[key]
        mask = (urgency == key) & dispatched.notna()
        if not mask.any():
            continue
        respond[mask] = dispatched[mask] + rule.respond
        if working and rule.resolve_in_days:
            resolve[mask] = add_working_days(dispatched[mask], rule.resolve.days, resolve_tz(tz))
        else:
            resolve[mask] = dispatched[mask] + rule.resolve
    extended = pd.to_datetime(extended_until, utc=True)
    resolve = resolve.where(extended.isna(), extended)
    return respond, resolve


def countdown_state(now: datetime, due: pd.Series, window_start: pd.Series, rules: Rules) -> pd.Series:
    """State of each countdown at `now`: overdue past `due`; critical under `critical`; warning
    under `warning_fraction` of the window (window_start..due); else ok. None where `due` is missing.
    Critical wins over warning, so a 2-hour emergency window is critical from its first minute.
    """
    due = pd.to_datetime(due, utc=True)
    left = due - pd.Timestamp(now)
    window = due - pd.to_datetime(window_start, utc=True)
    state = np.select(
        [left < pd.Timedelta(0), left < rules.critical, left < window * rules.warning_fraction],
        ["overdue", "critical", "warning"],
        default="ok",
    )
    return pd.Series(state, index=due.index, dtype=object).where(due.notna(), None)


def sla_fingerprint(rules: Rules, tz: ZoneInfo | None = None) -> str:
    """Everything a stored deadline depends on; when it changes, stored deadlines are stale."""
    windows = {
        k: [u.respond.total_seconds(), u.resolve.total_seconds(), u.resolve_in_days] for k, u in rules.urgency.items()
    }
    days = calendar().digest if rules.sla_mode == "working_days" else None  # a new year's schedule moves them
    return json.dumps({"mode": rules.sla_mode, "tz": resolve_tz(tz).key, "urgency": windows, "holidays": days},
                      sort_keys=True)  # fmt: skip


def recompute_deadlines(engine: Engine, rules: Rules, tz: ZoneInfo | None = None, force: bool = False) -> int:
    """Recompute stored deadlines after an SLA rules change; return how many cases changed.

    Skips the work when the SLA fingerprint stored with the deadlines is unchanged (unless `force`),
    so the poller may call it at every start. Changed cases get a new `updated_at`, so incremental
    readers (open cases, Open311) see the new deadlines.
    """
    fingerprint = sla_fingerprint(rules, tz)
    changed_total = 0
    with engine.begin() as conn:
        if read_state(conn, [FINGERPRINT_KEY]).get(FINGERPRINT_KEY) == fingerprint and not force:
            return 0
        now = datetime.now(UTC)
        last_id = ""
        while True:  # keyset pages keep memory flat on millions of cases
            page = read_frame(
                conn, select(*_DEADLINE_INPUTS).where(Case.case_id > last_id).order_by(Case.case_id).limit(50_000)
            )
            if page.empty:
                break
            last_id = page["case_id"].iloc[-1]
            changed = _changed_deadlines(page, rules, tz)
            changed_total += len(changed)
            if not changed.empty:
                conn.execute(
                    update(Case.__table__)
                    .where(Case.__table__.c.case_id == bindparam("k_case_id"))
                    .values(
                        respond_due_at=bindparam("k_respond"), resolve_due_at=bindparam("k_resolve"), updated_at=now
                    ),
                    [
                        {"k_case_id": r.case_id, "k_respond": _py(r.respond), "k_resolve": _py(r.resolve)}
                        for r in changed.itertuples(index=False)
                    ],
                )
        write_state(conn, {FINGERPRINT_KEY: fingerprint})
    return changed_total


def _changed_deadlines(cases: pd.DataFrame, rules: Rules, tz: ZoneInfo | None) -> pd.DataFrame:
    if cases.empty:
        return pd.DataFrame(columns=["case_id", "respond", "resolve"])
    dispatched = pd.to_datetime(cases["dispatched_at"], utc=True).fillna(pd.to_datetime(cases["received_at"], utc=True))
    respond, resolve = deadlines(dispatched, cases["urgency"], cases["extended_until"], rules, tz)
    old_respond = pd.to_datetime(cases["respond_due_at"], utc=True)
    old_resolve = pd.to_datetime(cases["resolve_due_at"], utc=True)
    differs = ~_same(respond, old_respond) | ~_same(resolve, old_resolve)
    return pd.DataFrame({"case_id": cases["case_id"], "respond": respond, "resolve": resolve})[differs]


def _same(a: pd.Series, b: pd.Series) -> pd.Series:
    return (a == b) | (a.isna() & b.isna())


def _py(value: pd.Timestamp) -> datetime | None:
    return None if pd.isna(value) else value.to_pydatetime()

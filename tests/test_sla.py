"""SLA deadlines across the 2026 Spring Festival, worked out on the State Council calendar.

The shipped 2026 schedule (dashboard/assessment/holidays/2026.toml): holidays Sun 02-15 .. Mon
02-23 (9 days); swapped working days Sat 02-14 and Sat 02-28. So after Fri 02-13 the working days
are: 02-14 (1), 02-24 (2), 02-25 (3),
02-26 (4), 02-27 (5), 02-28 (6), [03-01 Sun], 03-02 (7), 03-03 (8), 03-04 (9), 03-05 (10),
03-06 (11), [03-07/08], 03-09 (12), 03-10 (13), 03-11 (14), 03-12 (15).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
from sqlalchemy import select

from dashboard.assessment import workdays
from dashboard.assessment.sla import countdown_state, deadlines, recompute_deadlines
from dashboard.store.schema import Case
from tests.assessment_data import SHANGHAI, add_reference, case, local, make_rules, write_cases

WORKING = make_rules(**{"sla.mode": "working_days"})
NATURAL = make_rules()


def _due(rules, dispatched: list[str], urgency: list[str], extended: list[str | None] | None = None):
    index = range(len(dispatched))
    respond, resolve = deadlines(
        pd.Series([local(d) for d in dispatched], index=index),
        pd.Series(urgency, index=index),
        pd.Series([local(e) if e else None for e in (extended or [None] * len(dispatched))], index=index),
        rules,
        tz=SHANGHAI,
    )
    fmt = lambda s: [t.tz_convert(SHANGHAI).strftime("%Y-%m-%d %H:%M") for t in s]  # noqa: E731
    return fmt(respond), fmt(resolve)


def test_working_days_across_spring_festival_2026():
    respond, resolve = _due(
        WORKING,
        ["2026-02-13 10:00", "2026-02-13 10:00", "2026-02-16 15:00", "2026-02-13 10:00", "2026-02-14 09:30"],
        ["general", "complex", "general", "utilities", "general"],
    )
    assert resolve == [
        "2026-03-02 10:00",  # 7th working day after Fri 02-13 (02-14 swapped working Saturday counts)
        "2026-03-12 10:00",  # 15th working day
        "2026-03-04 00:00",  # dispatched on a holiday: clock starts 02-24 00:00, 7th working day after is 03-04
        "2026-02-14 10:00",  # utilities 24 h: hour-sized windows stay natural
        "2026-03-03 09:30",  # dispatched on the swapped working Saturday: 02-24 (1) .. 03-03 (7)
    ]
    assert respond == [
        "2026-02-14 10:00", "2026-02-14 10:00", "2026-02-17 15:00", "2026-02-13 12:00", "2026-02-15 09:30",
    ]  # fmt: skip


def test_natural_mode_and_extension():
    _, resolve = _due(
        NATURAL,
        ["2026-02-13 10:00", "2026-02-13 10:00", "2026-02-13 10:00"],
        ["general", "emergency", "general"],
        [None, None, "2026-03-20 18:00"],
    )
    assert resolve == ["2026-02-20 10:00", "2026-02-13 12:00", "2026-03-20 18:00"]


def test_a_year_without_a_schedule_counts_weekends_only_and_warns(caplog):
    """2027 is not shipped: 7 working days from Tue 2027-01-05 skip one weekend only: Wed 6 .. Fri 8 (3),
    Mon 11 .. Thu 14 (4) -> Thu 2027-01-14 10:00, with a warning naming the year."""
    workdays._warn_uncovered.cache_clear()  # once per year and process: make this test see it
    with caplog.at_level("WARNING"):
        assert _due(WORKING, ["2027-01-05 10:00"], ["general"])[1] == ["2027-01-14 10:00"]
    assert "no official holiday schedule for 2027" in caplog.text
    assert _due(WORKING, ["2027-01-05 10:00"], ["emergency"])[1] == ["2027-01-05 12:00"]  # hours need no calendar


def test_countdown_states():
    """24 h window from 00:00: warning under 6 h left (25 %), critical under 2 h, overdue past due."""
    start = datetime(2026, 3, 1, tzinfo=UTC)
    due = pd.Series([start + timedelta(hours=24)] * 5 + [start + timedelta(hours=2), pd.NaT])
    window_start = pd.Series([start] * 7)
    nows = [17, 18.5, 22.5, 24, 24.01]
    states = [countdown_state(start + timedelta(hours=h), due, window_start, NATURAL).iloc[0] for h in nows]
    assert states == ["ok", "warning", "critical", "critical", "overdue"]  # exactly at due is not yet overdue
    at_dispatch = countdown_state(start + timedelta(minutes=1), due, window_start, NATURAL)
    assert at_dispatch.tolist() == ["ok"] * 5 + ["critical", None]  # a 2 h emergency window is critical at once


def test_recompute_deadlines_after_mode_change(sqlite_engine):
    add_reference(sqlite_engine)
    write_cases(
        sqlite_engine,
        [
            case("G", "110101001", "2026-02-13 10:00", urgency="general"),
            case("E", "110101001", "2026-02-13 10:00", urgency="emergency"),
        ],
        NATURAL,
    )
    assert recompute_deadlines(sqlite_engine, NATURAL, tz=SHANGHAI) == 0  # first call records the fingerprint
    assert recompute_deadlines(sqlite_engine, WORKING, tz=SHANGHAI) == 1  # only the day-sized window moves
    assert recompute_deadlines(sqlite_engine, WORKING, tz=SHANGHAI) == 0  # unchanged rules: no work
    with sqlite_engine.connect() as conn:
        due = dict(conn.execute(select(Case.case_id, Case.resolve_due_at)).all())
    assert due["G"] == local("2026-03-02 10:00")
    assert due["E"] == local("2026-02-13 12:00")

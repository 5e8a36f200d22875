"""The holiday calendar is data: shipped years, HOTLINE_HOLIDAYS for new ones, weekends only elsewhere."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import select

from dashboard.assessment.workdays import load_calendar
from dashboard.settings import load_settings
from dashboard.store.schema import Case
from data_loader.files.importer import import_file
from data_loader.reference_tables import load_reference
from tests.assessment_data import make_rules

SCHEDULE_2027 = """year = 2027
source = "test schedule"
[holidays]
2027-01-01 = "元旦"
[workdays]
2027-01-09 = "调休"
"""


def test_shipped_years_know_holidays_and_swapped_working_days():
    cal = load_calendar()
    assert not cal.is_working_day(date(2026, 10, 1))  # National Day, a Thursday
    assert cal.is_working_day(date(2026, 2, 14))  # Saturday, swapped working day of the Spring Festival
    assert cal.missing_years([2025, 2026, 2027]) == [2027]


def test_hotline_holidays_adds_a_year_and_a_bad_file_is_skipped_not_raised(tmp_path: Path, caplog):
    good = tmp_path / "2027.toml"
    good.write_text(SCHEDULE_2027, encoding="utf-8")
    bad = tmp_path / "broken.toml"
    bad.write_text("year = 2028\n[holidays]\nnot-a-date = 1\n", encoding="utf-8")
    cal = load_calendar(str(tmp_path))
    assert not cal.is_working_day(date(2027, 1, 1))  # a Friday, holiday from the added file
    assert cal.is_working_day(date(2027, 1, 9))  # a Saturday, swapped working day
    assert cal.missing_years([2027, 2028]) == [2028]
    assert "broken.toml cannot be used" in caplog.text
    assert cal.digest != load_calendar().digest  # the recorded digest moves: deadlines get recomputed


def test_an_import_in_working_day_mode_into_2027_keeps_every_row(any_engine, tmp_path: Path, monkeypatch):
    """A complex order (15 working days) dispatched Fri 2026-12-11 10:00 runs into 2027 (not shipped).

    By hand: Mon 12-14 .. Fri 12-18 (5), 12-21 .. 12-25 (10), Mon 12-28 .. Thu 12-31 (14), then 2027 by
    weekends only: Fri 01-01 (15) -> due 2027-01-01 10:00 Asia/Shanghai = 02:00 UTC.
    """
    load_reference(any_engine)
    rules = make_rules(**{"sla.mode": "working_days"})
    path = tmp_path / "into_2027.csv"
    path.write_text(
        "工单编号,受理时间,问题分类,紧急程度,所属区,街乡镇,派单时间\n"
        "W1,2026-12-11 09:50,供暖,疑难复杂,110105,110105001,2026-12-11 10:00\n"
        "W2,2027-01-04 09:00,供暖,一般,110105,110105001,2027-01-04 09:00\n",
        encoding="utf-8",
    )
    summary = import_file(any_engine, path, load_settings({}), rules, now=datetime(2026, 12, 12, tzinfo=UTC))
    assert (summary.accepted, summary.rejected) == (2, 0)
    with any_engine.connect() as conn:
        due = dict(conn.execute(select(Case.case_id, Case.resolve_due_at)).all())
    assert due["W1"] == datetime(2027, 1, 1, 2, 0, tzinfo=UTC)
    # W2: 7 working days from Mon 2027-01-04 09:00, weekends only: Tue 5 .. Fri 8 (4), Mon 11 .. Wed 13 (7).
    assert due["W2"] == datetime(2027, 1, 13, 1, 0, tzinfo=UTC)


def test_snapshot_health_and_screens_name_a_year_without_schedule():
    from dashboard.live.snapshot import holidays_missing
    from layouts.countdowns import holiday_note

    frame = pd.DataFrame({"resolve_due_at": [datetime(2026, 12, 20, tzinfo=UTC), datetime(2027, 1, 4, tzinfo=UTC)]})
    working = make_rules(**{"sla.mode": "working_days"})
    assert holidays_missing(working, date(2026, 12, 1), frame) == [2027]
    assert holidays_missing(make_rules(), date(2026, 12, 1), frame) == []  # natural time needs no calendar
    note = holiday_note({"holidays_missing": [2027]}, "zh")[0]
    assert "2027年节假日安排未配置" in note.children
    assert holiday_note({"holidays_missing": []}, "zh") == []

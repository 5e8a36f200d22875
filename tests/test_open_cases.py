"""The open-case set's watermark: new changes are read once, late commits are still caught."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
from sqlalchemy import update

from dashboard.assessment.rules import load_rules
from dashboard.live.open_cases import LATE_COMMIT, OpenCases
from dashboard.settings import DEFAULT_RULES_PATH
from dashboard.store.case_rows import complete_cases, insert_cases
from dashboard.store.schema import Case
from data_loader.reference_tables import load_reference


def add(engine, case_id: str, stamp: datetime) -> None:
    rules = load_rules(DEFAULT_RULES_PATH)
    row = {"case_id": case_id, "received_at": stamp, "category": "住房", "urgency": "general",
           "district_code": "110101", "township_code": "110101001"}  # fmt: skip
    insert_cases(engine, complete_cases(pd.DataFrame([row]), rules, stamp))


def test_bulk_load_is_read_once_and_late_commits_are_caught(sqlite_engine):
    load_reference(sqlite_engine)
    now = datetime.now(UTC)
    old = now - timedelta(hours=1)
    for i in range(3):
        add(sqlite_engine, f"BULK{i}", old)  # a bulk load stamped with one instant
    cases = OpenCases()
    assert cases.refresh(sqlite_engine) == 3  # first load
    assert cases.refresh(sqlite_engine) == 0  # an hour-old stamp is not read again
    add(sqlite_engine, "NEW", datetime.now(UTC))
    assert cases.refresh(sqlite_engine) == 1
    # A writer that stamped before our last read but committed after it: within LATE_COMMIT, caught.
    late = cases.read_at - LATE_COMMIT / 2
    add(sqlite_engine, "LATE", late)
    assert "LATE" not in cases.frame.index
    cases.refresh(sqlite_engine)
    assert "LATE" in cases.frame.index
    # A case that closes leaves the set.
    with sqlite_engine.begin() as conn:
        conn.execute(update(Case).where(Case.case_id == "NEW").values(status="closed", updated_at=datetime.now(UTC)))
    cases.refresh(sqlite_engine)
    assert "NEW" not in cases.frame.index and len(cases.frame) == 4

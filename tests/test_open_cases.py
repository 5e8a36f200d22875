"""The open-case set on the change feed: loaded once, then every change and deletion arrives.

On PostgreSQL the feed re-reads changes of transactions that committed while an older one (in any
database of the cluster, e.g. a parallel test run) was still open, so exact read counts are only
asserted on SQLite; the set's contents are asserted on both.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
from sqlalchemy import delete, update

from dashboard.assessment.rules import load_rules
from dashboard.live.open_cases import OpenCases
from dashboard.settings import DEFAULT_RULES_PATH
from dashboard.store.case_rows import complete_cases, insert_cases
from dashboard.store.schema import Case
from data_loader.reference_tables import load_reference


def add(engine, case_id: str, stamp: datetime) -> None:
    rules = load_rules(DEFAULT_RULES_PATH)
    row = {"case_id": case_id, "received_at": stamp, "category": "住房", "urgency": "general",
           "district_code": "110101", "township_code": "110101001"}  # fmt: skip
    insert_cases(engine, complete_cases(pd.DataFrame([row]), rules, stamp))


def test_bulk_load_is_read_once_then_only_changes_and_deletions(any_engine):
    load_reference(any_engine)
    old = datetime.now(UTC) - timedelta(hours=1)
    for i in range(3):
        add(any_engine, f"BULK{i}", old)
    cases = OpenCases()
    cases.refresh(any_engine)
    assert sorted(cases.frame.index) == ["BULK0", "BULK1", "BULK2"]  # first load
    exact = any_engine.dialect.name == "sqlite"
    assert cases.refresh(any_engine) == 0 or not exact  # nothing changed: nothing read again
    # A stamp older than everything already read still arrives: the feed orders by commit, not stamp.
    add(any_engine, "OLD-STAMP", old - timedelta(days=1))
    assert cases.refresh(any_engine) == 1 or not exact
    assert "OLD-STAMP" in cases.frame.index
    with any_engine.begin() as conn:  # a case that closes leaves the set, a deleted one too
        conn.execute(update(Case).where(Case.case_id == "BULK0").values(status="closed"))
        conn.execute(delete(Case).where(Case.case_id == "BULK1"))
    assert cases.refresh(any_engine) == 2 or not exact
    assert sorted(cases.frame.index) == ["BULK2", "OLD-STAMP"]

"""Turn a frame of contract columns into complete `cases` rows, and write them in bulk.

Every writer (seed, simulator, importer, sync) goes through `complete_cases`, so deadlines,
status and update time are derived one way only.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import Engine

from dashboard.assessment.lifecycle import case_status
from dashboard.assessment.rules import Rules
from dashboard.assessment.sla import deadlines
from dashboard.store.db import bulk_insert

# Contract columns (BRIEF section 5) in table order, caller already hashed.
CONTRACT_COLUMNS = (
    "case_id", "received_at", "channel", "category", "subcategory", "urgency", "district_code",
    "township_code", "lat", "lon", "address", "description", "caller_hash", "dispatched_at",
    "responded_at", "resolved_at", "extended_until", "callback_at", "contacted", "solved", "satisfaction",
)  # fmt: skip
DERIVED_COLUMNS = ("respond_due_at", "resolve_due_at", "status", "batch_id", "updated_at")
CASE_COLUMNS = CONTRACT_COLUMNS + DERIVED_COLUMNS
TIME_COLUMNS = (
    "received_at", "dispatched_at", "responded_at", "resolved_at", "extended_until", "callback_at",
    "respond_due_at", "resolve_due_at", "updated_at",
)  # fmt: skip


def complete_cases(frame: pd.DataFrame, rules: Rules, now: datetime, batch_id: int | None = None) -> pd.DataFrame:
    """Add deadlines, status, batch and update time; missing optional columns become null.

    A missing dispatch time means the order was dispatched on receipt (the 2019 direct-dispatch rule).
    """
    out = frame.copy()
    for col in CONTRACT_COLUMNS:
        if col not in out.columns:
            out[col] = None
    for col in TIME_COLUMNS[:6]:
        out[col] = pd.to_datetime(out[col], utc=True).dt.as_unit("us")  # one unit, so columns mix freely
    out["dispatched_at"] = out["dispatched_at"].fillna(out["received_at"])
    out["respond_due_at"], out["resolve_due_at"] = deadlines(
        out["dispatched_at"], out["urgency"], out["extended_until"], rules
    )
    out["status"] = case_status(out["responded_at"], out["resolved_at"], out["callback_at"])
    out["batch_id"] = batch_id
    out["updated_at"] = pd.Timestamp(now).tz_convert("UTC")
    return out[list(CASE_COLUMNS)]


def insert_cases(engine: Engine, frame: pd.DataFrame) -> int:
    """Bulk-insert complete case rows (from `complete_cases`) in one transaction; returns the number written."""
    return bulk_insert(engine, "cases", frame[list(CASE_COLUMNS)])

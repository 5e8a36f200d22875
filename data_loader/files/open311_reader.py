"""Open311 GeoReport v2 request lists (`requests.json`) -> the import contract's columns.

GeoReport has no township, urgency or callback fields, so:
- the township comes from `agency_responsible` (in Beijing the responsible agency of an order is
  the township) or, failing that, from the point (`lat`/`long`);
- `service_name` (else `service_code`) is the category; urgency defaults to general;
- a `closed` request is resolved at its `updated_datetime`; `expected_datetime` is not imported,
  because deadlines are derived from the rules, not taken from the source;
- any extra key that is already a contract header (e.g. `district`, `urgency`) is passed through.
"""

from __future__ import annotations

import pandas as pd

# GeoReport v2 field -> contract column.
FIELDS = {
    "service_request_id": "case_id",
    "requested_datetime": "received_at",
    "description": "description",
    "address": "address",
    "lat": "lat",
    "long": "lon",
}


def looks_like(frame: pd.DataFrame) -> bool:
    """A JSON list is an Open311 list when it has request ids and no contract case_id."""
    return "service_request_id" in frame.columns and "case_id" not in frame.columns


def _first_given(frame: pd.DataFrame, *columns: str) -> pd.Series:
    out = pd.Series(pd.NA, index=frame.index, dtype="str")
    for col in reversed(columns):
        if col in frame.columns:
            values = frame[col].str.strip()
            out = values.where(values.notna() & (values != ""), out)
    return out


def to_contract(frame: pd.DataFrame) -> pd.DataFrame:
    """Rename GeoReport fields to contract headers, keeping every other key for the raw row."""
    out = frame.rename(columns=FIELDS)
    out["category"] = _first_given(frame, "service_name", "service_code")
    if "township" not in out.columns and "agency_responsible" in frame.columns:
        out["township"] = frame["agency_responsible"]
    if "resolved_at" not in out.columns and "status" in frame.columns and "updated_datetime" in frame.columns:
        closed = frame["status"].str.strip().str.lower() == "closed"
        out["resolved_at"] = frame["updated_datetime"].where(closed)
    if "channel" not in out.columns:
        out["channel"] = "open311"
    return out

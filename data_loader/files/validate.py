"""Turn a raw table into contract rows and rejected rows, losing nothing and looping over no row.

Every check is one vectorised expression producing a mask; a rejected row gets all its reasons
(joined by "; ", so a person fixes the row once) and the column of the first one. Accepted rows
come out with the import contract's columns (caller already hashed, coordinates WGS-84), ready
for `dashboard.store.case_rows.complete_cases`.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pandas as pd

from dashboard.privacy import hash_caller
from dashboard.store.case_rows import CONTRACT_COLUMNS
from dashboard.store.schema import Case
from data_loader.files.parsing import (
    FLAG_FIELDS,
    FLAGS,
    SATISFACTION,
    TIME_FIELDS,
    URGENCY,
    clean_text,
    explain,
    map_headers,
    parse_choice,
    parse_numbers,
    parse_times,
)
from data_loader.files.places import Places, resolve_places
from data_loader.files.readers import RawTable
from geo.coords import to_wgs84

TEXT_FIELDS = ("channel", "category", "subcategory", "address", "description")
# (later, earlier): a row whose `later` time is before its `earlier` time is rejected.
TIME_ORDER = (
    ("dispatched_at", "received_at"),
    ("responded_at", "received_at"),
    ("resolved_at", "received_at"),
    ("extended_until", "received_at"),
    ("callback_at", "resolved_at"),
)
REJECTED_COLUMNS = ["row_number", "column", "reason", "raw"]


@dataclass(frozen=True)
class ImportOptions:
    tz: ZoneInfo
    caller_key: str
    coords: str = "wgs84"


@dataclass
class Validated:
    cases: pd.DataFrame  # contract columns, indexed by row number
    rejected: pd.DataFrame  # REJECTED_COLUMNS


class _Problems:
    """Collects (reasons, column) per check, in check order."""

    def __init__(self) -> None:
        self.parts: list[pd.DataFrame] = []

    def add(self, reasons: pd.Series, column: str | None) -> None:
        if len(reasons):
            self.parts.append(pd.DataFrame({"column": column, "reason": reasons, "order": len(self.parts)}))

    def rows(self) -> pd.DataFrame:
        """One row per rejected row number: first column, all reasons."""
        if not self.parts:
            return pd.DataFrame({"column": [], "reason": []}, dtype=object)
        long = pd.concat(self.parts).rename_axis("row_number").reset_index().sort_values(["row_number", "order"])
        grouped = long.groupby("row_number", sort=True)
        return pd.DataFrame({"column": grouped["column"].first(), "reason": grouped["reason"].agg("; ".join)})


def _label(header: str | None, canonical: str) -> str:
    """Name a column the way the file does, with the contract name when it differs."""
    return canonical if header in (None, canonical) else f"{header} ({canonical})"


def _max_length(column: str) -> int | None:
    return getattr(Case.__table__.c[column].type, "length", None)


def _hash_callers(caller: pd.Series, key: str) -> pd.Series:
    """Hash each distinct number once (callers repeat), never keeping the clear number."""
    given = caller.dropna()
    hashes = {number: hash_caller(number, key) for number in given.unique()}
    return caller.map(hashes)


def validate(raw: RawTable, places: Places, options: ImportOptions) -> Validated:
    """Split `raw` into accepted contract rows and rejected rows with precise reasons."""
    headers = map_headers(raw.frame.columns)
    header_of = {canonical: header for header, canonical in headers.items()}
    empty = pd.Series(pd.NA, index=raw.frame.index, dtype="str")
    text = {canonical: clean_text(raw.frame[header]) for header, canonical in headers.items()}

    def cell(column: str) -> pd.Series:
        return text.get(column, empty)

    problems = _Problems()
    out = pd.DataFrame(index=raw.frame.index)

    case_id = cell("case_id")
    problems.add(explain(case_id.isna(), "missing case_id"), "case_id")
    dup = case_id.duplicated(keep="first") & case_id.notna()
    if dup.any():
        firsts = case_id[~case_id.duplicated(keep="first")]
        first_row = case_id[dup].map(pd.Series(firsts.index, index=firsts.to_numpy()))
        problems.add(explain(dup, "duplicate case_id within file (first at row ", first_row, ")"), "case_id")
    out["case_id"] = case_id

    for column in ("case_id", *TEXT_FIELDS):
        limit, values = _max_length(column), cell(column)
        if limit:
            long = values.str.len() > limit
            problems.add(
                explain(
                    long, f"{column} too long (", values.str.len().fillna(0).astype(int), f" characters, max {limit})"
                ),
                column,
            )
        if column != "case_id":
            out[column] = values
    problems.add(explain(cell("category").isna(), "missing category"), "category")

    for column in TIME_FIELDS:
        out[column], bad = parse_times(cell(column), options.tz)
        label = _label(header_of.get(column), column)
        problems.add(explain(bad, f"unparseable date in column {label}: '", cell(column), "'"), column)
    problems.add(explain(cell("received_at").isna(), "missing received_at"), "received_at")
    for later, earlier in TIME_ORDER:
        problems.add(explain(out[later] < out[earlier], f"{later} before {earlier}"), later)

    for column, choices, kind in (
        ("urgency", URGENCY, "urgency"),
        ("satisfaction", SATISFACTION, "satisfaction"),
        *((flag, FLAGS, "yes/no") for flag in FLAG_FIELDS),
    ):
        out[column], bad = parse_choice(cell(column), choices)
        label = _label(header_of.get(column), column)
        problems.add(explain(bad, f"unknown {kind} in column {label}: '", cell(column), "'"), column)
    out["urgency"] = out["urgency"].fillna("general")
    result_given = out[["contacted", "solved", "satisfaction"]].notna().any(axis=1)
    problems.add(
        explain(result_given & out["callback_at"].isna(), "callback result without callback_at"), "callback_at"
    )

    coords = {}
    for column in ("lon", "lat"):
        coords[column], bad = parse_numbers(cell(column))
        label = _label(header_of.get(column), column)
        problems.add(explain(bad, f"unparseable number in column {label}: '", cell(column), "'"), column)
    for one, other in (("lat", "lon"), ("lon", "lat")):
        problems.add(explain(coords[one].notna() & coords[other].isna(), f"{one} given without {other}"), one)
    lon, lat = to_wgs84(coords["lon"].to_numpy(), coords["lat"].to_numpy(), options.coords)
    out["lon"] = pd.Series(lon, index=out.index).where(coords["lat"].notna())
    out["lat"] = pd.Series(lat, index=out.index).where(coords["lon"].notna())

    resolved = resolve_places(places, cell("district"), cell("township"), out["lon"], out["lat"])
    for reasons, column in resolved.problems:
        problems.add(reasons, column)
    out["district_code"], out["township_code"] = resolved.district_code, resolved.township_code

    rejected = problems.rows()
    accepted = out.drop(index=rejected.index)
    accepted["caller_hash"] = _hash_callers(cell("caller").drop(index=rejected.index), options.caller_key)
    return Validated(accepted[list(CONTRACT_COLUMNS)], _rejected_frame(raw, rejected))


def _rejected_frame(raw: RawTable, rejected: pd.DataFrame) -> pd.DataFrame:
    """Rejected rows with their raw cells; the clear caller number is dropped even here."""
    caller_headers = [h for h, c in map_headers(raw.frame.columns).items() if c == "caller"]
    cells = raw.frame.loc[rejected.index].drop(columns=caller_headers)
    records = cells.astype(object).where(cells.notna(), None).to_dict("records")
    frame = rejected.assign(raw=records).rename_axis("row_number").reset_index()
    broken = pd.DataFrame(
        [(b.row_number, None, b.reason, _without(b.raw, caller_headers)) for b in raw.broken],
        columns=REJECTED_COLUMNS,
        dtype=object,
    )
    parts = [p for p in (frame[REJECTED_COLUMNS], broken) if len(p)]
    if not parts:
        return pd.DataFrame(columns=REJECTED_COLUMNS)
    return pd.concat(parts, ignore_index=True).sort_values("row_number", kind="stable").reset_index(drop=True)


def _without(raw: dict, keys: list[str]) -> dict:
    return {k: v for k, v in raw.items() if k not in keys}

"""Header mapping, encoding detection and vectorised value parsing for imported files.

Hotline exports arrive with Chinese or English headers, in UTF-8 or GBK, with dates typed by hand
into spreadsheets. Every parser here works on a whole pandas column at once (the happy path is one
vectorised call) and returns the parsed values plus a mask of the cells it could not read, so the
validator can reject exactly those rows with the offending text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from dashboard.assessment.rules import URGENCIES, URGENCY_ZH


class ImportFileError(Exception):
    """The file itself cannot be read (as opposed to a bad row, which is rejected and kept)."""


# Canonical column -> headers accepted for it (compared after `_header_key`). BRIEF section 5
# names one Chinese header per column; the extra synonyms are ones seen in hotline exports.
HEADERS: dict[str, tuple[str, ...]] = {
    "case_id": ("case_id", "工单编号", "工单号"),
    "received_at": ("received_at", "受理时间", "来电时间"),
    "channel": ("channel", "来源渠道", "渠道"),
    "category": ("category", "问题分类", "一级分类"),
    "subcategory": ("subcategory", "问题子类", "二级分类"),
    "urgency": ("urgency", "紧急程度"),
    "district": ("district", "district_code", "所属区", "区", "区县"),
    "township": ("township", "township_code", "街乡镇", "街道", "街道乡镇", "乡镇街道"),
    "lat": ("lat", "latitude", "纬度"),
    "lon": ("lon", "lng", "long", "longitude", "经度"),
    "address": ("address", "地址"),
    "description": ("description", "诉求内容"),
    "caller": ("caller", "来电号码", "电话"),
    "dispatched_at": ("dispatched_at", "派单时间"),
    "responded_at": ("responded_at", "响应时间"),
    "resolved_at": ("resolved_at", "办结时间"),
    "extended_until": ("extended_until", "延期至"),
    "callback_at": ("callback_at", "回访时间"),
    "contacted": ("contacted", "是否联系"),
    "solved": ("solved", "是否解决"),
    "satisfaction": ("satisfaction", "满意度"),
}
TIME_FIELDS = ("received_at", "dispatched_at", "responded_at", "resolved_at", "extended_until", "callback_at")
FLAG_FIELDS = ("contacted", "solved")


def _header_key(header: object) -> str:
    """Case-, space- and BOM-insensitive form of a header, so `Case ID ` matches `case_id`."""
    return re.sub(r"[\s_\-\ufeff]+", "", str(header)).lower()


_HEADER_INDEX = {_header_key(h): canonical for canonical, names in HEADERS.items() for h in names}


def map_headers(columns: Iterable[object]) -> dict[str, str]:
    """Map file headers to canonical columns; unknown headers are ignored (kept in the raw row).

    Raises ImportFileError when no column is a case id or two headers claim the same column.
    """
    mapping: dict[str, str] = {}
    seen: dict[str, str] = {}
    for header in columns:
        canonical = _HEADER_INDEX.get(_header_key(header))
        if canonical is None:
            continue
        if canonical in seen:
            raise ImportFileError(f"two columns map to {canonical}: {seen[canonical]!r} and {header!r}")
        seen[canonical] = str(header)
        mapping[str(header)] = canonical
    if "case_id" not in seen:
        found = ", ".join(repr(str(c)) for c in columns) or "none"
        raise ImportFileError(f"no case_id column (expected 'case_id' or '工单编号'); columns found: {found}")
    return mapping


def decode_text(data: bytes) -> str:
    """Decode UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (a superset of GBK)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError("unknown text encoding (expected UTF-8 or GB18030/GBK)")


def clean_text(column: pd.Series) -> pd.Series:
    """Strip whitespace; empty cells become missing, so 'not given' has a single representation."""
    text = column.astype("str").str.strip()
    return text.mask(text == "")


_AWARE = re.compile(r"\d:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)$")
_CHINESE_DATE = re.compile(r"^(\d{4})\s*[年.]\s*(\d{1,2})\s*[月.]\s*(\d{1,2})\s*日?\s*")
_EXCEL_SERIAL = re.compile(r"^\d{5}(\.\d+)?$")
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")


def _iso(text: pd.Series, tz: ZoneInfo) -> pd.Series:
    """ISO 8601 (also `2026/10/03 14:05`); naive values are local time in `tz`."""
    try:
        parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
    except ValueError:  # a column mixing naive and offset-carrying values
        aware = text.str.contains(_AWARE, na=False)
        out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us, UTC]")
        out[aware] = pd.to_datetime(text[aware], format="ISO8601", errors="coerce", utc=True)
        out[~aware] = _iso(text[~aware], tz)
        return out
    if parsed.dt.tz is None:
        parsed = parsed.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    return parsed.dt.tz_convert("UTC").astype("datetime64[us, UTC]")


def parse_times(column: pd.Series, tz: ZoneInfo) -> tuple[pd.Series, pd.Series]:
    """Parse a column of date-times to UTC; returns (values, mask of given-but-unreadable cells).

    Tried in order, each only on what is still unread: ISO 8601 / `2026/10/03 14:05`, Chinese
    `2026年10月3日 14时05分`, then Excel serial day numbers (`46298.5`).
    """
    text = clean_text(column)
    parsed = _iso(text, tz)
    todo = parsed.isna() & text.notna()
    if todo.any():
        chinese = (
            text[todo]
            .str.replace(_CHINESE_DATE, r"\1-\2-\3 ", regex=True)
            .str.replace("时", ":")
            .str.replace(r"[分秒]", "", regex=True)
            .str.strip()
        )
        chinese = chinese.mask(chinese.str.endswith(":"), chinese + "00")
        parsed[todo] = _iso(chinese, tz)
        todo = parsed.isna() & text.notna()
    if todo.any():
        serial = text[todo][text[todo].str.fullmatch(_EXCEL_SERIAL)].astype(float)
        local = _EXCEL_EPOCH + pd.to_timedelta(serial, unit="D").dt.round("s")
        parsed[serial.index] = local.dt.tz_localize(tz).dt.tz_convert("UTC")
        todo = parsed.isna() & text.notna()
    return parsed, todo


def parse_choice(column: pd.Series, choices: Mapping[str, str]) -> tuple[pd.Series, pd.Series]:
    """Map labels (case-insensitive) to canonical values; returns (values, mask of unknown labels)."""
    text = clean_text(column)
    values = text.str.lower().map(choices)
    return values.astype(object).where(values.notna(), None), values.isna() & text.notna()


FLAGS = {
    **dict.fromkeys(("true", "1", "yes", "y", "是", "t", "1.0"), True),
    **dict.fromkeys(("false", "0", "no", "n", "否", "f", "0.0"), False),
}
URGENCY = {
    **{u: u for u in URGENCIES},
    **{zh: u for u, zh in URGENCY_ZH.items()},
    "复杂": "complex",
}
SATISFACTION = {
    **{s: s for s in ("satisfied", "basically", "dissatisfied")},
    "basically satisfied": "basically",
    "满意": "satisfied",
    "基本满意": "basically",
    "不满意": "dissatisfied",
}


def parse_numbers(column: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse decimal numbers; returns (float values, mask of given-but-unreadable cells)."""
    text = clean_text(column)
    values = pd.to_numeric(text, errors="coerce").astype(np.float64)
    bad = values.isna() & text.notna()
    return values, bad


def explain(mask: pd.Series, *parts: str | pd.Series) -> pd.Series:
    """Reason text for the rows in `mask` only, joining literal text and per-row cell values."""
    text = pd.Series("", index=mask[mask].index, dtype=object)
    for part in parts:
        text = text + (part[mask].astype(str) if isinstance(part, pd.Series) else part)
    return text

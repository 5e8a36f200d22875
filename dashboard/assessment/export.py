"""Rankings payload -> JSON, CSV or a printable XLSX report (BRIEF 5; issue 5).

All three are rendered from the dict `rankings_payload` returns, so every format shows the same
numbers. The XLSX is for a district office's monthly meeting: title, period, rules version, the four
class lists, then the full table, rates as percentages, landscape and fit to page width.
"""

from __future__ import annotations

import csv
import io
import json

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from dashboard.access.cells import escape_formula
from dashboard.assessment.classes import class_members
from dashboard.assessment.rules import CLASSES

FORMATS = ("json", "csv", "xlsx")
CSV_COLUMNS = (
    "rank", "code", "name", "district_code", "orders", "valid_callbacks", "response_rate", "resolution_rate",
    "satisfaction_rate", "composite", "classes", "previous_rank", "rank_change", "composite_change",
)  # fmt: skip
CLASS_TITLES = {
    "advanced": "先进类 Advanced",
    "improved": "进步类 Improved",
    "rectification": "整改类 Rectification",
    "governance": "治理类 Governance",
}
LEVEL_TITLES = {"township": "街乡镇 townships", "district": "区 districts"}
# (header, payload key, number format); rates are fractions, shown as percentages.
TABLE = (
    ("排名 Rank", "rank", "0"),
    ("代码 Code", "code", "@"),
    ("名称 Name", "name", "@"),
    ("所属区 District", "district_code", "@"),
    ("工单量 Orders", "orders", "#,##0"),
    ("有效回访 Valid callbacks", "valid_callbacks", "#,##0"),
    ("响应率 Response", "response_rate", "0.00%"),
    ("解决率 Resolution", "resolution_rate", "0.00%"),
    ("满意率 Satisfaction", "satisfaction_rate", "0.00%"),
    ("综合得分 Composite", "composite", "0.00"),
    ("名次变化 Rank change", "rank_change", "+0;-0;0"),
    ("得分变化 Score change", "composite_change", "+0.00;-0.00;0.00"),
    ("类别 Classes", "classes", "@"),
)
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE3EA")


def to_json(payload: dict) -> bytes:
    return (json.dumps(payload, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def to_csv(payload: dict) -> bytes:
    """One row per unit; classes joined by ';'. UTF-8 with BOM so Excel on Chinese Windows reads it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in payload["rows"]:
        writer.writerow([escape_formula("" if row[c] is None else ";".join(row[c]) if c == "classes" else row[c])
                         for c in CSV_COLUMNS])  # fmt: skip
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def report_title(payload: dict) -> str:
    kind = "月度" if payload["period"] == "month" else "日"
    return f"12345 接诉即办{kind}考核排名 — {LEVEL_TITLES[payload['level']]} — {payload['date']}"


def to_xlsx(payload: dict) -> bytes:
    """Workbook with one printable sheet: heading, the four class lists, the ranking table."""
    wb = Workbook()
    ws = wb.active
    ws.title = "排名 Rankings"
    ws.append([report_title(payload)])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([f"考核期 Period: {payload['first_day']} – {payload['last_day']} ({payload['period']})"])
    ws.append([f"规则版本 Rules version: {payload['rules_version']} ({payload['rules_digest']})"])
    ws.append([f"最少有效回访 Minimum valid callbacks to be ranked: {payload['min_valid_callbacks']}"])
    ws.append([])
    if payload["period"] == "month":
        _class_lists(ws, payload["rows"])
    _table(ws, payload["rows"])
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _class_lists(ws: Worksheet, rows: list[dict]) -> None:
    """Four lists side by side isn't printable at 30 rows; one block per class, members in rank order."""
    for cls in CLASSES:
        members = class_members(rows, cls)
        ws.append([f"{CLASS_TITLES[cls]} ({len(members)})"])
        ws.cell(ws.max_row, 1).font = BOLD
        if not members:
            ws.append(["—"])
        for r in members:
            ws.append([escape_formula(v) for v in (r["rank"], r["code"], r["name"], r["orders"], r["composite"],
                                                    r["composite_change"])])  # fmt: skip
            for col, fmt in zip((1, 4, 5, 6), ("0", "#,##0", "0.00", "+0.00;-0.00;0.00"), strict=True):
                ws.cell(ws.max_row, col).number_format = fmt
        ws.append([])


def _table(ws: Worksheet, rows: list[dict]) -> None:
    ws.append([h for h, _, _ in TABLE])
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    ws.print_title_rows = f"{header_row}:{header_row}"
    for r in rows:
        values = [
            "、".join(r["classes"])
            if key == "classes"
            else ("样本不足" if key == "rank" and r[key] is None else r[key])
            for _, key, _ in TABLE
        ]
        ws.append([escape_formula(v) for v in values])
        for col, (_, _, fmt) in enumerate(TABLE, start=1):
            ws.cell(ws.max_row, col).number_format = fmt
    widths = (8, 12, 18, 10, 10, 12, 11, 11, 11, 11, 10, 11, 24)
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width


def render(payload: dict, fmt: str) -> bytes:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    return {"json": to_json, "csv": to_csv, "xlsx": to_xlsx}[fmt](payload)


def district_sheet(township_ranking: dict, district: str) -> dict:
    """A township ranking limited to one district's townships: the sheet for that district's monthly meeting."""
    return {**township_ranking, "rows": [r for r in township_ranking["rows"] if r["district_code"] == district]}

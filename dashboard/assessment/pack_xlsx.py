"""The meeting pack as a workbook: one sheet per table, printable (fit to width, title rows)."""

from __future__ import annotations

import io
import re
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from dashboard.assessment.export import BOLD, HEADER_FILL
from dashboard.assessment.pack_tables import CLASS_ZH, Section, fmt, sections

NUMBER_FORMATS = {
    "int": "#,##0", "pct": "0.0%", "score": "0.00", "delta_int": "+0;-0;0", "delta_score": "+0.00;-0.00;0.00",
    "delta_pct": "+0%;-0%;0%", "hours": "#,##0.0", "rank": "0",
}  # fmt: skip
RAW_KINDS = set(NUMBER_FORMATS)
_SHEET_CHARS = re.compile(r"[\\/*?:\[\]]")


def _value(value: Any, kind: str) -> Any:
    if kind in RAW_KINDS:
        return "样本不足" if kind == "rank" and value is None else value
    if kind == "classes":
        return "、".join(CLASS_ZH[c] for c in value)
    return fmt(value, kind)


def _sheet(wb: Workbook, section: Section, pack: dict[str, Any], first: bool) -> None:
    ws = wb.active if first else wb.create_sheet()
    ws.title = _SHEET_CHARS.sub("", section.title)[:31]
    ws.append([f"{pack['name']} {pack['month']} 月度例会材料 — {section.title}"])
    ws["A1"].font = Font(bold=True, size=13)
    period = f"考核期 {pack['first_day']} – {pack['last_day']}"
    ws.append([f"{period}；规则 {pack['rules_version']}；生成于 {pack['generated_at']}"])
    ws.append([])
    ws.append([c.header for c in section.columns])
    for cell in ws[ws.max_row]:
        cell.font, cell.fill = BOLD, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    ws.print_title_rows = f"{ws.max_row}:{ws.max_row}"
    for row in section.rows:
        ws.append([_value(row.get(c.key), c.kind) for c in section.columns])
        for i, c in enumerate(section.columns, start=1):
            if c.kind in NUMBER_FORMATS:
                ws.cell(ws.max_row, i).number_format = NUMBER_FORMATS[c.kind]
    if not section.rows:
        ws.append(["无"])
    for i, c in enumerate(section.columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(8, c.width * 0.55)
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def pack_xlsx(pack: dict[str, Any]) -> bytes:
    wb = Workbook()
    for i, section in enumerate(sections(pack)):
        _sheet(wb, section, pack, i == 0)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()

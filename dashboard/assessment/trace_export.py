"""The callbacks behind a figure as a printable workbook (issue 15), from the trace payload."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from dashboard.assessment.export import BOLD, HEADER_FILL
from dashboard.assessment.trace import FIGURE_ROWS, rows_behind

SATISFACTION_ZH = {"satisfied": "满意", "basically": "基本满意", "dissatisfied": "不满意"}
REASON_ZH = {
    "contacted not recorded": "未记录是否联系",
    "solved not recorded": "未记录是否解决",
    "satisfaction not recorded": "未记录满意度",
}
FIGURE_TITLES = {
    "response_rate": "响应率 Response",
    "resolution_rate": "解决率 Resolution",
    "satisfaction_rate": "满意率 Satisfaction",
    "composite": "综合得分 Composite",
}
COLUMNS = (
    ("工单编号 Case", 22), ("街乡镇 Township", 12), ("问题分类 Category", 14), ("回访时间 Callback", 19),
    ("是否联系 Contacted", 10), ("是否解决 Solved", 10), ("满意度 Satisfaction", 12), ("计入 Counted", 9),
    ("未计入原因 Reason", 24),
)  # fmt: skip


def yes_no(value: bool | None) -> str:
    return "—" if value is None else ("是" if value else "否")


def reason_text(reason: str | None) -> str:
    return "" if reason is None else REASON_ZH.get(reason, reason)


def row_values(row: dict) -> list:
    return [
        row["case_id"], row["township_code"], row["category"], row["callback_at"][:16].replace("T", " "),
        yes_no(row["contacted"]), yes_no(row["solved"]),
        SATISFACTION_ZH.get(row["satisfaction"], row["satisfaction"] or "—"),
        "是" if row["counted"] else "否", reason_text(row["reason"]),
    ]  # fmt: skip


def trace_xlsx(payload: dict, figure: str | None = None) -> bytes:
    """One sheet: the unit's figures and totals, then one row per callback (or those behind `figure`)."""
    rows = rows_behind(payload, figure) if figure in FIGURE_ROWS else payload["rows"]
    f, t = payload["figures"], payload["totals"]
    wb = Workbook()
    ws = wb.active
    ws.title = "回访明细 Callbacks"
    title = FIGURE_TITLES.get(figure, "全部回访 All callbacks")
    ws.append([f"{f['name']} ({payload['code']}) — {payload['date']} — {title}"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(
        [f"考核期 Period: {payload['first_day']} – {payload['last_day']}; 规则 Rules: {payload['rules_version']}"]
    )
    ws.append([
        f"有效回访 valid {t['valid_callbacks']}; 已联系 contacted {t['contacted']}; 已解决 solved {t['solved']}; "
        f"满意 satisfied {t['satisfied']}; 基本满意 basically {t['basically']}; 无效 invalid {t['invalid']}"
    ])  # fmt: skip
    ws.append([])
    ws.append([name for name, _ in COLUMNS])
    for cell in ws[ws.max_row]:
        cell.font, cell.fill = BOLD, HEADER_FILL
    ws.print_title_rows = f"{ws.max_row}:{ws.max_row}"
    for row in rows:
        ws.append(row_values(row))
    for i, (_, width) in enumerate(COLUMNS):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()

"""The pack's tables, defined once for both renderers (XLSX writes numbers, PDF writes text)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dashboard.assessment.rules import URGENCY_ZH

CLASS_ZH = {"advanced": "先进类", "improved": "进步类", "rectification": "整改类", "governance": "治理类"}
SATISFACTION_ZH = {"satisfied": "满意", "basically": "基本满意", "dissatisfied": "不满意"}
REASON_ZH = {
    "contacted not recorded": "未记录是否联系",
    "solved not recorded": "未记录是否解决",
    "satisfaction not recorded": "未记录满意度",
}
# The PDF lists this many rows per table; the XLSX has them all (the PDF says how many more).
PDF_ROWS = {"worst": 15, "repeat": 15, "overdue": 25}


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    kind: str  # text | int | pct | score | delta_int | delta_score | delta_pct | yesno | classes | ...
    width: float  # millimetres on the A4 page; the XLSX derives its widths from these


def columns(spec: str) -> tuple[Column, ...]:
    """A table's columns, one per line: header, key, kind, width in mm (headers have no spaces)."""
    rows = [line.split() for line in spec.strip().splitlines()]
    return tuple(Column(header, key, kind, float(width)) for header, key, kind, width in rows)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]]
    note: str = ""


TOWNSHIPS = columns("""
    排名 rank rank 11
    街乡镇 name text 30
    受理 orders int 14
    有效回访 valid_callbacks int 16
    响应率 response_rate pct 15
    解决率 resolution_rate pct 15
    满意率 satisfaction_rate pct 15
    综合 composite score 14
    名次变化 rank_change delta_int 15
    得分变化 composite_change delta_score 16
    类别 classes classes 25
""")
TRACED = columns("""
    工单编号 case_id text 40
    问题分类 category text 26
    回访时间 callback_at text 30
    联系 contacted yesno 12
    解决 solved yesno 12
    满意度 satisfaction satisfaction 20
    说明 problem text 46
""")
CATEGORIES = columns("""
    问题分类 category text 60
    本月受理 orders int 40
    上月受理 last_month int 40
    环比变化 change delta_pct 46
""")
REPEATS = columns("""
    来电人（脱敏） caller text 36
    街乡镇 township text 40
    问题分类 category text 40
    30天内工单 orders int 34
    最近一次 last_at text 36
""")
OVERDUE = columns("""
    工单编号 case_id text 42
    街乡镇 township text 34
    问题分类 category text 30
    紧急程度 urgency urgency 22
    办结时限 due_at text 32
    已超期（小时） hours_overdue hours 26
""")
KPI = columns("""
    指标 label text 60
    数值 value text 126
""")


def problem(row: dict[str, Any]) -> str:
    """Why this callback is in the list: what it did to the rates, or why it was not counted."""
    if not row["counted"]:
        return "未计入：" + REASON_ZH.get(row["reason"], row["reason"] or "")
    parts = [label for flag, label in ((row["contacted"] is False, "未联系"), (row["solved"] is False, "未解决"),
                                       (row["satisfaction"] == "dissatisfied", "不满意")) if flag]  # fmt: skip
    return "、".join(parts)


def fmt(value: Any, kind: str) -> str:
    """Text of a cell for the PDF (the XLSX writes the raw number with a number format)."""
    if value is None or value == []:
        return "样本不足" if kind == "rank" else "—"
    if kind == "pct":
        return f"{value * 100:.1f}%"
    if kind == "score":
        return f"{value:.1f}"
    if kind == "delta_int":
        return "持平" if value == 0 else (f"▲{value}" if value > 0 else f"▼{-value}")
    if kind == "delta_score":
        return f"{value:+.1f}"
    if kind == "delta_pct":
        return f"{value * 100:+.1f}%"
    if kind == "int":
        return f"{value:,}"
    if kind == "yesno":
        return "是" if value else "否"
    if kind == "classes":
        return "、".join(CLASS_ZH[c] for c in value)
    if kind == "satisfaction":
        return SATISFACTION_ZH.get(value, str(value))
    if kind == "urgency":
        return URGENCY_ZH.get(value, str(value))
    if kind == "hours":
        return f"{value:,.1f}"
    return str(value)


def kpi_rows(pack: dict[str, Any]) -> list[dict[str, str]]:
    k = pack["kpis"]
    rank = f"第 {k['rank']} 名 / {k['districts_ranked']}" if k["rank"] else "样本不足"
    if k["rank_change"]:
        rank += f"（较上月 {fmt(k['rank_change'], 'delta_int')}）"
    pairs = [
        ("受理工单", fmt(k["orders"], "int")), ("有效回访", fmt(k["valid_callbacks"], "int")),
        ("响应率", fmt(k["response_rate"], "pct")), ("解决率", fmt(k["resolution_rate"], "pct")),
        ("满意率", fmt(k["satisfaction_rate"], "pct")),
        ("综合得分", f"{fmt(k['composite'], 'score')}（较上月 {fmt(k['composite_change'], 'delta_score')}）"),
        ("全市排名（区）", rank), ("本月类别", fmt(k["classes"], "classes")),
        ("当前超期工单", fmt(len(pack["overdue"]), "int")), ("重复来电人", fmt(len(pack["repeat_callers"]), "int")),
    ]  # fmt: skip
    return [{"label": a, "value": b} for a, b in pairs]


def sections(pack: dict[str, Any]) -> list[Section]:
    """Every table of the pack in reading order."""
    out = [
        Section("kpis", "一、关键指标", KPI, kpi_rows(pack)),
        Section("townships", "二、街乡镇排名（全市名次）", TOWNSHIPS, pack["townships"]),
    ]
    for i, w in enumerate(pack["worst"], start=1):
        # Counted callbacks that pulled the rates down first, then those left out as invalid.
        rows = sorted(({**r, "problem": problem(r)} for r in w["rows"]), key=lambda r: not r["counted"])
        title = (
            f"三-{i}、后三名：{w['name']}（全市第 {w['rank']} 名，综合 {fmt(w['composite'], 'score')}）拉低得分的回访"
        )
        out.append(Section("worst", title, TRACED, rows))
    out += [
        Section("categories", "四、主要问题分类及环比", CATEGORIES, pack["categories"]),
        Section("repeat", "五、重复来电人（已脱敏）", REPEATS, pack["repeat_callers"]),
        Section("overdue", "六、超期未办结工单", OVERDUE, pack["overdue"]),
    ]
    return out

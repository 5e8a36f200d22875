"""Labels in Simplified Chinese (default) and English; number and countdown formats per language."""

from __future__ import annotations

LANGS = ("zh", "en")

TEXT: dict[str, dict[str, str]] = {
    "title": {"zh": "北京市12345接诉即办 运行监测", "en": "Beijing 12345 Hotline Operations"},
    "orders_today": {"zh": "今日受理", "en": "Orders today"},
    "open": {"zh": "在办", "en": "Open"},
    "overdue": {"zh": "超期", "en": "Overdue"},
    "due_2h": {"zh": "2小时内到期", "en": "Due within 2 h"},
    "response_rate": {"zh": "响应率", "en": "Response"},
    "resolution_rate": {"zh": "解决率", "en": "Resolution"},
    "satisfaction_rate": {"zh": "满意率", "en": "Satisfaction"},
    "composite": {"zh": "综合得分", "en": "Composite"},
    "mtd": {"zh": "本月累计", "en": "Month to date"},
    "vs_last_week": {"zh": "较上周同日", "en": "vs same day last week"},
    "vs_last_month": {"zh": "较上月同期", "en": "vs last month"},
    "countdowns": {"zh": "SLA 倒计时(最紧急)", "en": "SLA countdown (most urgent)"},
    "map_title": {"zh": "今日诉求分布", "en": "Orders today by area"},
    "ranking_title": {"zh": "本月街乡镇排名", "en": "Township ranking this month"},
    "data_time": {"zh": "数据时间", "en": "Data as of"},
    "live": {"zh": "实时", "en": "live"},
    "late": {"zh": "延迟", "en": "late"},
    "stale": {"zh": "数据过期", "en": "stale"},
    "waiting": {"zh": "等待数据", "en": "waiting for data"},
    "respond": {"zh": "响应", "en": "respond"},
    "resolve": {"zh": "办结", "en": "resolve"},
    "overdue_prefix": {"zh": "超期", "en": "overdue"},
    "days_suffix": {"zh": "天", "en": "d"},
    "rank": {"zh": "排名", "en": "Rank"},
    "township": {"zh": "街乡镇", "en": "Township"},
    "district": {"zh": "所属区", "en": "District"},
    "valid_callbacks": {"zh": "有效回访", "en": "Valid callbacks"},
    "insufficient": {"zh": "样本不足", "en": "insufficient sample"},
    "orders": {"zh": "受理量", "en": "Orders"},
    "no_open": {"zh": "暂无在办工单", "en": "No open orders"},
    "approximate_note": {"zh": "街乡镇边界为近似示意", "en": "Township shapes are approximate"},
    "nav_overview": {"zh": "总览", "en": "Overview"},
    "nav_map": {"zh": "热点地图", "en": "Hotspot map"},
    "nav_sla": {"zh": "SLA 看板", "en": "SLA board"},
    "nav_rankings": {"zh": "排名", "en": "Rankings"},
    "lang_switch": {"zh": "English", "en": "中文"},
    "top10": {"zh": "今日诉求集中 Top 10", "en": "Today's top 10 concentration"},
    "classes_title": {"zh": "本月分类", "en": "This month's lists"},
    "advanced": {"zh": "先进类", "en": "Advanced"},
    "improved": {"zh": "进步类", "en": "Improved"},
    "rectification": {"zh": "整改类", "en": "Rectification"},
    "governance": {"zh": "治理类", "en": "Governance"},
    "stale_warning": {
        "zh": "数据源异常,显示最后一次有效数据",
        "en": "Data source unavailable: showing the last good data",
    },
    "not_found": {"zh": "页面不存在", "en": "Page not found"},
    "back_home": {"zh": "返回总览", "en": "Back to overview"},
}

URGENCY = {
    "emergency": {"zh": "紧急", "en": "Emergency"},
    "utilities": {"zh": "水电气热", "en": "Utilities"},
    "general": {"zh": "一般", "en": "General"},
    "complex": {"zh": "疑难复杂", "en": "Complex"},
}

WEEKDAYS = {"zh": "一二三四五六日", "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]}


def t(key: str, lang: str) -> str:
    return TEXT[key]["en" if lang == "en" else "zh"]


def fmt_count(value: int | None, lang: str, compact: bool = False) -> str:
    """Thousands separators; in Chinese, 1.8万 where space is tight."""
    if value is None:
        return "—"
    if compact and lang == "zh" and abs(value) >= 10_000:
        return f"{value / 10_000:.1f}万"
    return f"{value:,}"


def fmt_rate(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def fmt_score(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def fmt_delta(value: float | None, digits: int = 1, suffix: str = "") -> tuple[str, str]:
    """Return (text with arrow and sign, direction 'up'|'down'|'flat') for a change."""
    if value is None:
        return "", "flat"
    if round(value, digits) == 0:
        return f"■ 0{suffix}", "flat"
    arrow = "▲" if value > 0 else "▼"
    return f"{arrow}{abs(value):.{digits}f}{suffix}", "up" if value > 0 else "down"


def fmt_countdown(seconds_left: float, lang: str) -> str:
    """Same format as assets/ticker.js: "2天 03:12:45", "03:12:45", "超期 01:02:03" (DESIGN.md)."""
    left = round(seconds_left)
    day = "d " if lang == "en" else "天 "

    def body(total: int) -> str:
        days, rest = divmod(total, 86400)
        hours, rest = divmod(rest, 3600)
        clock = f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"
        return f"{days}{day}{clock}" if days else clock

    if left < 0:
        return ("overdue " if lang == "en" else "超期 ") + body(-left)
    return body(left)

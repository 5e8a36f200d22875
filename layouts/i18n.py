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
    "holidays_missing": {"zh": "{years}年节假日安排未配置,按周末计算", "en": "No {years} holiday schedule"},
    "map_title": {"zh": "近24小时诉求分布", "en": "Orders in the last 24 hours"},
    "orders_24h": {"zh": "近24小时受理", "en": "Orders, 24 h"},
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
    "classes_final": {"zh": "{month} 分类(上月终榜)", "en": "Lists for {month} (final)"},
    "classes_provisional": {"zh": "{month} 分类(暂定)", "en": "Lists for {month} (provisional)"},
    "provisional": {"zh": "暂定 · 有效回访中位数 {median}", "en": "Provisional · median valid callbacks {median}"},
    "advanced": {"zh": "先进类", "en": "Advanced"},
    "improved": {"zh": "进步类", "en": "Improved"},
    "rectification": {"zh": "整改类", "en": "Rectification"},
    "governance": {"zh": "治理类", "en": "Governance"},
    "stale_warning": {
        "zh": "数据源异常,显示最后一次有效数据",
        "en": "Data source unavailable: showing the last good data",
    },
    "not_found": {"zh": "页面不存在", "en": "Page not found"},
    "cache_warning": {
        "zh": "共享缓存不可用,本机独立计算数据",
        "en": "Shared cache unavailable: this server computes its own data",
    },
    "back_home": {"zh": "返回总览", "en": "Back to overview"},
    "layer": {"zh": "图层", "en": "Layer"},
    "layer_district": {"zh": "区", "en": "Districts"},
    "layer_township": {"zh": "街乡镇", "en": "Townships"},
    "measure": {"zh": "指标", "en": "Measure"},
    "measure_orders": {"zh": "受理量", "en": "Orders"},
    "measure_vs_baseline": {"zh": "较基线倍数", "en": "vs baseline (x)"},
    "measure_overdue": {"zh": "超期在办", "en": "Overdue open"},
    "measure_composite": {"zh": "本月综合得分", "en": "Composite (month)"},
    "category": {"zh": "问题分类", "en": "Category"},
    "all_categories": {"zh": "全部分类", "en": "All categories"},
    "window": {"zh": "时间", "en": "Window"},
    "window_today": {"zh": "今日", "en": "Today"},
    "window_7d": {"zh": "近7天", "en": "7 days"},
    "window_30d": {"zh": "近30天", "en": "30 days"},
    "window_month": {"zh": "本月", "en": "Month"},
    "hotspots": {"zh": "热点预警", "en": "Hotspots"},
    "no_hotspots": {"zh": "当前无热点", "en": "No hotspots now"},
    "burst": {"zh": "突增", "en": "Burst"},
    "cluster": {"zh": "聚集", "en": "Cluster"},
    "whole_city": {"zh": "全市", "en": "Whole city"},
    "open_district": {"zh": "打开区页面", "en": "Open district page"},
    "drill_hint": {"zh": "点选区可放大,再点一次进入", "en": "Tap a district to zoom in, tap again to open it"},
    "townships_of": {"zh": "所辖街乡镇", "en": "Townships"},
    "trend_30d": {"zh": "近30天受理趋势", "en": "Orders, last 30 days"},
    "top_categories": {"zh": "主要诉求分类(近30天)", "en": "Top categories (30 days)"},
    "due_soon": {"zh": "即将超期工单", "en": "Open orders about to go overdue"},
    "repeat_callers": {"zh": "重复来电(30天内3次及以上)", "en": "Repeat callers (3+ in 30 days)"},
    "caller": {"zh": "来电人", "en": "Caller"},
    "times": {"zh": "次", "en": "calls"},
    "month_rank": {"zh": "本月排名", "en": "Rank this month"},
    "of_units": {"zh": "共", "en": "of"},
    "rank_change": {"zh": "较上月", "en": "vs last month"},
    "unknown_unit": {"zh": "未找到该区域", "en": "Unknown area"},
    "district_page": {"zh": "区运行情况", "en": "District"},
    "township_page": {"zh": "街乡镇运行情况", "en": "Township"},
    "none": {"zh": "无", "en": "None"},
    # SLA board and rankings
    "state": {"zh": "状态", "en": "State"},
    "state_overdue": {"zh": "超期", "en": "Overdue"},
    "state_critical": {"zh": "临期", "en": "Critical"},
    "state_warning": {"zh": "预警", "en": "Warning"},
    "state_ok": {"zh": "正常", "en": "On track"},
    "state_overdue_note": {"zh": "已过办理时限", "en": "past the deadline"},
    "state_critical_note": {"zh": "2小时内到期", "en": "due within 2 h"},
    "state_warning_note": {"zh": "剩余时限不足25%", "en": "< 25% of time left"},
    "state_ok_note": {"zh": "时限充足", "en": "on schedule"},
    "urgency": {"zh": "紧急程度", "en": "Urgency"},
    "deadline_kind": {"zh": "时限", "en": "Deadline"},
    "due_time": {"zh": "到期时间", "en": "Due"},
    "countdown": {"zh": "倒计时", "en": "Countdown"},
    "case_id": {"zh": "工单编号", "en": "Order no."},
    "open_orders": {"zh": "在办工单", "en": "Open orders"},
    "most_urgent": {"zh": "最紧急在办工单", "en": "Most urgent open orders"},
    "overdue_by_township": {"zh": "超期工单最多的街乡镇", "en": "Overdue orders by township"},
    "no_overdue": {"zh": "当前无超期工单", "en": "No overdue orders"},
    "all_districts": {"zh": "全部区", "en": "All districts"},
    "all_townships": {"zh": "全部街乡镇", "en": "All townships"},
    "all_urgencies": {"zh": "全部紧急程度", "en": "All urgencies"},
    "all_states": {"zh": "全部状态", "en": "All states"},
    "clear_filters": {"zh": "清除筛选", "en": "Clear filters"},
    "period": {"zh": "考核周期", "en": "Period"},
    "period_day": {"zh": "日", "en": "Day"},
    "period_month": {"zh": "月", "en": "Month"},
    "date": {"zh": "日期", "en": "Date"},
    "level": {"zh": "层级", "en": "Level"},
    "level_township": {"zh": "街乡镇", "en": "Townships"},
    "level_district": {"zh": "区", "en": "Districts"},
    "rank_title_month": {"zh": "{date} 月度{level}排名", "en": "{level} ranking, month {date}"},
    "rank_title_day": {"zh": "{date} 日{level}排名", "en": "{level} ranking, day {date}"},
    "rank_summary": {
        "zh": "{ranked} 个参与排名 · {short} 个样本不足(有效回访少于 {min} 个)",
        "en": "{ranked} ranked · {short} with an insufficient sample (under {min} valid callbacks)",
    },
    "rules_version": {"zh": "规则版本", "en": "Rules"},
    "name": {"zh": "名称", "en": "Name"},
    "rank_move": {"zh": "名次变化", "en": "Rank change"},
    "composite_change": {"zh": "得分变化", "en": "Score change"},
    "classes": {"zh": "类别", "en": "Lists"},
    "trend_6m": {"zh": "近6月得分", "en": "Last 6 months"},
    "lists_title": {"zh": "{date} 分类名单", "en": "Lists for {date}"},
    "export_xlsx": {"zh": "导出 Excel", "en": "Export Excel"},
    "export_csv": {"zh": "导出 CSV", "en": "Export CSV"},
    "no_rankings": {"zh": "该周期暂无排名数据", "en": "No ranking data for this period"},
    "insufficient_short": {"zh": "样本不足", "en": "low sample"},
    # Trace, forecast, targets, meeting pack, what-if (issue 15)
    "trace_hint": {"zh": "点击指标查看明细", "en": "Tap a rate to see its orders"},
    "trace_title": {"zh": "{figure}明细 · {name} · {date}", "en": "{figure}: the orders behind it · {name} · {date}"},
    "trace_all": {"zh": "全部回访", "en": "All callbacks"},
    "trace_summary": {
        "zh": "有效回访 {valid} 条：已联系 {contacted}，已解决 {solved}，满意 {satisfied}，"
        "基本满意 {basically}；未计入 {invalid} 条。下表列出{what}。",
        "en": "{valid} valid callbacks: {contacted} contacted, {solved} solved, {satisfied} satisfied, "
        "{basically} basically; {invalid} not counted. Listed: {what}.",
    },
    "trace_what_response_rate": {
        "zh": "未联系的回访及未计入的回访",
        "en": "callbacks not contacted, and those not counted",
    },
    "trace_what_resolution_rate": {
        "zh": "未解决的回访及未计入的回访",
        "en": "callbacks not solved, and those not counted",
    },
    "trace_what_satisfaction_rate": {
        "zh": "不满意、基本满意的回访及未计入的回访",
        "en": "dissatisfied and basically satisfied callbacks, and those not counted",
    },
    "trace_what_composite": {"zh": "全部回访", "en": "every callback"},
    "trace_denied": {"zh": "无权查看该区域的工单明细", "en": "You may not see this area's orders"},
    "close": {"zh": "关闭", "en": "Close"},
    "callback_at": {"zh": "回访时间", "en": "Callback"},
    "contacted": {"zh": "联系", "en": "Contacted"},
    "solved": {"zh": "解决", "en": "Solved"},
    "satisfaction": {"zh": "满意度", "en": "Satisfaction"},
    "counted": {"zh": "计入", "en": "Counted"},
    "reason": {"zh": "说明", "en": "Note"},
    "not_contacted": {"zh": "未联系", "en": "not contacted"},
    "not_solved": {"zh": "未解决", "en": "not solved"},
    "yes": {"zh": "是", "en": "yes"},
    "no": {"zh": "否", "en": "no"},
    "sat_satisfied": {"zh": "满意", "en": "satisfied"},
    "sat_basically": {"zh": "基本满意", "en": "basically"},
    "sat_dissatisfied": {"zh": "不满意", "en": "dissatisfied"},
    "reason_contacted not recorded": {"zh": "未计入：未记录是否联系", "en": "not counted: contact not recorded"},
    "reason_solved not recorded": {"zh": "未计入：未记录是否解决", "en": "not counted: solved not recorded"},
    "reason_satisfaction not recorded": {"zh": "未计入：未记录满意度", "en": "not counted: no satisfaction"},
    "forecast_title": {"zh": "月末预计", "en": "Month-end forecast"},
    "forecast_risk": {"zh": "月末预计：整改类风险 {p}", "en": "Month end: rectification risk {p}"},
    "forecast_detail": {
        "zh": "综合得分 {mid}（80%区间 {lo}–{hi}） · 排名约第 {rank} 名（{rlo}–{rhi}） · 先进类 {adv} · 进步类 {imp}",
        "en": "composite {mid} (80% interval {lo}–{hi}) · rank about {rank} ({rlo}–{rhi}) · "
        "advanced {adv} · improved {imp}",
    },
    "forecast_basis": {
        "zh": "依据截至 {as_of} 的 {n} 条有效回访，月末预计约 {expected} 条；{sims} 次模拟",
        "en": "from {n} valid callbacks to {as_of}, about {expected} expected by month end; {sims} simulations",
    },
    "forecast_unranked": {"zh": "月末预计样本不足，不参与排名", "en": "Month end: likely an insufficient sample"},
    "computing": {"zh": "正在计算…", "en": "computing…"},
    "at_risk": {"zh": "整改类风险（月末预计）", "en": "At risk of rectification (month-end forecast)"},
    "no_risk": {"zh": "暂无街乡镇整改类风险超过 20%", "en": "No township above 20% rectification risk"},
    "risk": {"zh": "风险", "en": "Risk"},
    "projected": {"zh": "预计得分", "en": "Projected"},
    "targets_title": {"zh": "目标完成度（实际 / 目标）", "en": "Against targets (actual / target)"},
    "target": {"zh": "目标", "en": "Target"},
    "win_day": {"zh": "当日", "en": "Day"},
    "win_week": {"zh": "本周", "en": "Week"},
    "win_month": {"zh": "本月", "en": "Month"},
    "win_quarter": {"zh": "本季度", "en": "Quarter"},
    "pack_title": {"zh": "月度例会材料", "en": "Monthly meeting pack"},
    "pack_month": {"zh": "{month} 月", "en": "{month}"},
    "nav_whatif": {"zh": "规则推演", "en": "What-if"},
    "whatif_title": {"zh": "规则推演：修改规则后重算历史月份", "en": "What-if: a changed rules file on a past month"},
    "whatif_note": {
        "zh": "仅预览，不改变正式排名。可修改下方规则（权重、基本满意折算、类别名额、最少样本）或上传 TOML 文件。",
        "en": "Preview only: the official rankings never change. Edit the rules below (weights, credit, "
        "list sizes, minimum sample) or upload a TOML file.",
    },
    "whatif_upload": {"zh": "拖入或选择规则文件（.toml）", "en": "Drop or choose a rules file (.toml)"},
    "whatif_run": {"zh": "推演", "en": "Preview"},
    "whatif_month": {"zh": "月份", "en": "Month"},
    "whatif_changed": {"zh": "{n} 个单位类别变化", "en": "{n} units change list"},
    "whatif_none": {"zh": "没有单位的类别发生变化", "en": "No unit changes list"},
    "whatif_hint": {"zh": "修改规则后点击“推演”", "en": "Change the rules, then press Preview"},
    "official": {"zh": "正式", "en": "Official"},
    "whatif": {"zh": "推演", "en": "What-if"},
    # Hot words, alerts, screens (issue 16)
    "hot_words": {"zh": "诉求热词(近24小时突增)", "en": "Hot words (surging, 24 h)"},
    "no_hot_words": {"zh": "当前无突增热词", "en": "No surging words now"},
    "word_orders": {"zh": "含“{word}”的工单(近24小时)", "en": "Orders naming “{word}” (24 h)"},
    "clear_word": {"zh": "取消热词筛选", "en": "Clear the word"},
    "no_case_access": {"zh": "无权查看工单明细", "en": "Case details are not available to this viewer"},
    "nav_alerts": {"zh": "预警", "en": "Alerts"},
    "nav_screens": {"zh": "大屏", "en": "Screens"},
    "alerts_title": {"zh": "预警记录", "en": "Alerts"},
    "no_alerts": {"zh": "暂无预警", "en": "No alerts yet"},
    "acknowledge": {"zh": "确认", "en": "Acknowledge"},
    "acknowledged": {"zh": "已确认", "en": "Acknowledged"},
    "unacknowledged": {"zh": "待确认", "en": "To acknowledge"},
    "delivery": {"zh": "推送", "en": "Delivery"},
    "kind_due_soon": {"zh": "超期预警", "en": "Due soon"},
    "kind_hotspot": {"zh": "热点预警", "en": "Hotspot"},
    "kind_concentration": {"zh": "诉求集中", "en": "Concentration"},
    "kind_stale": {"zh": "数据中断", "en": "Pipeline stale"},
    "screens_title": {"zh": "大屏运行状态", "en": "Wall screens"},
    "no_screens": {
        "zh": "还没有大屏上报心跳(大屏地址加 ?kiosk=1&screen=名称)",
        "en": "No screen has reported yet (open the wall with ?kiosk=1&screen=NAME)",
    },
    "screen": {"zh": "大屏", "en": "Screen"},
    "page": {"zh": "页面", "en": "Page"},
    "last_seen": {"zh": "最近心跳", "en": "Last heartbeat"},
    "last_render": {"zh": "最近刷新", "en": "Last render"},
    "heap": {"zh": "内存", "en": "JS heap"},
    "screen_ok": {"zh": "正常", "en": "OK"},
    "screen_stale": {"zh": "停滞", "en": "Stale"},
    "screen_gone": {"zh": "离线", "en": "Gone"},
    "reload": {"zh": "远程刷新", "en": "Reload"},
    "reload_pending": {"zh": "等待刷新", "en": "Reload pending"},
    "seconds_ago": {"zh": "{n} 秒前", "en": "{n} s ago"},
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

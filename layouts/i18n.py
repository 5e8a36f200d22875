"""Labels in Simplified Chinese (default) and English; number and countdown formats per language.

The labels are data (layouts/i18n.toml), one entry per id with its zh/en pair; `t` looks one up.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

LANGS = ("zh", "en")

TEXT_FILE = Path(__file__).with_name("i18n.toml")


def _load_text() -> dict[str, dict[str, str]]:
    """The label table (layouts/i18n.toml: one entry per id, both languages); a label missing a
    language fails at import, not on the one screen that shows it."""
    text = tomllib.loads(TEXT_FILE.read_text(encoding="utf-8"))
    incomplete = sorted(key for key, pair in text.items() if set(pair) != set(LANGS))
    if incomplete:
        raise ValueError(f"{TEXT_FILE}: labels without exactly {LANGS}: {incomplete}")
    return text


TEXT: dict[str, dict[str, str]] = _load_text()

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

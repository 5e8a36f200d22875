"""Load and validate the assessment rules file (TOML) into typed, immutable objects.

Every error names the offending field (e.g. `composite.resolution`), because the person fixing a
rules file is an administrator reading a start-up log, not a Python developer.
"""

from __future__ import annotations

import hashlib
import math
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

URGENCIES = ("emergency", "utilities", "general", "complex")
URGENCY_ZH = {
    "emergency": "紧急",
    "utilities": "水电气热",
    "general": "一般",
    "complex": "疑难复杂",
}  # as 12345 writes them
CLASSES = ("advanced", "improved", "rectification", "governance")
LEVELS = ("township", "district")
SLA_MODES = ("natural", "working_days")
# Measures a target may be set for (issue 15): rates as fractions 0-1, the composite 0-100.
TARGET_MEASURES = ("response_rate", "resolution_rate", "satisfaction_rate", "composite")


class RulesError(ValueError):
    """The rules file is missing a field or has a value out of range."""


@dataclass(frozen=True)
class UrgencyRule:
    label_zh: str
    respond: timedelta
    resolve: timedelta
    # Day-sized windows are counted in working days in working_days mode; hour windows never are.
    resolve_in_days: bool


@dataclass(frozen=True)
class HotWordRules:
    """诉求热词 (dashboard/assessment/hotwords.py): what makes a word hot."""

    window_hours: int = 24
    baseline_days: int = 7
    min_count: int = 5
    min_ratio: float = 3.0
    p_value: float = 0.001
    top_n: int = 10


@dataclass(frozen=True)
class AlertRules:
    """Alerts pushed to the people on duty (dashboard/alerts/); channels are checked by that package."""

    quiet_minutes: float = 30.0
    due_soon_minutes: float = 60.0
    due_soon_urgencies: tuple[str, ...] = ("emergency", "utilities")
    hotspot_bursts: bool = True
    concentration_factor: float = 3.0
    concentration_min_orders: int = 30
    stale_seconds: float = 120.0
    channels: tuple[dict, ...] = ()


@dataclass(frozen=True)
class Rules:
    version: str
    basically_credit: float
    w_response: float
    w_resolution: float
    w_satisfaction: float
    day_cutoff_hour: int
    month_cutoff_day: int
    final_classes_until_day: int
    min_valid_callbacks: int
    class_sizes: dict[str, dict[str, int]]
    sla_mode: str
    urgency: dict[str, UrgencyRule]
    warning_fraction: float
    critical: timedelta
    repeat_min_orders: int
    repeat_window_days: int
    hotspot_window_hours: int
    hotspot_baseline_days: int
    hotspot_min_count: int
    hotspot_p_value: float
    hotspot_fdr: float
    cluster_radius_m: float
    cluster_min: int
    concentration_top_n: int
    digest: str  # changes whenever any value changes; snapshots and exports carry it
    # {level: {measure: target}}; optional table, so older rules files stay valid (no targets shown)
    targets: dict[str, dict[str, float]] = field(default_factory=dict)
    hot_words: HotWordRules = HotWordRules()
    alerts: AlertRules = AlertRules()


def _get(data: dict, path: str) -> Any:
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            raise RulesError(f"rules: missing field `{path}`")
        node = node[part]
    return node


def _number(data: dict, path: str, lo: float, hi: float, integer: bool = False) -> Any:
    value = _get(data, path)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RulesError(f"rules: `{path}` must be a number, got {value!r}")
    if integer and not float(value).is_integer():
        raise RulesError(f"rules: `{path}` must be a whole number, got {value!r}")
    if not (lo <= value <= hi):
        raise RulesError(f"rules: `{path}` = {value!r} is outside {lo}..{hi}")
    return int(value) if integer else float(value)


def _urgency(data: dict, key: str) -> UrgencyRule:
    base = f"sla.urgency.{key}"
    node = _get(data, base)
    respond = timedelta(hours=_number(data, f"{base}.respond_hours", 0.01, 24 * 30))
    if ("resolve_hours" in node) == ("resolve_days" in node):
        raise RulesError(f"rules: `{base}` needs exactly one of resolve_hours or resolve_days")
    if "resolve_days" in node:
        resolve = timedelta(days=_number(data, f"{base}.resolve_days", 1, 365, integer=True))
    else:
        resolve = timedelta(hours=_number(data, f"{base}.resolve_hours", 0.01, 24 * 365))
    if resolve < respond:
        raise RulesError(f"rules: `{base}` resolves before it must respond")
    return UrgencyRule(str(node.get("label_zh", key)), respond, resolve, "resolve_days" in node)


_URGENCY_KEYS = {"label_zh": None, "respond_hours": None, "resolve_hours": None, "resolve_days": None}
# Every key a rules file may hold; anything else is a typo that would otherwise be ignored silently.
_KNOWN: dict[str, Any] = {
    "version": None,
    "rates": {"basically_satisfied_credit": None},
    "composite": {"response": None, "resolution": None, "satisfaction": None},
    "periods": {"day_cutoff_hour": None, "month_cutoff_day": None, "final_classes_until_day": None},
    "ranking": {"min_valid_callbacks": None},
    "classes": {level: dict.fromkeys(CLASSES) for level in LEVELS},
    "concentration": {"top_n": None},
    "sla": {"mode": None, "urgency": {u: _URGENCY_KEYS for u in URGENCIES}},
    "countdown": {"warning_fraction": None, "critical_hours": None},
    "repeat_complainant": {"min_orders": None, "window_days": None},
    "hotspots": dict.fromkeys(
        (
            "window_hours",
            "baseline_days",
            "min_count",
            "p_value",
            "false_discovery_rate",
            "cluster_radius_m",
            "cluster_min",
        )
    ),
    "targets": {level: dict.fromkeys(TARGET_MEASURES) for level in LEVELS},
    "hotwords": dict.fromkeys(HotWordRules.__dataclass_fields__),
    "alerts": dict.fromkeys(AlertRules.__dataclass_fields__),
}
_KIND = {
    "targets": "level",
    "classes": "level",
    "classes.township": "class",
    "classes.district": "class",
    "sla.urgency": "urgency",
}


def _reject_unknown(data: dict, known: dict, prefix: str = "") -> None:
    for key, value in data.items():
        path = f"{prefix}{key}"
        if key not in known:
            kind = _KIND.get(prefix.rstrip("."), "field")
            raise RulesError(f"rules: unknown {kind} `{path}` (known: {', '.join(known)})")
        if isinstance(known[key], dict) and isinstance(value, dict):
            _reject_unknown(value, known[key], f"{path}.")


def _targets(data: dict) -> dict[str, dict[str, float]]:
    """Targets present in the file, each in its measure's range (a rate 0-1, the composite 0-100)."""
    out: dict[str, dict[str, float]] = {}
    tables = data.get("targets", {})
    if not isinstance(tables, dict) or not all(isinstance(v, dict) for v in tables.values()):
        raise RulesError("rules: `targets` must be tables [targets.township] / [targets.district]")
    for level, measures in tables.items():
        out[level] = {
            m: _number(data, f"targets.{level}.{m}", 0.0001, 100 if m == "composite" else 1) for m in measures
        }
    return out


def parse_rules(data: dict, digest: str = "") -> Rules:
    """Validate a parsed TOML document; raise RulesError naming the first bad field."""
    _reject_unknown(data, _KNOWN)
    weights = [_number(data, f"composite.{k}", 0, 1) for k in ("response", "resolution", "satisfaction")]
    if not math.isclose(sum(weights), 1.0, abs_tol=1e-9):
        raise RulesError(f"rules: `composite` weights must add up to 1, they add up to {sum(weights):g}")
    class_sizes = {
        level: {c: _number(data, f"classes.{level}.{c}", 0, 1000, integer=True) for c in CLASSES} for level in LEVELS
    }
    mode = _get(data, "sla.mode")
    if mode not in SLA_MODES:
        raise RulesError(f"rules: `sla.mode` must be one of {', '.join(SLA_MODES)}, got {mode!r}")
    version = _get(data, "version")
    if not isinstance(version, str) or not version.strip():
        raise RulesError("rules: `version` must be a non-empty string")
    return Rules(
        version=version,
        basically_credit=_number(data, "rates.basically_satisfied_credit", 0, 1),
        w_response=weights[0],
        w_resolution=weights[1],
        w_satisfaction=weights[2],
        day_cutoff_hour=_number(data, "periods.day_cutoff_hour", 0, 23, integer=True),
        month_cutoff_day=_number(data, "periods.month_cutoff_day", 1, 28, integer=True),
        final_classes_until_day=_number(data, "periods.final_classes_until_day", 1, 28, integer=True),
        min_valid_callbacks=_number(data, "ranking.min_valid_callbacks", 0, 100000, integer=True),
        class_sizes=class_sizes,
        sla_mode=mode,
        urgency={k: _urgency(data, k) for k in URGENCIES},
        warning_fraction=_number(data, "countdown.warning_fraction", 0, 1),
        critical=timedelta(hours=_number(data, "countdown.critical_hours", 0, 240)),
        repeat_min_orders=_number(data, "repeat_complainant.min_orders", 2, 1000, integer=True),
        repeat_window_days=_number(data, "repeat_complainant.window_days", 1, 366, integer=True),
        hotspot_window_hours=_number(data, "hotspots.window_hours", 1, 24 * 31, integer=True),
        hotspot_baseline_days=_number(data, "hotspots.baseline_days", 1, 366, integer=True),
        hotspot_min_count=_number(data, "hotspots.min_count", 1, 100000, integer=True),
        hotspot_p_value=_number(data, "hotspots.p_value", 1e-12, 0.5),
        hotspot_fdr=_number(data, "hotspots.false_discovery_rate", 1e-6, 0.5),
        cluster_radius_m=_number(data, "hotspots.cluster_radius_m", 1, 10000),
        cluster_min=_number(data, "hotspots.cluster_min", 2, 100000, integer=True),
        concentration_top_n=_number(data, "concentration.top_n", 1, 1000, integer=True),
        digest=digest,
        targets=_targets(data),
        hot_words=_hot_words(data),
        alerts=_alerts(data),
    )


# Optional sections (absent: the defaults above, which rules.toml documents): (low, high, integer).
_HOT_WORD_BOUNDS = {"window_hours": (1, 24 * 7, True), "baseline_days": (1, 90, True), "min_count": (1, 100000, True),
                    "min_ratio": (1, 1000, False), "p_value": (1e-12, 0.5, False), "top_n": (1, 100, True)}  # fmt: skip
_ALERT_BOUNDS = {"quiet_minutes": (0, 24 * 60, False), "due_soon_minutes": (1, 24 * 60, False),
                 "concentration_factor": (1, 1000, False), "concentration_min_orders": (1, 100000, True),
                 "stale_seconds": (10, 86400, False)}  # fmt: skip


def _numbers(data: dict, section: str, bounds: dict[str, tuple]) -> dict[str, Any]:
    given = data.get(section, {})
    return {k: _number(data, f"{section}.{k}", *bound) for k, bound in bounds.items() if k in given}


def _hot_words(data: dict) -> HotWordRules:
    return HotWordRules(**_numbers(data, "hotwords", _HOT_WORD_BOUNDS))


def _alerts(data: dict) -> AlertRules:
    given = data.get("alerts", {})
    values: dict[str, Any] = _numbers(data, "alerts", _ALERT_BOUNDS)
    if "due_soon_urgencies" in given:
        urgencies = given["due_soon_urgencies"]
        if not isinstance(urgencies, list) or not set(urgencies) <= set(URGENCIES):
            raise RulesError(f"rules: `alerts.due_soon_urgencies` must list some of {', '.join(URGENCIES)}")
        values["due_soon_urgencies"] = tuple(urgencies)
    if "hotspot_bursts" in given:
        if not isinstance(given["hotspot_bursts"], bool):
            raise RulesError("rules: `alerts.hotspot_bursts` must be true or false")
        values["hotspot_bursts"] = given["hotspot_bursts"]
    if "channels" in given:
        if not isinstance(given["channels"], list) or not all(isinstance(c, dict) for c in given["channels"]):
            raise RulesError("rules: `alerts.channels` must be a list of tables ([[alerts.channels]])")
        values["channels"] = tuple(given["channels"])
    return AlertRules(**values)


def load_rules(path: Path) -> Rules:
    """Read, parse and validate a rules file; errors name the file and the field."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise RulesError(f"rules: cannot read {path}: {exc.strerror}") from exc
    return rules_from_bytes(raw, str(path))


def rules_from_bytes(raw: bytes, source: str) -> Rules:
    """Parse and validate a rules document held in memory (an upload, a pasted file)."""
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RulesError(f"rules: {source} is not valid TOML: {exc}") from exc
    return parse_rules(data, digest=hashlib.sha256(raw).hexdigest()[:12])

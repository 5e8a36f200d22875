"""The snapshot contract: every field a screen or `/api/v1/snapshot` reads, its unit and its lane.

The poller's `build_snapshot` returns a `Snapshot`; it travels as JSON through the cache, so every
value is a JSON type (times are ISO 8601 strings with offset, rates fractions 0-1, composites
0-100). Lanes: *fast* = recomputed every tick from the open-case set and one indexed query;
*slow* = recomputed from the rollups every few tens of seconds in the background and carried over
(`snapshot.SLOW_SECONDS`); *static* = reference data read once per process; *poller* = set by the
poller around the build (staleness). Views read parts through `parts()`, which fills what a
snapshot may lack (none yet, or one from an older build), so no view needs `.get(...)` chains.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict


class Rates(TypedDict):
    """City rates over a range of assessment days (slow): counts and fractions 0-1, composite 0-100."""

    valid_callbacks: int
    response_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None
    composite: float | None


class Kpis(TypedDict):
    """Headline counts (fast) and month-to-date rates (slow)."""

    orders_today: int  # received since local midnight
    orders_same_weekday_last_week: int  # same span of the same weekday a week ago
    open: int  # open orders now
    overdue: int  # open orders past their current deadline
    due_2h: int  # open orders whose current deadline is under 2 h away
    month_to_date: Rates
    previous_month_same_days: Rates  # the previous month over as many days, for the trend arrow


class Countdown(TypedDict):
    """One of the most urgent open orders (fast); the browser ticks it from `due_at`."""

    case_id: str
    township_code: str
    district_code: str
    township_name: str | None
    district_name: str | None
    category: str
    subcategory: str | None
    urgency: str  # emergency | utilities | general | complex
    dispatched_at: str | None
    due_at: str | None  # the deadline that matters now: first contact until responded, then resolution
    due_kind: str  # respond | resolve
    state: str  # ok | warning | critical | overdue, at build time
    respond_due_at: str | None
    resolve_due_at: str | None


class MapValues(TypedDict, total=False):
    """One unit's values on the map (fast, plus slow window totals and composite)."""

    orders_today: int
    open: int
    overdue: int
    orders_24h: int
    vs_baseline: float | None  # last 24 h / own mean day over the baseline days
    composite: float | None  # month to date


class RankingRow(TypedDict):
    """One unit in a ranking (BRIEF 5 rankings contract)."""

    code: str
    name: str
    district_code: str
    orders: int
    valid_callbacks: int
    response_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None
    composite: float | None
    rank: int | None  # None: insufficient sample
    classes: list[str]
    composite_change: NotRequired[float | None]
    rank_change: NotRequired[int | None]


class Ranking(TypedDict):
    """One period and level of rankings (slow)."""

    period: str  # day | month
    date: str  # YYYY-MM-DD | YYYY-MM
    level: str  # township | district
    rules_version: str
    rows: list[RankingRow]


class TopTownship(TypedDict):
    """Today's complaint concentration list (slow)."""

    position: int
    code: str
    name: str
    district_code: str
    orders: int
    top_category: str | None
    top_category_orders: int | None


class Hotspot(TypedDict, total=False):
    """A burst (township x category above its own baseline) or a point cluster (slow), with its evidence."""

    kind: str  # burst | cluster
    township_code: str
    district_code: str
    category: str
    count: int
    window_hours: int
    expected: float  # burst: expected orders in the window
    baseline_days: int  # burst
    factor: float  # burst: count / expected
    radius_m: float  # cluster
    lat: float  # cluster centre
    lon: float
    reason: str


class RepeatCaller(TypedDict, total=False):
    """A caller with repeated orders in one township and category (slow); no caller data on aggregates."""

    township_code: str
    district_code: str
    category: str
    orders: int
    first_at: str
    last_at: str
    reason: str


class Names(TypedDict):
    """Reference names by code (static)."""

    township: dict[str, str]
    district: dict[str, str]
    district_en: dict[str, str]
    township_district: dict[str, str]


class Stale(TypedDict):
    """Set by the poller when a tick failed: the last good data stays on screen, marked."""

    since: str
    reason: str


class Snapshot(TypedDict):
    """What every viewer reads, one per tick."""

    version: int  # increases with every publication
    generated_at: str  # when this data was built (unchanged while stale)
    data_as_of: str | None  # newest change the pipeline has read
    rules_version: str
    rules_digest: str
    assessment_day: str  # YYYY-MM-DD under the day cut-off
    month: str  # YYYY-MM: the assessment month of that day
    townships_approximate: bool  # township shapes are approximate cells
    kpis: Kpis
    countdowns: list[Countdown]  # the most urgent open orders, most urgent first
    open_cases: dict[str, list]  # every open order as compact columns (the SLA board)
    names: Names
    map: dict[str, dict[str, MapValues]]  # layer (township | district) -> code -> values
    category_orders: dict[str, dict[str, dict[str, int]]]  # window -> township -> category -> orders
    trend: dict[str, Any]  # daily orders, city and per district, over the last 30 days
    top10_today: list[TopTownship]
    rankings: dict[str, Ranking]  # "<day|month>_<township|district>"
    history: dict[str, Any]  # level -> {"months", "series"}: composite per month for sparklines
    hotspots: list[Hotspot]
    repeat_callers: list[RepeatCaller]
    stale: NotRequired[Stale | None]


def _empty_rates() -> Rates:
    return {"valid_callbacks": 0, "response_rate": None, "resolution_rate": None, "satisfaction_rate": None,
            "composite": None}  # fmt: skip


def empty_snapshot() -> Snapshot:
    """A snapshot with every part present and empty: what views render before the first tick."""
    return {
        "version": 0, "generated_at": "", "data_as_of": None, "rules_version": "", "rules_digest": "",
        "assessment_day": "", "month": "", "townships_approximate": True,
        "kpis": {"orders_today": 0, "orders_same_weekday_last_week": 0, "open": 0, "overdue": 0, "due_2h": 0,
                 "month_to_date": _empty_rates(), "previous_month_same_days": _empty_rates()},
        "countdowns": [], "open_cases": {},
        "names": {"township": {}, "district": {}, "district_en": {}, "township_district": {}},
        "map": {"township": {}, "district": {}}, "category_orders": {}, "trend": {}, "top10_today": [],
        "rankings": {}, "history": {}, "hotspots": [], "repeat_callers": [], "stale": None,
    }  # fmt: skip


def parts(snapshot: dict[str, Any] | None) -> Snapshot:
    """`snapshot` with every top-level part present (defaults from `empty_snapshot`)."""
    return {**empty_snapshot(), **(snapshot or {})}  # type: ignore[typeddict-item]


def ranking(snapshot: Snapshot, kind: str, level: str) -> list[RankingRow]:
    """The rows of one of the snapshot's rankings, empty until the slow lane has built it."""
    part = snapshot["rankings"].get(f"{kind}_{level}")
    return part["rows"] if part else []

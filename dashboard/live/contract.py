"""The snapshot contract: every field a screen or `/api/v1/snapshot` reads, its unit and its lane.

The poller's `build_snapshot` returns a `Snapshot`; it travels as JSON through the cache, so every
value is a JSON type (times are ISO 8601 strings with offset, rates fractions 0-1, composites
0-100). Lanes: *fast* = recomputed every tick from the open-case set and one indexed query;
*slow* = recomputed from the rollups every few tens of seconds in the background and carried over
(`snapshot.SLOW_SECONDS`); *static* = reference data read once per process; *poller* = set by the
poller around the build (staleness); *scope* = set by `dashboard.access.filtering` for one viewer.
Views take a `Snapshot` that went through `parts()` once (callbacks' `AppContext.snapshot()`), which
fills what a snapshot may lack (one from an older build, a hand-made one in a test), so views index
parts directly; `None` means no snapshot yet (views show their placeholders). The accessors below
answer the lookups several views share.
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
    """One of the most urgent open orders (fast); the browser ticks it from `due_at`. A wall's rows keep
    place, category, urgency and deadline only (scope: no case id)."""

    case_id: NotRequired[str]
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
    """One unit's values on the map (fast, plus slow window totals and composite); empty for an unknown unit."""

    orders_today: int  # received this assessment day (fast; then the slow lane's `today` window total)
    open: int  # open orders now (fast)
    overdue: int  # open orders past their current deadline (fast)
    orders_24h: int  # received in the last 24 h (fast): the overview's map
    orders_7d: int  # one total per window of `category_orders` (slow)
    orders_30d: int
    orders_month: int
    vs_baseline: float | None  # last 24 h / own mean day over the baseline days
    composite: float | None  # month to date


class RankingRow(TypedDict):
    """One unit in a ranking (BRIEF 5 rankings contract): rates fractions 0-1, composite 0-100."""

    code: str
    name: str  # in Chinese; views pass it through `layouts.names.tr`
    district_code: str  # the district itself on a district ranking
    orders: int  # received in the period
    valid_callbacks: int  # callbacks that count for the rates
    response_rate: float | None  # None: no valid callback
    resolution_rate: float | None
    satisfaction_rate: float | None
    composite: float | None
    rank: int | None  # None: insufficient sample
    classes: list[str]  # advanced | improved | rectification | governance
    sufficient_sample: NotRequired[bool]
    previous_rank: NotRequired[int | None]  # in the previous period of the same kind
    rank_change: NotRequired[int | None]  # places gained (positive) since the previous period
    previous_composite: NotRequired[float | None]
    composite_change: NotRequired[float | None]  # points since the previous period


class Ranking(TypedDict):
    """One period and level of rankings (slow), as `rankings_payload` builds it for every reader."""

    period: str  # day | month
    date: str  # YYYY-MM-DD | YYYY-MM
    level: str  # township | district
    rules_version: str
    rules_digest: NotRequired[str]
    first_day: NotRequired[str]  # YYYY-MM-DD, the period's assessment days
    last_day: NotRequired[str]
    min_valid_callbacks: NotRequired[int]  # below it a unit is not ranked
    median_valid_callbacks: NotRequired[float | None]  # what a provisional ranking rests on
    rollups_stamp: NotRequired[str]  # changes when a rollup the payload read changes (a cache key)
    provisional: NotRequired[bool]  # set by the rankings page's reader: the month is not closed
    rows: list[RankingRow]  # ranked units by rank, then the unranked by code


class ClassesShown(TypedDict):
    """Which month the overview's class lists show (slow): early in a month, the closed month's final lists."""

    month: str  # YYYY-MM
    final: bool
    key: str  # the `Rankings` key of the rows: classes_township (final) | month_township (provisional)


class Rankings(TypedDict, total=False):
    """The slow lane's rankings ("<day|month>_<township|district>"), absent until it has built them."""

    month_township: Ranking
    month_district: Ranking
    day_township: Ranking
    day_district: Ranking
    classes: ClassesShown
    classes_township: Ranking  # the closed month's final township ranking, while `classes.final`


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
    count: int  # orders in the window
    window_hours: int
    reason: str  # the detector's evidence in one English sentence (logs, API)
    expected: float  # burst: expected orders in the window from the unit's own baseline
    baseline_daily_mean: float  # burst
    baseline_days: int  # burst
    city_shift: float  # burst: the city-wide change the expectation allows for
    factor: float  # burst: count / expected
    p_value: float  # burst
    method: str  # burst: the test used
    window_start: str  # burst
    window_end: str  # burst
    radius_m: float  # cluster
    lat: float  # cluster centre (WGS-84)
    lon: float
    first_at: str  # cluster
    last_at: str  # cluster
    case_ids: list[str]  # evidence: only inside the viewer's scope, never on a wall


class RepeatCaller(TypedDict, total=False):
    """A caller with repeated orders in one township and category (slow); no caller data on aggregates."""

    township_code: str
    district_code: str
    category: str
    orders: int
    first_at: str
    last_at: str
    reason: str
    caller_hash: str  # built only; never leaves the server (dashboard.access.filtering)
    caller_tag: str | None  # scope: six characters, enough to tell callers apart on one screen
    case_ids: list[str]


class HotWord(TypedDict, total=False):
    """A word surging in the orders' descriptions (slow): this window against its own baseline."""

    word: str
    count: int  # orders naming it in the window
    expected: float  # its mean count per window over the baseline days
    ratio: float  # count / expected
    score: float  # -log10 p of the count under the baseline
    townships: dict[str, int]  # city words only: township code -> orders naming it (the map)


class HotWords(TypedDict, total=False):
    """Hot words (slow); empty while the detector warms up its baseline days."""

    window_hours: int
    baseline_days: int
    as_of: str
    city: list[HotWord]  # hottest first
    district: dict[str, list[HotWord]]  # district code -> its hot words


class Trend(TypedDict):
    """Orders per day over the last 30 days (slow)."""

    days: list[str]  # YYYY-MM-DD, the x axis of every series
    city: list[int]
    district: dict[str, list[int]]  # code -> one count per day
    township: dict[str, list[int]]


class Names(TypedDict):
    """Reference names by code (static)."""

    township: dict[str, str]  # code -> Chinese name
    district: dict[str, str]
    district_en: dict[str, str]  # district code -> English name
    township_district: dict[str, str]  # township code -> its district code


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
    holidays_missing: list[int]  # years a deadline reaches without an official holiday schedule (fast)
    assessment_day: str  # YYYY-MM-DD under the day cut-off
    month: str  # YYYY-MM: the assessment month of that day
    townships_approximate: bool  # township shapes are approximate cells
    kpis: Kpis
    countdowns: list[Countdown]  # the most urgent open orders, most urgent first
    names: Names
    map: dict[str, dict[str, MapValues]]  # layer (township | district) -> code -> values
    category_orders: dict[str, dict[str, dict[str, int]]]  # window -> township -> category -> orders
    trend: Trend
    top10_today: list[TopTownship]
    rankings: Rankings
    history: dict[str, Any]  # level -> {"months", "series", "stamp"}: composite per month for sparklines
    hotspots: list[Hotspot]
    hot_words: HotWords
    repeat_callers: list[RepeatCaller]
    stale: NotRequired[Stale | None]
    cache_degraded: NotRequired[str | None]  # poller: the shared cache is down, this server computes its own
    viewer: NotRequired[str]  # scope: the key of the scope this copy was cut to


def _empty_rates() -> Rates:
    return {"valid_callbacks": 0, "response_rate": None, "resolution_rate": None, "satisfaction_rate": None,
            "composite": None}  # fmt: skip


def empty_snapshot() -> Snapshot:
    """A snapshot with every part present and empty: the defaults `parts()` fills in."""
    return {
        "version": 0, "generated_at": "", "data_as_of": None, "rules_version": "", "rules_digest": "",
        "holidays_missing": [], "assessment_day": "", "month": "", "townships_approximate": True,
        "kpis": {"orders_today": 0, "orders_same_weekday_last_week": 0, "open": 0, "overdue": 0, "due_2h": 0,
                 "month_to_date": _empty_rates(), "previous_month_same_days": _empty_rates()},
        "countdowns": [],
        "names": {"township": {}, "district": {}, "district_en": {}, "township_district": {}},
        "map": {"township": {}, "district": {}}, "category_orders": {},
        "trend": {"days": [], "city": [], "district": {}, "township": {}}, "top10_today": [],
        "rankings": {}, "history": {}, "hotspots": [], "hot_words": {}, "repeat_callers": [], "stale": None,
    }  # fmt: skip


def parts(snapshot: dict[str, Any] | None) -> Snapshot:
    """`snapshot` with every top-level part present (defaults from `empty_snapshot`)."""
    return {**empty_snapshot(), **(snapshot or {})}  # type: ignore[typeddict-item]


def ranking(snapshot: Snapshot, kind: str, level: str) -> list[RankingRow]:
    """The rows of one of the snapshot's rankings, empty until the slow lane has built it."""
    part = snapshot["rankings"].get(f"{kind}_{level}")
    return part["rows"] if part else []


def class_rows(snapshot: Snapshot) -> list[RankingRow]:
    """The township rows the class lists show: the closed month's final ones early in a month."""
    shown = snapshot["rankings"].get("classes")
    part = snapshot["rankings"].get(shown["key"] if shown else "month_township")
    return part["rows"] if part else []


def map_values(snapshot: Snapshot, level: str, code: str) -> MapValues:
    """One unit's map values (empty for a unit the snapshot does not know)."""
    return snapshot["map"][level].get(code, {})


def names_of(snapshot: Snapshot | None) -> Names:
    """The reference names, empty before the first snapshot."""
    return (snapshot or empty_snapshot())["names"]

"""Every static component id in one place, so callbacks, layouts and browser tests agree."""

# Shell (every page)
URL = "url"
POLL = "poll-interval"
SNAPSHOT = "snapshot-store"  # tiny: {"version", "generated_at"}; pages read the cache server-side
PAGE = "page-content"
CLOCK = "header-clock"
FRESHNESS = "freshness-badge"
CLASSES_TITLE = "classes-title"  # the overview's class lists: which month, final or provisional
DATA_TIME = "data-time-source"  # hidden: ISO time of the data shown, read by assets/ticker.js
STALE_NOTE = "stale-note"
NAV = "app-nav"  # the page links and the language switch (not on the wall)
LANG_SWITCH = "lang-switch"

# Overview
KPIS = "kpi-row"
MAP = "overview-map"
MAP_VALUES = "map-values"  # z values for the map; assets/map_values.js restyles the graph from them
COUNTDOWNS = "countdown-list"
TOP10 = "top10-list"
CLASS_LISTS = "class-lists"

# Map page
MAP_LAYER = "map-layer"
MAP_MEASURE = "map-measure"
MAP_CATEGORY = "map-category"
MAP_WINDOW = "map-window"
MAP_FOCUS = "map-focus"  # district code the map is zoomed to, or None
HOTSPOT_LIST = "hotspot-list"

# SLA board
SLA_GRID = "sla-grid"
SLA_DISTRICT = "sla-district"
SLA_TOWNSHIP = "sla-township"
SLA_CATEGORY = "sla-category"
SLA_URGENCY = "sla-urgency"
SLA_STATE = "sla-state"
SLA_COUNTS = "sla-counts"
SLA_OVERDUE_BY_TOWNSHIP = "sla-overdue-by-township"

# Rankings
RANK_PERIOD = "rank-period"
RANK_DATE = "rank-date"
RANK_LEVEL = "rank-level"
RANK_CLASSES = "rank-classes"
RANK_GRID = "rank-grid"
RANK_EXPORT = "rank-export"
RANK_TITLE = "rank-title"

# District and township pages
UNIT_KPIS = "unit-kpis"
UNIT_TABLE = "unit-table"
UNIT_MAP = "unit-map"
MAP_PAGE_GRAPH = "hotspot-map"
MAP_PAGE_VALUES = "hotspot-map-values"
UNIT_BODY = "unit-body"
UNIT_MAP_VALUES = "unit-map-values"
UNIT_EXPORT = "unit-export"
UNIT_EXPORT_BUTTON = "unit-export-button"
# SLA board and rankings (added by the pages' author)
SLA_ROWS_TITLE = "sla-rows-title"
SLA_WALL_ROWS = "sla-wall-rows"
RANK_DAY = "rank-day"  # day picker; RANK_DATE is the month dropdown (both stay in the layout, one hidden)
RANK_EXPORT_XLSX = "rank-export-xlsx"
RANK_EXPORT_CSV = "rank-export-csv"
RANK_WALL = "rank-wall"  # top of the table on the wall (kiosk), instead of the grid
# Trace drawer, forecast, targets, meeting pack, what-if (issue 15)
TRACE_REQUEST = "trace-request"  # {"figure", "at"}: written by assets/trace.js when a rate tile is tapped
TRACE_DRAWER = "trace-drawer"
TRACE_TITLE = "trace-title"
TRACE_SUMMARY = "trace-summary"
TRACE_GRID = "trace-grid"
TRACE_EXPORT = "trace-export"
TRACE_CLOSE = "trace-close"
UNIT_ANALYSIS = "unit-analysis"  # forecast line (township) or at-risk list + targets + pack (district)
WHATIF_RULES = "whatif-rules"
WHATIF_UPLOAD = "whatif-upload"
WHATIF_MONTH = "whatif-month"
WHATIF_LEVEL = "whatif-level"
WHATIF_RUN = "whatif-run"
WHATIF_RESULT = "whatif-result"
# Hot words (诉求热词): the ranked list on the overview, map and district pages; orders naming a word
HOT_WORDS = "hot-words"
HOT_WORD_ORDERS = "hot-word-orders"
# Operator pages: alerts (with acknowledge) and the screen fleet (with reload)
ALERT_LIST = "alert-list"
ALERT_ACK = "alert-ack"  # pattern-matching: {"type": ALERT_ACK, "id": alert id}
SCREEN_LIST = "screen-list"
SCREEN_RELOAD = "screen-reload"  # pattern-matching: {"type": SCREEN_RELOAD, "screen": name}

# Who is logged in (or the demo's banner): the bar at the top of every page
ACCESS_BAR = "access-bar"
DEMO_BANNER = "demo-banner"

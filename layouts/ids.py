"""Every static component id in one place, so callbacks, layouts and browser tests agree."""

URL = "url"
POLL = "poll-interval"
SNAPSHOT = "snapshot-store"
PAGE = "page-content"
CLOCK = "header-clock"
FRESHNESS = "freshness-badge"
KPIS = "kpi-row"
MAP = "overview-map"
COUNTDOWNS = "countdown-list"
RANKING_GRID = "ranking-grid"
LANG = "lang-store"
DATA_TIME = "data-time-source"  # hidden: ISO time of the data shown, read by assets/freshness.js
MAP_SYNC = "map-sync"  # dummy output of the clientside map restyle; its id names the graph

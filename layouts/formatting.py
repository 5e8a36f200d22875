"""Small shared view helpers: state colours and the snapshot's KPI deltas."""

from __future__ import annotations

# One colour-blind-safe state palette used everywhere (DESIGN.md): always paired with a label.
STATE_COLOURS = {"ok": "#2c9fd6", "warning": "#f2b134", "critical": "#f0782b", "overdue": "#e5484d"}
# Sequential, colour-blind safe (cividis) for volumes.
SEQUENTIAL = "Cividis"


def rate_delta_points(current: float | None, previous: float | None) -> float | None:
    """Change of a rate in percentage points; None when either side is missing."""
    if current is None or previous is None:
        return None
    return (current - previous) * 100

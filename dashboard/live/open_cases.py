"""The set of open work orders (not yet resolved), kept in memory and refreshed from the change feed.

The poller loads it once, then each tick applies the change set the feed hands every consumer
(dashboard/live/change_feed.py), so a tick costs one indexed read however many cases the database
holds, and no late commit is missed (the feed's position is bounded by the database's own commit
visibility, not by a guessed window).
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import Connection, Engine, select

from dashboard.live.change_feed import ChangeSet, Feed, current_position
from dashboard.store.schema import Case

OPEN_STATUSES = ("open", "responded")
COLUMNS = (
    Case.case_id, Case.township_code, Case.district_code, Case.category, Case.subcategory, Case.urgency,
    Case.dispatched_at, Case.responded_at, Case.respond_due_at, Case.resolve_due_at, Case.status,
    Case.caller_hash, Case.updated_at,
)  # fmt: skip
_NAMES = [c.key for c in COLUMNS]


def _frame(rows: pd.DataFrame | list) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=_NAMES) if isinstance(rows, list) else rows[_NAMES].copy()
    for col in ("dispatched_at", "responded_at", "respond_due_at", "resolve_due_at", "updated_at"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    return frame.set_index("case_id", drop=False)


class OpenCases:
    """Open cases keyed by case_id, and the change-feed position they are current at (a Consumer).

    Every column kept here must be in `change_feed.COLUMNS`, which the feed reads for all consumers.
    """

    def __init__(self) -> None:
        self.frame = _frame([])
        self.at: int | None = None
        self.read_at: datetime | None = None  # when the database was last read successfully
        self.changed_last_tick = 0

    def position(self, conn: Connection) -> int | None:
        return self.at

    def load(self, conn: Connection) -> int:
        """Every open case; the position is taken first, so changes during the read come again."""
        self.at = current_position(conn)
        self.frame = _frame(conn.execute(select(*COLUMNS).where(Case.status.in_(OPEN_STATUSES))).all())
        self.changed_last_tick = len(self.frame)
        return self.at

    def apply(self, conn: Connection, changes: ChangeSet) -> None:
        """Replace every changed case by its current state; closed and deleted cases leave the set."""
        self.changed_last_tick = len(changes)
        if len(changes):
            changed = _frame(changes.rows)
            still_open = changed[changed["status"].isin(OPEN_STATUSES)]
            kept = self.frame.drop(index=changes.ids, errors="ignore")
            self.frame = pd.concat([kept, still_open]) if not kept.empty else still_open
        self.at = max(self.at or 0, changes.position)
        self.read_at = changes.read_at

    def refresh(self, engine: Engine) -> int:
        """Load or apply the changes since the last refresh on their own (tests, tools); the poller
        instead advances this set together with the rollups. Returns how many changed cases were read."""
        Feed([self]).advance(engine)
        return self.changed_last_tick

"""The set of open work orders (not yet resolved), kept in memory and refreshed incrementally.

The poller loads it once, then each tick reads only cases whose `updated_at` moved past the
watermark, so a tick costs one indexed range query however many cases the database holds.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
from sqlalchemy import Engine, func, select

from dashboard.store.schema import Case

OPEN_STATUSES = ("open", "responded")
COLUMNS = (
    Case.case_id, Case.township_code, Case.district_code, Case.category, Case.subcategory, Case.urgency,
    Case.dispatched_at, Case.responded_at, Case.respond_due_at, Case.resolve_due_at, Case.status,
    Case.caller_hash, Case.updated_at,
)  # fmt: skip
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
LATE_COMMIT = timedelta(seconds=10)  # longest writer transaction whose late commit is still caught


def _frame(rows) -> pd.DataFrame:
    names = [c.key for c in COLUMNS]
    frame = pd.DataFrame(rows, columns=names)
    for col in ("dispatched_at", "responded_at", "respond_due_at", "resolve_due_at", "updated_at"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    return frame.set_index("case_id", drop=False)


class OpenCases:
    """Open cases keyed by case_id, plus the watermark of the newest change seen.

    Each refresh reads cases with `updated_at` past the watermark, and also those stamped within
    `LATE_COMMIT` before the previous read: a writer stamps rows when its transaction starts and
    they become visible when it commits, so a slow commit can carry a stamp older than rows already
    read. Re-reading is idempotent. A bulk load stamped with one instant is read once, not forever.
    """

    def __init__(self) -> None:
        self.frame = _frame([])
        self.watermark: datetime = EPOCH
        self.read_at: datetime = EPOCH
        self.changed_last_tick = 0

    def refresh(self, engine: Engine) -> int:
        """Apply changes since the watermark; returns how many changed cases were read."""
        first_load = self.watermark == EPOCH
        read_at = datetime.now(UTC)
        if first_load:
            query = select(*COLUMNS).where(Case.status.in_(OPEN_STATUSES))
            with engine.connect() as conn:
                newest = conn.execute(select(func.max(Case.updated_at))).scalar()
            if newest is not None:
                self.watermark = newest
        else:
            since = min(self.watermark, self.read_at - LATE_COMMIT)
            query = select(*COLUMNS).where(Case.updated_at > since)
        with engine.connect() as conn:
            changed = _frame(conn.execute(query).all())
        self.read_at = read_at
        self.changed_last_tick = len(changed)
        if changed.empty:
            return 0
        if first_load:
            self.frame = changed
            return len(changed)
        still_open = changed[changed["status"].isin(OPEN_STATUSES)]
        kept = self.frame.drop(index=changed.index, errors="ignore")
        self.frame = pd.concat([kept, still_open]) if not kept.empty else still_open
        self.watermark = max(self.watermark, changed["updated_at"].max().to_pydatetime())
        return len(changed)

"""One change feed: every consumer of case changes reads the same committed change set.

Triggers on `cases` (migration 0002) append the id of every inserted, updated or deleted case to
`case_changes` inside the writer's own transaction, so no writer can forget it and a row becomes
visible to readers exactly when the case change does.

A *position* is an integer; reading from a position returns every case changed by a transaction
that was not known to be finished when that position was taken:

- PostgreSQL: the position is `pg_snapshot_xmin(pg_current_snapshot())`, the oldest transaction
  still in flight. Every transaction below it has committed (or aborted), so reading the rows with
  `txid >= position` can never skip a late commit, however late. Rows of transactions that
  committed after the oldest in-flight one are read again until that one ends; consumers are
  idempotent (they replace a case's state, they never add it twice).
- SQLite: one writer at a time holds the write lock from its first write to its commit, so the
  AUTOINCREMENT `seq` is assigned in commit order and the position is simply the next `seq`.

A case id in the change set that is no longer in `cases` was deleted: consumers get it in
`deleted`. Consumers (`Consumer`) hold their own position; `advance` reads once from the oldest
of them, hands the one change set to all, and prunes rows every consumer has passed. Writers of
derived tables serialise on `exclusive` (an advisory lock on PostgreSQL, BEGIN IMMEDIATE on SQLite).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

import pandas as pd
from sqlalchemy import Connection, Engine, select, text

from dashboard.store.schema import Case, CaseChange
from dashboard.store.state import read_frame, read_state, write_state

# Every case column a consumer needs: read once per tick for all of them.
COLUMNS = (
    Case.case_id, Case.township_code, Case.district_code, Case.category, Case.subcategory, Case.urgency,
    Case.received_at, Case.dispatched_at, Case.responded_at, Case.respond_due_at, Case.resolve_due_at,
    Case.callback_at, Case.contacted, Case.solved, Case.satisfaction, Case.status, Case.caller_hash,
    Case.updated_at,
)  # fmt: skip
LOCK_KEY = 12_345_001  # pg_advisory_xact_lock key of the derived-data writers
PRUNED_KEY = "feed.pruned_before"
PRUNE_SECONDS = 60.0


@dataclass(frozen=True)
class ChangeSet:
    """Cases changed from `since` up to `position`: their current rows, and the ids now deleted."""

    since: int
    position: int
    rows: pd.DataFrame
    deleted: list[str]
    read_at: datetime

    @property
    def ids(self) -> list[str]:
        return [*self.rows["case_id"], *self.deleted]

    def __len__(self) -> int:
        return len(self.rows) + len(self.deleted)


class Consumer(Protocol):
    """Something kept current from the feed (rollups, the open-case set, ...)."""

    def position(self, conn: Connection) -> int | None:
        """Where this consumer has read up to; None when it must (re)load from scratch."""

    def load(self, conn: Connection) -> int:
        """Build from the cases table; return the position the load is current at."""

    def apply(self, conn: Connection, changes: ChangeSet) -> None:
        """Fold a change set in (idempotent: a case may come again) and remember its position."""


def _postgresql(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def current_position(conn: Connection) -> int:
    """The position now: everything before it has committed and is visible to the next read."""
    if _postgresql(conn):
        return int(conn.execute(text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")).scalar_one())
    seq = conn.execute(text("SELECT seq FROM sqlite_sequence WHERE name = 'case_changes'")).scalar()
    return int(seq or 0) + 1


def _from(conn: Connection, since: int):
    """Feed rows at or after a position: by transaction id on PostgreSQL, by seq on SQLite."""
    return (CaseChange.txid if _postgresql(conn) else CaseChange.seq) >= since


def has_changes(conn: Connection, since: int) -> bool:
    """Cheap check (one index probe) whether anything changed from `since`."""
    return conn.execute(select(select(CaseChange.seq).where(_from(conn, since)).exists())).scalar_one()


def read_changes(conn: Connection, since: int) -> ChangeSet:
    """The change set from `since`: taken position first, so the read covers at least up to it."""
    read_at = datetime.now(UTC)
    position = current_position(conn)
    ids = select(CaseChange.case_id.label("feed_id")).where(_from(conn, since)).distinct().subquery()
    # One statement (one snapshot): an id whose case row is missing was deleted, never "not yet read".
    joined = select(ids.c.feed_id, *COLUMNS).select_from(ids.outerjoin(Case, Case.case_id == ids.c.feed_id))
    found = read_frame(conn, joined)
    if found.empty:
        found = _no_rows().assign(feed_id=None)
    gone = found["case_id"].isna()
    rows = found[~gone].drop(columns="feed_id").reset_index(drop=True)
    return ChangeSet(since, max(position, since), rows, sorted(found.loc[gone, "feed_id"]), read_at)


def _no_rows() -> pd.DataFrame:
    return pd.DataFrame(columns=[c.key for c in COLUMNS])


def pruned_before(conn: Connection) -> int:
    return int(read_state(conn, [PRUNED_KEY]).get(PRUNED_KEY, 0))


def prune(conn: Connection, before: int) -> int:
    """Delete feed rows before `before` (all consumers are past them); returns how many went."""
    gone = conn.execute(CaseChange.__table__.delete().where(~_from(conn, before))).rowcount
    write_state(conn, {PRUNED_KEY: str(max(before, pruned_before(conn)))})
    return int(gone)


@contextmanager
def exclusive(engine: Engine) -> Iterator[Connection]:
    """A transaction that no other writer of derived data runs beside, in any process."""
    with engine.connect() as conn:
        if _postgresql(conn):
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.rollback()
            raise
        conn.commit()


@dataclass
class Feed:
    """Advances a group of consumers together: one read per call, pruning now and then."""

    consumers: Sequence[Consumer]
    prune_seconds: float = PRUNE_SECONDS
    _pruned_at: float = field(default=0.0, repr=False)

    def advance(self, engine: Engine) -> ChangeSet:
        """Hand every consumer the changes since the oldest of them. Nothing new (the usual tick): no
        lock is taken, so writers never wait for an idle poller; otherwise under `exclusive`."""
        with engine.connect() as conn:
            quiet = self._nothing_new(conn)
            if quiet is not None:
                for consumer in self.consumers:
                    consumer.apply(conn, quiet)
                return quiet
        with exclusive(engine) as conn:
            horizon = pruned_before(conn)
            positions = []
            for consumer in self.consumers:
                position = consumer.position(conn)
                if position is None or position < horizon:  # new, or behind what was pruned: reload
                    position = consumer.load(conn)
                positions.append(position)
            changes = read_changes(conn, min(positions))
            for consumer in self.consumers:
                consumer.apply(conn, changes)
            if time.monotonic() - self._pruned_at >= self.prune_seconds:
                prune(conn, min(positions))
                self._pruned_at = time.monotonic()
        return changes

    def _nothing_new(self, conn: Connection) -> ChangeSet | None:
        """An empty change set when every consumer is loaded and nothing changed since; else None."""
        positions = [consumer.position(conn) for consumer in self.consumers]
        if any(p is None for p in positions) or min(positions) < pruned_before(conn):
            return None
        since = min(positions)
        if has_changes(conn, since):
            return None
        return ChangeSet(since, since, _no_rows(), [], datetime.now(UTC))

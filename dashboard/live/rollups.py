"""Rollups (township x assessment day x category, and township x assessment month), kept incrementally.

Rankings read only the rollups, never the cases table (BRIEF 4). Each case's contribution
is remembered in `rollup_ledger`, so when a case changes (callback arrives, township corrected by
an import) its old contribution is subtracted and the new one added: the incremental path is exact
and idempotent, which is why the change feed (dashboard/live/change_feed.py) may hand it a case
again. The feed position is stored with the rollups and moves in the same transaction.
The monthly rollups (`rollup_monthly`, what a month's ranking reads) are the daily delta summed per
township and month, upserted in the same transaction; a rebuild groups `rollup_daily` by month.
The full rebuild uses the same per-case arithmetic (`ledger_rows` / `contributions`), so both paths
give the same table (tests/test_rollups.py proves it on random histories); on PostgreSQL, and on SQLite in a zone
with one UTC offset, the rebuild is set-based statements run by the database
(`dashboard/live/rollup_rebuild.py`); the monthly rollups are always grouped from the daily ones.

A callback is *valid* when `callback_at` is set, `contacted` and `solved` are answered (true or
false) and `satisfaction` is one of satisfied / basically / dissatisfied; only valid callbacks count.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from datetime import date, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Connection, Engine, Table, and_, bindparam, delete, select

from dashboard.assessment.periods import assessment_days, month_of_day, resolve_tz
from dashboard.assessment.rules import Rules
from dashboard.live import rollup_rebuild
from dashboard.live.change_feed import ChangeSet, Feed, current_position, exclusive, has_changes, pruned_before
from dashboard.store.schema import Case, DailyRollup, MonthlyRollup, RollupLedger
from dashboard.store.state import read_frame, read_state, upsert, write_state

SATISFACTION_VALUES = ("satisfied", "basically", "dissatisfied")
ROLLUP_KEY = ("township_code", "day", "category")
ROLLUP_VALUES = ("orders", "valid_callbacks", "contacted", "solved", "satisfied", "basically")
MONTH_KEY = ("township_code", "month")
LEDGER_COLUMNS = tuple(c.name for c in RollupLedger.__table__.columns)
POSITION_KEY = "rollups.position"  # change-feed position the rollups include everything before
BASIS_KEY = "rollups.basis"
MONTH_CUTOFF_KEY = "rollups.month_cutoff_day"  # the month cut-off the monthly rollups were built for
GENERATION_KEY = "rollups.generation"  # new on every rebuild
TOUCHED_PREFIX = "rollups.touched."  # + YYYY-MM: position of the last change to that month's days
_CASE_COLUMNS = (
    Case.case_id, Case.township_code, Case.category, Case.received_at, Case.callback_at,
    Case.contacted, Case.solved, Case.satisfaction, Case.updated_at,
)  # fmt: skip
_CHUNK = 50_000
_ID_CHUNK = 10_000
log = logging.getLogger(__name__)


def ledger_rows(cases: pd.DataFrame, rules: Rules, tz: ZoneInfo | None = None) -> pd.DataFrame:
    """Each case's contribution: its received day, and its callback day and answers if valid."""
    valid = (
        cases["callback_at"].notna()
        & cases["contacted"].notna()
        & cases["solved"].notna()
        & cases["satisfaction"].isin(SATISFACTION_VALUES)
    )
    out = pd.DataFrame(
        {
            "case_id": cases["case_id"],
            "township_code": cases["township_code"],
            "category": cases["category"],
            "received_day": assessment_days(cases["received_at"], rules, tz),
            "callback_day": assessment_days(cases["callback_at"], rules, tz).where(valid, None),
            "contacted": (valid & cases["contacted"].eq(True)).astype(int),
            "solved": (valid & cases["solved"].eq(True)).astype(int),
            "satisfied": (valid & cases["satisfaction"].eq("satisfied")).astype(int),
            "basically": (valid & cases["satisfaction"].eq("basically")).astype(int),
        }
    )
    return out[list(LEDGER_COLUMNS)]


def contributions(ledger: pd.DataFrame, sign: int) -> pd.DataFrame:
    """Rollup rows (key + counts) that ledger rows add (sign=+1) or take away (sign=-1)."""
    orders = pd.DataFrame(
        {"township_code": ledger["township_code"], "day": ledger["received_day"], "category": ledger["category"]}
    )
    orders["orders"] = sign
    called = ledger[ledger["callback_day"].notna()]
    callbacks = pd.DataFrame(
        {"township_code": called["township_code"], "day": called["callback_day"], "category": called["category"]}
    )
    callbacks["valid_callbacks"] = sign
    for col in ROLLUP_VALUES[2:]:
        callbacks[col] = sign * called[col]
    return pd.concat([orders, callbacks], ignore_index=True).fillna(dict.fromkeys(ROLLUP_VALUES, 0))


def by_month(daily: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Daily rollup rows (or deltas) summed per township and assessment month; all-zero keys dropped."""
    if daily.empty:
        return pd.DataFrame(columns=[*MONTH_KEY, *ROLLUP_VALUES])
    firsts = {day: month_of_day(day, rules).first_day for day in daily["day"].unique()}
    return _summed(daily.assign(month=daily["day"].map(firsts)), MONTH_KEY)


def aggregate(parts: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Sum contributions per rollup key; keys whose counts all cancel out are dropped."""
    frames = [p for p in parts if not p.empty]
    if not frames:
        return pd.DataFrame(columns=[*ROLLUP_KEY, *ROLLUP_VALUES])
    return _summed(pd.concat(frames, ignore_index=True), ROLLUP_KEY)


def _summed(frame: pd.DataFrame, key: tuple[str, ...]) -> pd.DataFrame:
    total = frame.groupby(list(key), as_index=False)[list(ROLLUP_VALUES)].sum()
    total[list(ROLLUP_VALUES)] = total[list(ROLLUP_VALUES)].astype("int64")
    return total[(total[list(ROLLUP_VALUES)] != 0).any(axis=1)].reset_index(drop=True)


class RollupConsumer:
    """The rollups as a change-feed consumer: position and basis live in `kv_state` with the rollups."""

    def __init__(self, rules: Rules, tz: ZoneInfo | None = None) -> None:
        self.rules = rules
        self.zone = resolve_tz(tz)

    def position(self, conn: Connection) -> int | None:
        """None when there is no position or the rollups were built for another day or month cut-off or zone."""
        state = read_state(conn, [POSITION_KEY, BASIS_KEY, MONTH_CUTOFF_KEY])
        if state.get(MONTH_CUTOFF_KEY) != str(self.rules.month_cutoff_day):
            return None
        return self._daily_position(state)

    def load(self, conn: Connection) -> int:
        """Rebuild what is out of date: only the monthly rollups (from the daily ones, one statement)
        when just the month cut-off changed or the table is new (migration 0006), else everything."""
        daily = self._daily_position(read_state(conn, [POSITION_KEY, BASIS_KEY]))
        if daily is not None and daily >= pruned_before(conn):
            log.info("rebuilding the monthly rollups from the daily ones (month cut-off day %d)",
                     self.rules.month_cutoff_day)  # fmt: skip
            _rebuild_months(conn, self.rules)
            return daily
        log.info("rebuilding the rollups from every case (%s)", _basis(self.rules, self.zone))
        return _rebuild(conn, self.rules, self.zone)

    def _daily_position(self, state: dict[str, str]) -> int | None:
        """The position of the ledger and daily rollups; None when built for another day cut-off or zone."""
        if POSITION_KEY not in state or state.get(BASIS_KEY) != _basis(self.rules, self.zone):
            return None
        return int(state[POSITION_KEY])

    def apply(self, conn: Connection, changes: ChangeSet) -> None:
        """Subtract each changed case's old contribution, add its new one; deleted cases only subtract."""
        if len(changes):
            new = ledger_rows(changes.rows, self.rules, self.zone).set_index("case_id", drop=False)
            old = _ledger_of(conn, changes.ids).set_index("case_id", drop=False)
            both = new.index.intersection(old.index)
            kept = both[_same_rows(new.loc[both], old.loc[both]).to_numpy()] if len(both) else both
            new, old = new.drop(kept), old.drop(kept)  # unchanged contributions cost nothing more
            delta = aggregate([contributions(old, -1), contributions(new, +1)])
            _add_to_rollups(conn, DailyRollup.__table__, ROLLUP_KEY, delta)
            _add_to_rollups(conn, MonthlyRollup.__table__, MONTH_KEY, by_month(delta, self.rules))
            upsert(conn, RollupLedger.__table__, ["case_id"], _records(new.reset_index(drop=True)))
            if changes.deleted:
                conn.execute(delete(RollupLedger).where(RollupLedger.case_id.in_(changes.deleted)))
            _touch(conn, [old, new], changes.position)
        if changes.position > (self.position(conn) or 0):  # an empty, quiet tick writes nothing
            write_state(conn, {POSITION_KEY: str(changes.position)})


def catch_up(engine: Engine, rules: Rules, tz: ZoneInfo | None = None) -> int:
    """Bring the rollups up to every committed change; return their position.

    Every reader (rankings CLI, API, exports, pages) calls this first, so its answer includes every
    commit with or without a poller running. Nothing changed: one read and one index probe, no lock.
    Otherwise one process at a time folds the change set in (`change_feed.exclusive`).
    """
    consumer = RollupConsumer(rules, tz)
    with engine.connect() as conn:
        position = consumer.position(conn)
        if position is not None and position >= pruned_before(conn) and not has_changes(conn, position):
            return position
    Feed([consumer], prune_seconds=math.inf).advance(engine)
    with engine.connect() as conn:
        return consumer.position(conn) or 0


def rebuild(engine: Engine, rules: Rules, tz: ZoneInfo | None = None) -> int:
    """Recompute the rollups and the ledger from all cases; return their feed position."""
    with exclusive(engine) as conn:
        return _rebuild(conn, rules, resolve_tz(tz))


def whole_months(conn: Connection, first_day: date, last_day: date) -> bool:
    """True when the days `first_day`..`last_day` are whole months of the stored monthly rollups.

    Months start on their cut-off day c (`periods.month_period`), so the range is whole months when it
    starts on a day c and the day after it is a day c. The cut-off is the one the table was built
    for, so the monthly rows of the range always sum exactly the daily rows of the range.
    """
    stored = read_state(conn, [MONTH_CUTOFF_KEY]).get(MONTH_CUTOFF_KEY)
    if stored is None or first_day > last_day:
        return False
    cutoff = int(stored)
    return first_day.day == cutoff and (last_day + timedelta(days=1)).day == cutoff


def period_stamp(engine: Engine, first_day: date, last_day: date) -> str:
    """Changes whenever the rollups of any day in the range change: a key for caches of that range."""
    months = pd.period_range(first_day, last_day, freq="M").strftime("%Y-%m")
    keys = [GENERATION_KEY, *(f"{TOUCHED_PREFIX}{m}" for m in months)]
    with engine.connect() as conn:
        state = read_state(conn, keys)
    return "/".join(state.get(k, "-") for k in keys)


def _touch(conn: Connection, ledgers: list[pd.DataFrame], position: int) -> None:
    """Record the position at which each calendar month's rollups last changed (for `period_stamp`)."""
    days = pd.concat([pd.Series(f[c], dtype=object) for f in ledgers for c in ("received_day", "callback_day")])
    months = {d.strftime("%Y-%m") for d in days.dropna()}
    if months:
        write_state(conn, {f"{TOUCHED_PREFIX}{m}": str(position) for m in months})


def _ledger_of(conn: Connection, case_ids: list[str]) -> pd.DataFrame:
    ledger = RollupLedger.__table__
    parts = [
        read_frame(conn, select(ledger).where(ledger.c.case_id.in_(case_ids[i : i + _ID_CHUNK])))
        for i in range(0, len(case_ids), _ID_CHUNK)
    ]
    frames = [p for p in parts if not p.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(LEDGER_COLUMNS))


def _rebuild(conn: Connection, rules: Rules, zone: ZoneInfo) -> int:
    position = current_position(conn)  # before reading: later commits are read again by the next catch-up
    conn.execute(delete(DailyRollup))
    conn.execute(delete(RollupLedger))
    if rollup_rebuild.supported(conn, zone):  # two INSERT ... SELECT statements run by the database
        rollup_rebuild.rebuild_set_based(conn, rules, zone)
    else:
        _rebuild_in_pages(conn, rules, zone)
    _rebuild_months(conn, rules)
    write_state(conn, {BASIS_KEY: _basis(rules, zone), POSITION_KEY: str(position), GENERATION_KEY: uuid4().hex[:12]})
    return position


def _rebuild_months(conn: Connection, rules: Rules) -> None:
    """The monthly rollups from the daily ones, under the rules' month cut-off day."""
    conn.execute(delete(MonthlyRollup))
    rollup_rebuild.rebuild_monthly(conn, rules.month_cutoff_day)
    write_state(conn, {MONTH_CUTOFF_KEY: str(rules.month_cutoff_day)})


def _rebuild_in_pages(conn: Connection, rules: Rules, zone: ZoneInfo) -> None:
    """The same arithmetic in pandas, for SQLite in a zone whose UTC offset changes."""
    parts: list[pd.DataFrame] = []
    last_id = ""
    while True:  # keyset pages keep memory flat on a database of millions of cases
        page = read_frame(
            conn, select(*_CASE_COLUMNS).where(Case.case_id > last_id).order_by(Case.case_id).limit(_CHUNK)
        )
        if page.empty:
            break
        last_id = page["case_id"].iloc[-1]
        ledger = ledger_rows(page, rules, zone)
        _insert(conn, RollupLedger.__table__, ledger)
        parts.append(aggregate([contributions(ledger, +1)]))
    _insert(conn, DailyRollup.__table__, aggregate(parts))


def _basis(rules: Rules, zone: ZoneInfo) -> str:
    """What the stored days depend on; a change means the stored rollups are for other rules."""
    return f"tz={zone.key};day_cutoff_hour={rules.day_cutoff_hour};valid=v1"


def _records(frame: pd.DataFrame) -> list[dict]:
    """Plain Python values (int, not numpy.int64; None, not NaN) that every driver accepts."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def _same_rows(a: pd.DataFrame, b: pd.DataFrame) -> pd.Series:
    """Row-wise equality of two aligned frames, where two missing values are equal."""
    equal = [(a[c] == b[c]) | (a[c].isna() & b[c].isna()) for c in a.columns]
    return pd.concat(equal, axis=1).all(axis=1)


def _insert(conn: Connection, table: Table, frame: pd.DataFrame) -> None:
    if not frame.empty:
        conn.execute(table.insert(), _records(frame))


def _add_to_rollups(conn: Connection, table: Table, key: tuple[str, ...], delta: pd.DataFrame) -> None:
    """Add a delta (key + counts) to a rollup table."""
    records = _records(delta)
    if not records:
        return
    upsert(conn, table, list(key), records, add=True)
    # Keys whose counts went back to zero disappear, as they never appear in a rebuild.
    conn.execute(
        delete(table).where(
            and_(
                *(table.c[k] == bindparam(f"k_{k}") for k in key),
                *(table.c[c] == 0 for c in ROLLUP_VALUES),
            )
        ),
        [{f"k_{k}": r[k] for k in key} for r in records],
    )

"""Daily rollups (township x assessment day x category), maintained incrementally and rebuildable.

Month rankings read only `rollup_daily`, never the cases table (BRIEF 4). Each case's contribution
is remembered in `rollup_ledger`, so when a case changes (callback arrives, township corrected by
an import) its old contribution is subtracted and the new one added: the incremental path is exact
and idempotent, which is why it may safely re-read an overlap of already-seen cases each tick.
The full rebuild runs the same per-case arithmetic in the database as two set-based statements
(`dashboard/live/rollup_rebuild.py`; the pandas pages below remain for a SQLite database whose
time zone changes its UTC offset), so both paths give the same table (tests/test_rollups*.py).

A callback is *valid* when `callback_at` is set, `contacted` and `solved` are answered (true or
false) and `satisfaction` is one of satisfied / basically / dissatisfied; only valid callbacks count.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Connection, Engine, Table, and_, bindparam, delete, select

from dashboard.assessment.periods import assessment_days, resolve_tz
from dashboard.assessment.rules import Rules
from dashboard.live import rollup_rebuild
from dashboard.store.schema import Case, DailyRollup, RollupLedger
from dashboard.store.state import read_frame, read_state, upsert, write_state

SATISFACTION_VALUES = ("satisfied", "basically", "dissatisfied")
ROLLUP_KEY = ("township_code", "day", "category")
ROLLUP_VALUES = ("orders", "valid_callbacks", "contacted", "solved", "satisfied", "basically")
LEDGER_COLUMNS = tuple(c.name for c in RollupLedger.__table__.columns)
# Writers stamp `updated_at` before their transaction commits; re-reading this much of the past
# catches rows that committed late. Re-reading is harmless because the ledger makes it idempotent.
DEFAULT_OVERLAP = timedelta(minutes=5)
WATERMARK_KEY = "rollups.watermark"
BASIS_KEY = "rollups.basis"
READ_AT_KEY = "rollups.read_at"  # wall time of the last read: bounds how far back the overlap reaches
LOCK_KEY = "rollups.lock"
_CASE_COLUMNS = (
    Case.case_id, Case.township_code, Case.category, Case.received_at, Case.callback_at,
    Case.contacted, Case.solved, Case.satisfaction, Case.updated_at,
)  # fmt: skip
_CHUNK = 50_000


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


def aggregate(parts: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Sum contributions per rollup key; keys whose counts all cancel out are dropped."""
    frames = [p for p in parts if not p.empty]
    if not frames:
        return pd.DataFrame(columns=[*ROLLUP_KEY, *ROLLUP_VALUES])
    total = pd.concat(frames, ignore_index=True).groupby(list(ROLLUP_KEY), as_index=False)[list(ROLLUP_VALUES)].sum()
    total[list(ROLLUP_VALUES)] = total[list(ROLLUP_VALUES)].astype("int64")
    return total[(total[list(ROLLUP_VALUES)] != 0).any(axis=1)].reset_index(drop=True)


def apply_changes(
    engine: Engine,
    rules: Rules,
    since: datetime | None = None,
    tz: ZoneInfo | None = None,
    overlap: timedelta = DEFAULT_OVERLAP,
) -> datetime | None:
    """Fold cases updated after the watermark into the rollups; return the new watermark.

    Called by the poller every tick. `since` overrides the stored watermark. With no watermark yet,
    or when the day cut-off or time zone changed since the rollups were built, it rebuilds instead.
    One transaction: the rollups, the ledger and the watermark move together or not at all.
    """
    zone = resolve_tz(tz)
    with engine.begin() as conn:
        _claim(conn)
        state = read_state(conn, [WATERMARK_KEY, BASIS_KEY, READ_AT_KEY])
        stored = datetime.fromisoformat(state[WATERMARK_KEY]) if WATERMARK_KEY in state else None
        start = since or stored
        if start is None or state.get(BASIS_KEY) != _basis(rules, zone):
            return _rebuild(conn, rules, zone)
        # Late commits can only carry stamps from within `overlap` before the previous read, so rows
        # older than that and not past the watermark were seen: a bulk load is read once, not for ever.
        lower = start - overlap
        if since is None and READ_AT_KEY in state:
            lower = min(start, datetime.fromisoformat(state[READ_AT_KEY]) - overlap)
        read_at = datetime.now(UTC)
        # One statement reads each changed case with its previous contribution (one snapshot).
        ledger = RollupLedger.__table__
        previous = [c.label(f"old_{c.name}") for c in ledger.columns]
        joined = select(*_CASE_COLUMNS, *previous).outerjoin(ledger, ledger.c.case_id == Case.case_id)
        changed = read_frame(conn, joined.where(Case.updated_at > lower))
        if changed.empty:
            write_state(conn, {READ_AT_KEY: read_at.isoformat()})
            return start
        new = ledger_rows(changed, rules, zone)
        old = changed[[f"old_{c}" for c in LEDGER_COLUMNS]].set_axis(list(LEDGER_COLUMNS), axis=1)
        # Re-read cases whose contribution did not change (the overlap, big batches) cost nothing more.
        moved = ~_same_rows(new, old)
        new, old = new[moved], old[moved & old["case_id"].notna()]
        _add_to_rollups(conn, aggregate([contributions(old, -1), contributions(new, +1)]))
        upsert(conn, ledger, ["case_id"], _records(new))
        watermark = max(start, _newest(changed))
        write_state(conn, {WATERMARK_KEY: watermark.isoformat(), BASIS_KEY: _basis(rules, zone),
                           READ_AT_KEY: read_at.isoformat()})  # fmt: skip
        return watermark


def rebuild(engine: Engine, rules: Rules, tz: ZoneInfo | None = None) -> datetime | None:
    """Recompute the rollups and the ledger from all cases; return the watermark (newest update)."""
    with engine.begin() as conn:
        _claim(conn)
        return _rebuild(conn, rules, resolve_tz(tz))


def _rebuild(conn: Connection, rules: Rules, zone: ZoneInfo) -> datetime | None:
    read_at = datetime.now(UTC)
    conn.execute(delete(DailyRollup))
    conn.execute(delete(RollupLedger))
    if rollup_rebuild.supported(conn, zone):  # two INSERT ... SELECT statements run by the database
        watermark = rollup_rebuild.rebuild_set_based(conn, rules, zone)
        _write_rebuilt_state(conn, rules, zone, read_at, watermark)
        return watermark
    parts: list[pd.DataFrame] = []
    watermark: datetime | None = None
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
        watermark = max(filter(None, [watermark, _newest(page)]))
    _insert(conn, DailyRollup.__table__, aggregate(parts))
    _write_rebuilt_state(conn, rules, zone, read_at, watermark)
    return watermark


def _write_rebuilt_state(conn: Connection, rules: Rules, zone: ZoneInfo, read_at: datetime,
                         watermark: datetime | None) -> None:  # fmt: skip
    state = {BASIS_KEY: _basis(rules, zone), READ_AT_KEY: read_at.isoformat()}
    if watermark is not None:
        state[WATERMARK_KEY] = watermark.isoformat()
    write_state(conn, state)


def _basis(rules: Rules, zone: ZoneInfo) -> str:
    """What the stored days depend on; a change means the stored rollups are for other rules."""
    return f"tz={zone.key};day_cutoff_hour={rules.day_cutoff_hour};valid=v1"


def _newest(cases: pd.DataFrame) -> datetime:
    return pd.Timestamp(cases["updated_at"].max()).to_pydatetime()


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


def _add_to_rollups(conn: Connection, delta: pd.DataFrame) -> None:
    records = _records(delta)
    if not records:
        return
    table = DailyRollup.__table__
    upsert(conn, table, list(ROLLUP_KEY), records, add=True)
    # Keys whose counts went back to zero disappear, as they never appear in a rebuild.
    conn.execute(
        delete(table).where(
            and_(
                *(table.c[k] == bindparam(f"k_{k}") for k in ROLLUP_KEY),
                *(table.c[c] == 0 for c in ROLLUP_VALUES),
            )
        ),
        [{f"k_{k}": r[k] for k in ROLLUP_KEY} for r in records],
    )


def _claim(conn: Connection) -> None:
    """Serialise rollup writers: the first write takes SQLite's write lock / a PostgreSQL row lock."""
    write_state(conn, {LOCK_KEY: "held"})

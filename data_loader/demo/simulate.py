"""`python -m data_loader simulate`: a live city. New orders arrive; open orders move on.

Each tick inserts the orders that arrived since the last one (Poisson at --rate per second, shaped
by the hour of day, plus the scheduled bursts and repeat callers of `live_events`) and reveals the
steps of open orders whose time has come. Every order's life cycle is planned once with the seed's
model (`demo_life`): new orders when they are drawn; orders already in the database (from the seed,
an import or an earlier run) when the simulator starts, drawn conditionally on what is recorded, so
nothing already done is contradicted and nothing overdue is left behind for ever.

The plans of open orders live in memory, so a tick costs a few array comparisons and one UPDATE of
the rows that changed, not a re-read of tens of thousands of open cases. They are reloaded from the
database at start and after a failed tick. Other writers' changes to an order the simulator is
moving (an import updating it) are not seen until then. Every changed row gets `updated_at = now`,
which is what the poller watches.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from sqlalchemy import Engine, String, bindparam, select, type_coerce, update

from dashboard.assessment.lifecycle import case_status
from dashboard.assessment.rules import Rules
from dashboard.store.case_rows import TIME_COLUMNS, complete_cases, insert_cases
from dashboard.store.schema import Case
from data_loader.demo import life as life
from data_loader.demo import model as dm
from data_loader.demo.live_events import LiveEvents
from data_loader.demo.open_plans import REVEALED, OpenPlans, continue_plans, differs
from data_loader.demo.seed import ensure_reference, load_geography

log = logging.getLogger(__name__)

MAX_STEP_S = 600.0  # after a pause, do not make up hours of arrivals in one tick
_LOADED = ("case_id", "township_code", "urgency", "dispatched_at", "received_at", "resolve_due_at",
           "responded_at", "resolved_at", "extended_until", "callback_at", *life.ANSWERS)  # fmt: skip


@dataclass
class TickResult:
    inserted: int
    progressed: int


def _datetimes(values: pd.Series) -> np.ndarray:
    return pd.to_datetime(values, utc=True, format="ISO8601").dt.tz_localize(None).to_numpy("datetime64[s]")


@dataclass
class Simulator:
    """Draws each tick from one generator; townships and their quality come from the seed's model."""

    engine: Engine
    rules: Rules
    rate: float
    seed: int = 12345
    tz: str = "Asia/Shanghai"
    caller_key: str = "demo-key-change-me"
    flat: bool = False  # the same rate at every hour (soaks, load tests), instead of the day's shape
    geo: dm.Geography = field(init=False)
    rng: np.random.Generator = field(init=False)
    events: LiveEvents = field(init=False)
    open: OpenPlans | None = field(init=False, default=None)
    last: np.datetime64 | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        ensure_reference(self.engine)
        self.geo = load_geography(self.engine, self.seed)
        self.rng = np.random.default_rng([self.seed, 4])
        self.events = LiveEvents(self.geo, self.seed, self.rate * 86400, self.tz)

    def tick(self, now: datetime, elapsed: float) -> TickResult:
        """Insert the orders that arrived in the last `elapsed` seconds and reveal due steps.

        On any error the in-memory plans are dropped and reloaded from the database next time.
        """
        cut = life.as_utc(now)
        try:
            if self.open is None:
                self.open = self._load(cut)
            elapsed = min(elapsed, MAX_STEP_S)
            start = cut - np.timedelta64(int(elapsed), "s")
            if self.last is not None:
                start = max(start, self.last)
            inserted = self._insert_new(now, cut, elapsed, start)
            progressed = self._progress(now, cut)
        except Exception:
            self.open = None
            raise
        self.last = cut
        return TickResult(inserted, progressed)

    def _quality(self, township_codes: np.ndarray, cut: np.datetime64) -> np.ndarray:
        month = dm.month_number(dm.local_times(np.array([cut]), self.tz))
        quality = dm.township_quality(len(self.geo.codes), month, self.seed)[0]
        return quality[np.searchsorted(self.geo.codes, township_codes)]

    def _insert_new(self, now: datetime, cut: np.datetime64, elapsed: float, start: np.datetime64) -> int:
        """Ordinary arrivals of the last `elapsed` seconds plus the scheduled events in (start, cut]."""
        hour = pd.Timestamp(now).tz_convert(self.tz).hour
        shape = 1.0 if self.flat else dm.HOURLY[hour] * 24
        n = self.rng.poisson(self.rate * elapsed * shape)
        received = cut - (self.rng.random(n) * elapsed).astype("timedelta64[s]")
        orders = dm.Orders.concat([dm.draw_orders(self.rng, received, self.geo, self.tz), self.events.due(start, cut)])
        if len(orders.received) == 0:
            return 0
        order = np.argsort(orders.received, kind="stable")
        orders = dm.Orders(*(getattr(orders, f)[order] for f in dm.Orders.__dataclass_fields__))
        stamp = pd.Timestamp(now).tz_convert(self.tz).strftime("%Y%m%d%H%M%S%f")[:17]
        ids = np.array([f"L{stamp}{i:03d}" for i in range(len(order))], dtype=object)
        drawn = life.draw_life(self.rng, orders, self.geo, self.rules, self.tz, self.seed)
        frame = complete_cases(life.contract_frame(drawn, ids, self.geo, now, self.caller_key), self.rules, now)
        written = insert_cases(self.engine, frame)
        due = frame["resolve_due_at"].dt.tz_localize(None).to_numpy("datetime64[s]")
        self.open = self.open.extend(OpenPlans(ids, drawn.plan, life.known_at(drawn.plan, cut), due))
        return written

    def _load(self, cut: np.datetime64) -> OpenPlans:
        """Open and awaiting-callback orders from the database, each given a plan consistent with its record.

        type_coerce skips the per-value UTCDateTime processing (SQLite hands back text, PostgreSQL
        datetimes; both parse as UTC): one vectorised parse instead of tens of thousands of calls.
        """
        table = Case.__table__
        columns = [type_coerce(table.c[c], String).label(c) if c in TIME_COLUMNS else table.c[c] for c in _LOADED]
        query = select(*columns).where(table.c.status.in_(("open", "responded", "resolved")))
        with self.engine.connect() as conn:
            rows = pd.DataFrame([tuple(r) for r in conn.execute(query)], columns=list(_LOADED))
        if rows.empty:
            return OpenPlans.empty()
        t = {c: _datetimes(rows[c]) for c in _LOADED if c in TIME_COLUMNS}
        dispatched = np.where(np.isnat(t["dispatched_at"]), t["received_at"], t["dispatched_at"])
        answers = {c: rows[c].astype(object).where(rows[c].notna(), None).to_numpy() for c in life.ANSWERS}
        recorded = life.Plan(
            dispatched, t["responded_at"], np.where(np.isnat(t["extended_until"]), life.NAT, dispatched),
            t["extended_until"], t["resolved_at"], t["callback_at"], **answers,
        )  # fmt: skip
        urgency = rows["urgency"].to_numpy(object)
        quality = self._quality(rows["township_code"].to_numpy(object), cut)
        plan = continue_plans(self.rng, recorded, urgency, quality, self.rules, self.tz, cut)
        loaded = OpenPlans(rows["case_id"].to_numpy(object), plan, recorded, t["resolve_due_at"])
        return loaded.take(np.flatnonzero(loaded.pending(cut)))

    def _progress(self, now: datetime, cut: np.datetime64) -> int:
        """Write the steps that came due; forget orders with nothing left to come."""
        current = self.open
        if not len(current):
            return 0
        known = life.known_at(current.plan, cut)
        changed = np.logical_or.reduce([differs(getattr(known, s), getattr(current.shown, s)) for s in REVEALED])
        current.shown = known
        rows = np.flatnonzero(changed)
        written = self._write(current.case_id[rows], known.take(rows), current.due[rows], now)
        self.open = current.take(np.flatnonzero(current.pending(cut)))
        return written

    def _write(self, case_ids: np.ndarray, known: life.Plan, due: np.ndarray, now: datetime) -> int:
        """One UPDATE of the progress columns of the rows whose step came due."""
        if not len(case_ids):
            return 0
        steps = {s: _aware(getattr(known, s)) for s in REVEALED}
        columns = {
            **steps,
            "resolve_due_at": steps["extended_until"].fillna(_aware(due)),  # an approved extension replaces it
            "status": case_status(steps["responded_at"], steps["resolved_at"], steps["callback_at"]),
            **{col: pd.Series(getattr(known, col), dtype=object) for col in life.ANSWERS},
        }
        params = [
            {"key": key, "updated_at": now, **dict(zip(columns, values, strict=True))}
            for key, values in zip(case_ids, zip(*(_python(c) for c in columns.values()), strict=True), strict=True)
        ]
        table = Case.__table__
        with self.engine.begin() as conn:
            conn.execute(update(table).where(table.c.case_id == bindparam("key")), params)
        return len(params)


def _aware(values: np.ndarray) -> pd.Series:
    return pd.Series(values.astype("datetime64[us]")).dt.tz_localize("UTC")


def _python(column: pd.Series) -> list:
    """Driver-ready values: aware datetimes for times, None for nulls."""
    if isinstance(column.dtype, pd.DatetimeTZDtype):
        return [None if pd.isna(v) else v for v in column.dt.to_pydatetime()]
    return column.astype(object).where(column.notna(), None).tolist()


def run_simulator(
    engine: Engine,
    rules: Rules,
    rate: float,
    stop_event: threading.Event,
    seed: int = 12345,
    *,
    tick_seconds: float = 5.0,
    duration: float | None = None,
    tz: str = "Asia/Shanghai",
    caller_key: str = "demo-key-change-me",
    flat: bool = False,
) -> TickResult:
    """Tick until `stop_event` is set (or `duration` seconds passed); safe to run in a thread.

    A failing tick is logged and retried at the next one, so a database restart does not end the demo.
    """
    sim = Simulator(engine, rules, rate, seed, tz, caller_key, flat)
    total = TickResult(0, 0)
    started = last = time.monotonic()
    while not stop_event.is_set() and (duration is None or time.monotonic() - started < duration):
        stop_event.wait(tick_seconds)
        clock = time.monotonic()
        try:
            result = sim.tick(datetime.now(UTC), clock - last)
        except Exception:
            log.exception("simulator tick failed; retrying at the next tick")
            continue
        last = clock
        total = TickResult(total.inserted + result.inserted, total.progressed + result.progressed)
        log.info("simulator: %d new, %d progressed", result.inserted, result.progressed)
    return total

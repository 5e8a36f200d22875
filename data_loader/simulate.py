"""`python -m data_loader simulate`: a live city. New orders arrive; open orders move on.

Each tick inserts new orders (Poisson at --rate per second, shaped by the hour of day) and advances
open cases one step by hazards drawn from the same model as the seed: first contact, resolution,
an occasional extension, and the callback with its answers (only in office hours). The simulator
keeps no state of its own about cases, so it picks up where the seed, an import or a previous run
left off. Every changed row gets `updated_at = now`, which is what the poller watches.
"""

from __future__ import annotations

import argparse
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from sqlalchemy import Engine, String, bindparam, select, type_coerce, update

from dashboard.case_rows import TIME_COLUMNS, complete_cases, insert_cases
from dashboard.db import make_engine, migrate
from dashboard.lifecycle import case_status
from dashboard.rules import Rules, load_rules
from dashboard.schema import Case
from dashboard.settings import load_settings
from data_loader import demo_model as dm
from data_loader.seed import ensure_reference, load_geography

log = logging.getLogger(__name__)

# Mean time to the next step, as a fraction of the SLA window (respond / resolve) of the case.
RESPOND_MEAN = 0.25
RESOLVE_MEAN = 0.35
# Hazard of an extension once 80% of the resolve window has passed (general and complex only).
EXTEND_MEAN = 0.4
CALLBACK_MEAN_S = 20 * 3600
UNREACHABLE = 0.05
MAX_STEP_S = 60.0  # after a pause, do not replay hours of events in one tick
PROGRESS_COLUMNS = ("responded_at", "resolved_at", "extended_until", "resolve_due_at", "callback_at",
                    "contacted", "solved", "satisfaction", "status")  # fmt: skip


@dataclass
class TickResult:
    inserted: int
    progressed: int


@dataclass
class Simulator:
    """Draws each tick from one generator; townships and their quality come from the seed's model."""

    engine: Engine
    rules: Rules
    rate: float
    seed: int = 12345
    tz: str = "Asia/Shanghai"
    caller_key: str = "demo-key-change-me"
    geo: dm.Geography = field(init=False)
    rng: np.random.Generator = field(init=False)

    def __post_init__(self) -> None:
        ensure_reference(self.engine)
        self.geo = load_geography(self.engine, self.seed)
        self.rng = np.random.default_rng([self.seed, 4])

    def tick(self, now: datetime, elapsed: float) -> TickResult:
        """Insert the orders that arrived in the last `elapsed` seconds and advance open cases."""
        elapsed = min(elapsed, MAX_STEP_S)
        return TickResult(self._insert_new(now, elapsed), self._progress(now, elapsed))

    def _insert_new(self, now: datetime, elapsed: float) -> int:
        hour = pd.Timestamp(now).tz_convert(self.tz).hour
        n = self.rng.poisson(self.rate * elapsed * dm.HOURLY[hour] * 24)
        if n == 0:
            return 0
        cut = dm.as_utc(now)
        received = np.sort(cut - self.rng.integers(0, max(1, int(elapsed)), n).astype("timedelta64[s]"))
        orders = dm.draw_orders(self.rng, received, self.geo, self.tz)
        stamp = pd.Timestamp(now).tz_convert(self.tz).strftime("%Y%m%d%H%M%S%f")[:17]
        ids = np.array([f"L{stamp}{i:03d}" for i in range(n)], dtype=object)
        frame = dm.contract_frame(self.rng, orders, ids, self.geo, self.rules, now, self.tz, self.caller_key, self.seed)
        return insert_cases(self.engine, complete_cases(frame, self.rules, now))

    def _open_cases(self) -> pd.DataFrame:
        """Cases not yet closed; times are parsed by pandas in one go, not value by value.

        type_coerce skips the per-value UTCDateTime processing (SQLite hands back text, PostgreSQL
        datetimes; both parse as UTC), which is most of a tick's cost with tens of thousands open.
        """
        names = ("case_id", "township_code", "urgency", "dispatched_at", *PROGRESS_COLUMNS)
        table = Case.__table__
        columns = [type_coerce(table.c[c], String).label(c) if c in TIME_COLUMNS else table.c[c] for c in names]
        query = select(*columns).where(table.c.status.in_(("open", "responded", "resolved")))
        with self.engine.connect() as conn:
            frame = pd.DataFrame([tuple(row) for row in conn.execute(query)], columns=list(names))
        for col in TIME_COLUMNS:
            if col in frame:
                frame[col] = pd.to_datetime(frame[col], utc=True, format="ISO8601").astype("datetime64[us, UTC]")
        return frame

    def _progress(self, now: datetime, elapsed: float) -> int:
        cases = self._open_cases()
        if cases.empty:
            return 0
        rng, stamp = self.rng, pd.Timestamp(now).tz_convert("UTC")
        n = len(cases)
        month = dm.month_number(pd.DatetimeIndex([stamp.tz_convert(self.tz)]))
        quality = dm.township_quality(len(self.geo.codes), month, self.seed)[0]
        q = quality[np.searchsorted(self.geo.codes, cases["township_code"].to_numpy())]
        respond_w = cases["urgency"].map({k: r.respond.total_seconds() for k, r in self.rules.urgency.items()})
        resolve_w = cases["urgency"].map({k: r.resolve.total_seconds() for k, r in self.rules.urgency.items()})
        speed = np.exp(0.3 * q)  # better townships are faster

        def happens(mean_s: np.ndarray) -> np.ndarray:
            return rng.random(n) < 1 - np.exp(-elapsed * speed / np.asarray(mean_s, dtype=float))

        # Each case takes at most one step per tick, the one its current stage allows.
        open_ = cases["responded_at"].isna()
        responding = open_.to_numpy() & happens(RESPOND_MEAN * respond_w)
        working = (~open_ & cases["resolved_at"].isna()).to_numpy()
        resolving = working & happens(RESOLVE_MEAN * resolve_w)
        age = (stamp - cases["dispatched_at"]).dt.total_seconds().to_numpy()
        extending = (
            working & ~resolving & cases["extended_until"].isna().to_numpy()
            & cases["urgency"].isin(("general", "complex")).to_numpy()
            & (age > 0.8 * resolve_w.to_numpy()) & happens(EXTEND_MEAN * resolve_w)
        )  # fmt: skip
        office = 9 <= stamp.tz_convert(self.tz).hour < 20
        awaiting = (cases["resolved_at"].notna() & cases["callback_at"].isna()).to_numpy()
        calling = awaiting & office & happens(np.full(n, CALLBACK_MEAN_S))

        cases.loc[responding, "responded_at"] = stamp
        cases.loc[resolving, "resolved_at"] = stamp
        extension = pd.to_timedelta(rng.uniform(5, 15, n), unit="D")
        cases.loc[extending, "extended_until"] = (cases["resolve_due_at"] + extension)[extending]
        cases.loc[extending, "resolve_due_at"] = cases.loc[extending, "extended_until"]
        self._call_back(cases, calling, q, stamp)
        changed = responding | resolving | extending | calling
        cases["status"] = case_status(cases["responded_at"], cases["resolved_at"], cases["callback_at"])
        return self._write(cases[changed], now)

    def _call_back(self, cases: pd.DataFrame, calling: np.ndarray, quality: np.ndarray, stamp: pd.Timestamp) -> None:
        """Record callbacks; a few do not reach the caller and carry no answers (not valid)."""
        late = (cases["resolved_at"] > cases["resolve_due_at"]).to_numpy()
        answers = dm.callback_answers(self.rng, quality[calling], late[calling])
        reached = self.rng.random(int(calling.sum())) >= UNREACHABLE
        cases.loc[calling, "callback_at"] = stamp
        for col, values in answers.items():
            cases[col] = cases[col].astype(object)
            cases.loc[calling, col] = np.where(reached, values, None)

    def _write(self, changed: pd.DataFrame, now: datetime) -> int:
        if changed.empty:
            return 0
        table = Case.__table__
        params = [
            {"key": row["case_id"], "updated_at": now,
             **{c: (None if pd.isna(row[c]) else row[c].to_pydatetime() if isinstance(row[c], pd.Timestamp)
                    else row[c]) for c in PROGRESS_COLUMNS}}
            for row in changed.to_dict("records")
        ]  # fmt: skip
        statement = update(table).where(table.c.case_id == bindparam("key"))
        with self.engine.begin() as conn:
            conn.execute(statement, params)
        return len(params)


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
) -> TickResult:
    """Tick until `stop_event` is set (or `duration` seconds passed); safe to run in a thread.

    A failing tick is logged and retried at the next one, so a database restart does not end the demo.
    """
    sim = Simulator(engine, rules, rate, seed, tz, caller_key)
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


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rate",
        type=float,
        default=0.1,
        help="new orders per second on average over a day (default 0.1, about 8,600 a day)",
    )
    parser.add_argument("--duration", type=float, default=None, help="stop after this many seconds (default: run)")
    parser.add_argument("--tick", type=float, default=5.0, help="seconds between ticks (default 5)")
    parser.add_argument("--seed", type=int, default=12345, help="the seed the demo history was made with")


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    settings = load_settings()
    engine = make_engine(settings.database_url)
    migrate(engine)
    try:
        total = run_simulator(
            engine, load_rules(settings.rules_path), args.rate, threading.Event(), args.seed,
            tick_seconds=args.tick, duration=args.duration, tz=settings.tz_name, caller_key=settings.caller_hash_key,
        )  # fmt: skip
    except KeyboardInterrupt:
        return 0
    print(f"simulate: {total.inserted} new orders, {total.progressed} steps")
    return 0

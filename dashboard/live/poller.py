"""The snapshot poller: one leader per deployment builds one snapshot per tick and publishes it.

Run in-process by `python app.py`, or alone with `python -m dashboard poller` next to gunicorn
workers. Each tick reads the change feed once (dashboard/live/change_feed.py) and hands the same
change set to the rollups (so rankings never scan cases) and the open-case set; `build_snapshot`
assembles one versioned snapshot for every viewer, with `data_as_of` = the time of that read.

Leadership: a lease (the cache's lock with expiry) is renewed by its own thread every third of its
life, so a long tick (the first rollup rebuild on millions of cases) does not lose it; a dead
leader's lease expires and another poller takes over. A *standby* poller (in a web worker) works
only while the shared cache is unreachable, so screens stay live on the in-process path.

Watchdog: a tick that runs past `tick_deadline` (30x that for the first, which may rebuild the
rollups) means this poller is alive but not working (a hung query, a stuck lock): the lease thread
then stops renewing and releases the lease so another poller takes over, and the hung tick's
result, should it ever finish, is not published.

Staleness: when a tick fails (database down), the last good snapshot is republished once with
`stale = {"since", "reason"}` and its `generated_at` unchanged, so every screen keeps its data,
says it is stale and its age badge goes amber, then red. The next good tick clears it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from dashboard.alerts.center import AlertCenter
from dashboard.assessment.rules import Rules
from dashboard.live.cache import SnapshotCache, new_owner_id
from dashboard.live.change_feed import Feed
from dashboard.live.open_cases import OpenCases
from dashboard.live.rollups import RollupConsumer
from dashboard.live.snapshot import Names, SlowLane, build_snapshot, next_due
from dashboard.ops.logs import tagged
from dashboard.ops.metrics import observe_tick

log = logging.getLogger(__name__)
TICK_DEADLINE_SECONDS = 120.0  # the default of HOTLINE_TICK_DEADLINE (dashboard/settings.py)
# The first tick may rebuild the rollups (about 75 s per million cases, bench/results): it gets longer.
FIRST_TICK_FACTOR = 30


def describe_failure(exc: Exception) -> str:
    """A short, screen-safe reason (no connection strings or SQL): what failed and the error class."""
    if isinstance(exc, DBAPIError):
        return f"database unreachable: {exc.orig.__class__.__name__ if exc.orig else exc.__class__.__name__}"
    return f"snapshot build failed: {exc.__class__.__name__}"


class Poller:
    """Holds the incremental state between ticks (open cases, slow lane, names, last good snapshot)."""

    def __init__(
        self,
        engine: Engine,
        rules: Rules,
        cache: SnapshotCache,
        tz: ZoneInfo,
        poll_seconds: float,
        *,
        standby: bool = False,
        lease_seconds: float | None = None,
        tick_deadline: float = TICK_DEADLINE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.rules = rules
        self.cache = cache
        self.tz = tz
        self.poll_seconds = poll_seconds
        self.standby = standby
        self.lease_seconds = lease_seconds or max(3 * poll_seconds, 5.0)
        self.owner = new_owner_id()
        self.open_cases = OpenCases()
        self.feed = Feed([RollupConsumer(rules, tz), self.open_cases])
        self.slow = SlowLane()
        self.names: Names | None = None
        self.last_good: dict[str, Any] | None = None
        self.stale: dict[str, str] | None = None
        self.ticks = 0
        self.loops = 0  # iterations of the run loop: tests wait on it instead of on the clock
        self.tick_deadline = tick_deadline
        self.clock = clock
        self._tick_started: float | None = None
        self.leading = threading.Event()
        self._running = threading.Event()
        self._running.set()
        self._last_version = 0
        self.alerts = AlertCenter.from_environment(engine, rules)  # evaluated after each tick

    def _next_version(self, now: datetime) -> int:
        """Milliseconds since the epoch, strictly increasing within this poller."""
        self._last_version = max(int(now.timestamp() * 1000), self._last_version + 1)
        return self._last_version

    def tick(self, now: datetime | None = None) -> dict[str, Any]:
        """Fold changes into the rollups and open cases, build the snapshot, publish it. Raises on errors."""
        now = now or datetime.now(UTC)
        self.feed.advance(self.engine)
        if self.names is None or self.names.townships.empty:
            self.names = Names.load(self.engine)
        snapshot = build_snapshot(
            self.engine, self.rules, self.tz, now, self.open_cases, self.names, self._next_version(now), self.slow
        )
        snapshot["stale"] = None
        snapshot["cache_degraded"] = self.cache.degraded
        if self.hung():
            raise TimeoutError(f"tick ran past its {self.tick_deadline:g} s deadline; another poller leads now")
        self.cache.publish(snapshot)
        self.last_good, self.stale = snapshot, None
        self.ticks += 1
        self.observe_alerts(snapshot, now)
        return snapshot

    def tick_or_mark_stale(self, now: datetime | None = None) -> bool:
        """One tick; on failure keep the last good snapshot on screen, flagged stale. True on success."""
        now = now or datetime.now(UTC)
        self._tick_started = started = self.clock()
        try:
            with tagged(f"tick-{self.owner[:8]}-{self.ticks + 1}"):
                self.tick(now)
            observe_tick(self.clock() - started, True, self.open_cases.changed_last_tick)
            return True
        except Exception as exc:
            observe_tick(self.clock() - started, False, None)
            log.debug("tick failed", exc_info=True)
            reason = describe_failure(exc)
            if self.hung():
                return False  # do not overwrite the new leader's snapshot with our stale one
        finally:
            self._tick_started = None
        try:
            self.mark_stale(reason, now)
        except Exception as exc:  # the cache is down too: the screens' age badge still tells the truth
            log.warning("could not publish the stale snapshot: %s", exc)
        self.observe_alerts({**self.last_good, "stale": self.stale} if self.last_good else None, now)
        return False

    def observe_alerts(self, snapshot: dict[str, Any] | None, now: datetime) -> None:
        """Raise this tick's alerts (delivery runs on the alert center's own thread); never fails a tick."""
        try:
            failing = snapshot is None or snapshot.get("stale")
            self.alerts.observe(snapshot, now, None if failing else self._watched_orders(now))
        except Exception:
            log.exception("alert evaluation failed")

    def _watched_orders(self, now: datetime) -> pd.DataFrame:
        """The open orders the due-soon alerts watch, with their next deadline: only the watched
        urgencies, so a tick does not redo the whole open set the snapshot has just been built from."""
        frame = self.open_cases.frame
        watched = frame[frame["urgency"].isin(self.rules.alerts.due_soon_urgencies)]
        return watched if watched.empty else next_due(watched, now, self.rules)

    def mark_stale(self, reason: str, now: datetime) -> None:
        """Republish the last good snapshot with `stale` set, once per distinct reason."""
        if self.stale is not None and self.stale["reason"] == reason:
            return
        log.warning("poller tick failed (%s): serving the last good snapshot as stale", reason)
        self.stale = {"since": (self.stale or {}).get("since") or now.isoformat(), "reason": reason}
        base = self.last_good or self.cache.get()
        if base is None:
            return  # nothing to keep on screen yet; /health says "starting"
        self.cache.publish({**base, "version": self._next_version(now), "stale": self.stale})

    def pause(self) -> None:
        """Stop ticking but keep the lease: what a hung poller looks like to the screens (tests, ops)."""
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def _may_lead(self) -> bool:
        """A standby poller works only while no shared cache (Redis) is reachable."""
        return not self.standby or not (self.cache.ping() and self.cache.shared)

    def hung(self) -> bool:
        """True while a tick has been running for longer than its deadline."""
        started = self._tick_started
        limit = self.tick_deadline * (FIRST_TICK_FACTOR if self.ticks == 0 else 1)
        return started is not None and self.clock() - started > limit

    def renew_lease(self) -> bool:
        """Take or renew the lease if this poller may lead; sets `leading` accordingly.

        A hung poller gives its lease up (released, so the takeover need not wait for the expiry).
        """
        if self.hung():
            if self.leading.is_set():
                log.error("poller tick has run past its %g s deadline: giving up the lease", self.tick_deadline)
                self.leading.clear()
                try:
                    self.cache.release(self.owner)
                except Exception as exc:  # the lease then simply expires
                    log.warning("poller could not release its lease: %s", exc)
            return False
        try:
            held = self._may_lead() and self.cache.try_lead(self.owner, self.lease_seconds)
        except Exception as exc:  # a plain RedisCache raises when Redis is down: not leading then
            log.warning("poller could not renew its lease: %s", exc)
            held = False
        if held:
            self.leading.set()
        else:
            self.leading.clear()
        return held

    def _keep_lease(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.renew_lease()
            stop.wait(self.lease_seconds / 3)

    def run(self, stop: threading.Event) -> None:
        """Tick every poll interval while leading; keep going through database and Redis outages."""
        self.renew_lease()  # lead from the first iteration, not one renewal period later
        threading.Thread(target=self._keep_lease, args=(stop,), name="poller-lease", daemon=True).start()
        while not stop.is_set():
            started = time.monotonic()
            if self.leading.is_set() and self._running.is_set():
                self.tick_or_mark_stale()
            self.loops += 1
            stop.wait(max(0.2, self.poll_seconds - (time.monotonic() - started)))
        self.leading.clear()
        try:
            self.cache.release(self.owner)
        except Exception as exc:  # the lease then simply expires
            log.warning("poller could not release its lease: %s", exc)


def start_in_thread(poller: Poller) -> threading.Event:
    """Run `poller` in a daemon thread; setting the returned event stops it and releases the lease."""
    stop = threading.Event()
    threading.Thread(target=poller.run, args=(stop,), name="snapshot-poller", daemon=True).start()
    return stop

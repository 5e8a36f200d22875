"""The snapshot poller: one leader per deployment builds one snapshot per tick and publishes it.

Run in-process by `python app.py`, or alone with `python -m dashboard poller` next to gunicorn
workers. Each tick reads only what changed since the watermarks (case `updated_at`): the rollups
fold the changes in (`rollups.apply_changes`, so rankings never scan cases), the open-case set
applies them, and `build_snapshot` assembles one versioned snapshot for every viewer.

Leadership: a lease (the cache's lock with expiry) is renewed by its own thread every third of its
life, so a long tick (the first rollup rebuild on millions of cases) does not lose it; a dead
leader's lease expires and another poller takes over. A *standby* poller (in a web worker) works
only while the shared cache is unreachable, so screens stay live on the in-process path.

Staleness: when a tick fails (database down), the last good snapshot is republished once with
`stale = {"since", "reason"}` and its `generated_at` unchanged, so every screen keeps its data,
says it is stale and its age badge goes amber, then red. The next good tick clears it.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
import time
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from dashboard.alerts.center import AlertCenter
from dashboard.cache import SnapshotCache, new_owner_id
from dashboard.open_cases import OpenCases
from dashboard.rollups import apply_changes
from dashboard.rules import Rules
from dashboard.snapshot import Names, SlowLane, build_snapshot

log = logging.getLogger(__name__)


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
        self.slow = SlowLane()
        self.names: Names | None = None
        self.last_good: dict[str, Any] | None = None
        self.stale: dict[str, str] | None = None
        self.ticks = 0
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
        apply_changes(self.engine, self.rules, tz=self.tz)
        if self.names is None or self.names.townships.empty:
            self.names = Names.load(self.engine)
        self.open_cases.refresh(self.engine)
        snapshot = build_snapshot(
            self.engine, self.rules, self.tz, now, self.open_cases, self.names, self._next_version(now), self.slow
        )
        snapshot["stale"] = None
        snapshot["cache_degraded"] = self.cache.degraded
        self.cache.publish(snapshot)
        self.last_good, self.stale = snapshot, None
        self.ticks += 1
        self.observe_alerts(snapshot, now)
        return snapshot

    def tick_or_mark_stale(self, now: datetime | None = None) -> bool:
        """One tick; on failure keep the last good snapshot on screen, flagged stale. True on success."""
        now = now or datetime.now(UTC)
        try:
            self.tick(now)
            return True
        except Exception as exc:
            log.debug("tick failed", exc_info=True)
            reason = describe_failure(exc)
        try:
            self.mark_stale(reason, now)
        except Exception as exc:  # the cache is down too: the screens' age badge still tells the truth
            log.warning("could not publish the stale snapshot: %s", exc)
        self.observe_alerts({**self.last_good, "stale": self.stale} if self.last_good else None, now)
        return False

    def observe_alerts(self, snapshot: dict[str, Any] | None, now: datetime) -> None:
        """Raise this tick's alerts (delivery runs on the alert center's own thread); never fails a tick."""
        try:
            self.alerts.observe(snapshot, now)
        except Exception:
            log.exception("alert evaluation failed")

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

    def renew_lease(self) -> bool:
        """Take or renew the lease if this poller may lead; sets `leading` accordingly."""
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


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--once", action="store_true", help="build and publish one snapshot, then exit")


def run(args: argparse.Namespace) -> int:
    from dashboard.runtime import Runtime

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    runtime = Runtime.from_environment()
    poller = runtime.make_poller(standby=False)
    if args.once:
        poller.tick()
        return 0
    log.info("poller %s started (cache: %s, every %ss)", poller.owner[:8], runtime.cache.kind,
             runtime.settings.poll_seconds)  # fmt: skip
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())  # systemd / supervisor stop: release the lease
    try:
        poller.run(stop)
    except KeyboardInterrupt:
        stop.set()
    return 0

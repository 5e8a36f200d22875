"""The snapshot poller: one leader per deployment builds one snapshot per tick and publishes it.

Run in-process by `python app.py`, or alone with `python -m dashboard poller` next to gunicorn
workers. With Redis, a lock with expiry makes exactly one poller work; a dead leader's lock
expires and another poller takes over.
"""

from __future__ import annotations

import argparse
import logging
import threading
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from dashboard.cache import SnapshotCache, new_owner_id
from dashboard.open_cases import OpenCases
from dashboard.rules import Rules
from dashboard.snapshot import Names, build_snapshot

log = logging.getLogger(__name__)


class Poller:
    """Holds the incremental state between ticks (open cases, watermark, reference names)."""

    def __init__(self, engine: Engine, rules: Rules, cache: SnapshotCache, tz, poll_seconds: float) -> None:
        self.engine = engine
        self.rules = rules
        self.cache = cache
        self.tz = tz
        self.poll_seconds = poll_seconds
        self.owner = new_owner_id()
        self.open_cases = OpenCases()
        self.names: Names | None = None
        self.last_error: str | None = None
        self.ticks = 0

    def tick(self, now: datetime | None = None) -> dict[str, Any]:
        """Read what changed, rebuild the snapshot, publish it. Raises on database errors."""
        now = now or datetime.now(UTC)
        if self.names is None or self.names.townships.empty:
            self.names = Names.load(self.engine)
        self.open_cases.refresh(self.engine)
        version = int(now.timestamp() * 1000)
        snapshot = build_snapshot(self.engine, self.rules, self.tz, now, self.open_cases, self.names, version)
        self.cache.publish(snapshot)
        self.ticks += 1
        return snapshot

    def run(self, stop: threading.Event) -> None:
        """Tick every poll interval while leader; keep going through database outages."""
        ttl = max(3 * self.poll_seconds, 5.0)
        while not stop.is_set():
            started = time.monotonic()
            try:
                if self.cache.try_lead(self.owner, ttl):
                    self.tick()
                    self.last_error = None
            except Exception as exc:
                if str(exc) != self.last_error:
                    log.warning("poller tick failed: %s", exc)
                self.last_error = str(exc)
            stop.wait(max(0.2, self.poll_seconds - (time.monotonic() - started)))
        self.cache.release(self.owner)


def start_in_thread(poller: Poller) -> threading.Event:
    stop = threading.Event()
    threading.Thread(target=poller.run, args=(stop,), name="snapshot-poller", daemon=True).start()
    return stop


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--once", action="store_true", help="build and publish one snapshot, then exit")


def run(args: argparse.Namespace) -> int:
    from dashboard.runtime import Runtime

    runtime = Runtime.from_environment()
    poller = runtime.make_poller()
    if args.once:
        poller.tick()
        return 0
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    log.info("poller started (cache: %s, every %ss)", runtime.cache.kind, runtime.settings.poll_seconds)
    stop = threading.Event()
    try:
        poller.run(stop)
    except KeyboardInterrupt:
        stop.set()
    return 0

"""`python -m dashboard poller`: the snapshot poller alone, for multi-worker deployments."""

from __future__ import annotations

import argparse
import logging
import signal
import threading

from dashboard.ops.logs import configure_logging
from dashboard.runtime import Runtime

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--once", action="store_true", help="build and publish one snapshot, then exit")


def run(args: argparse.Namespace) -> int:
    configure_logging()
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

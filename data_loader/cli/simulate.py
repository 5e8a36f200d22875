"""`python -m data_loader simulate`: run the live simulator against the configured database."""

from __future__ import annotations

import argparse
import logging
import threading

from dashboard.runtime import Runtime
from data_loader.demo.simulate import run_simulator


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rate",
        type=float,
        default=0.1,
        help="new orders per second on average over a day (default 0.1, about 8,600 a day)",
    )
    parser.add_argument("--duration", type=float, default=None, help="stop after this many seconds (default: run)")
    parser.add_argument("--tick", type=float, default=5.0, help="seconds between ticks (default 5)")
    parser.add_argument("--flat", action="store_true", help="the same rate at every hour (soaks, load tests)")
    parser.add_argument("--seed", type=int, default=12345, help="the seed the demo history was made with")


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    runtime = Runtime.from_environment()
    settings = runtime.settings
    try:
        total = run_simulator(
            runtime.engine, runtime.rules, args.rate, threading.Event(), args.seed,
            tick_seconds=args.tick, duration=args.duration, tz=settings.tz_name, caller_key=settings.caller_hash_key,
            flat=args.flat,
        )  # fmt: skip
    except KeyboardInterrupt:
        return 0
    print(f"simulate: {total.inserted} new orders, {total.progressed} steps")
    return 0

"""`python -m data_loader seed`: fill an empty database with demo history."""

from __future__ import annotations

import argparse
import time

from dashboard.runtime import Runtime
from data_loader.demo.seed import SeedError, seed_database


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--days", type=int, default=60, help="days of history ending now (default 60)")
    parser.add_argument("--per-day", type=float, default=7000, help="average orders per day (default 7000)")
    parser.add_argument("--seed", type=int, default=12345, help="random seed: same seed, same city (default 12345)")


def run(args: argparse.Namespace) -> int:
    if args.days < 1 or args.per_day <= 0:
        print("seed: --days must be at least 1 and --per-day positive")
        return 2
    runtime = Runtime.from_environment()
    settings = runtime.settings
    started = time.perf_counter()
    try:
        written = seed_database(
            runtime.engine, runtime.rules, days=args.days, per_day=args.per_day, seed=args.seed,
            tz=settings.tz_name, caller_key=settings.caller_hash_key,
        )  # fmt: skip
    except SeedError as exc:
        print(f"seed: {exc}")
        return 1
    print(f"seed: {written} orders over {args.days} days in {time.perf_counter() - started:.1f} s")
    return 0

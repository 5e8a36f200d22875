"""`python -m data_loader sync`: incrementally copy cases from an existing case database."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from dashboard.runtime import Runtime
from dashboard.store.db import make_engine
from data_loader.reference_tables import load_reference
from data_loader.sync import SyncError, load_mapping, sync_once


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source", required=True, help="SQLAlchemy URL of the existing case database")
    parser.add_argument("--mapping", required=True, type=Path, help="TOML mapping file (see docs/import.md)")
    parser.add_argument("--once", action="store_true", help="catch up once, then exit")
    parser.add_argument("--interval", type=float, default=30.0, help="seconds between polls (default 30)")
    parser.add_argument("--batch-size", type=int, default=5000, help="rows per committed batch (default 5000)")


def run(args: argparse.Namespace) -> int:
    try:
        mapping = load_mapping(args.mapping)
        runtime = Runtime.from_environment()
        settings, rules, target = runtime.settings, runtime.rules, runtime.engine
        load_reference(target)
        source = make_engine(args.source)
        while True:
            for summary in sync_once(source, target, mapping, settings, rules, args.batch_size):
                print(json.dumps(summary.as_dict()), flush=True)
            if args.once:
                return 0
            time.sleep(args.interval)
    except SyncError as exc:
        print(f"sync: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0

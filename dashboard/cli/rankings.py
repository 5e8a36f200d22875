"""`python -m dashboard rankings`: the rankings contract of BRIEF 5 on the command line.

Same `rankings_payload` as `GET /api/v1/rankings`, so both agree to the last digit.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dashboard.assessment.export import FORMATS, render
from dashboard.assessment.periods import PERIOD_KINDS
from dashboard.assessment.rankings import rankings_payload
from dashboard.assessment.rules import LEVELS
from dashboard.live.rollups import catch_up
from dashboard.runtime import Runtime
from dashboard.scope import Scope


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--period", choices=PERIOD_KINDS, required=True)
    parser.add_argument("--date", required=True, help="YYYY-MM-DD for a day, YYYY-MM for a month")
    parser.add_argument("--level", choices=LEVELS, required=True)
    parser.add_argument("--format", choices=FORMATS, default="json")
    parser.add_argument("--out", type=Path, help="write to this file (required for xlsx); default stdout")
    parser.add_argument(
        "--district",
        action="append",
        metavar="CODE",
        help="only rows of this district (repeatable); ranks stay city-wide",
    )


def run(args: argparse.Namespace) -> int:
    if args.format == "xlsx" and args.out is None:
        print("rankings: --format xlsx needs --out PATH", file=sys.stderr)
        return 2
    runtime = Runtime.from_environment()
    scope = Scope.for_districts(args.district) if args.district else Scope.all()
    catch_up(runtime.engine, runtime.rules, runtime.settings.tz)  # current with or without a poller
    try:
        payload = rankings_payload(runtime.engine, runtime.rules, args.period, args.date, args.level, scope)
    except ValueError as exc:
        print(f"rankings: {exc}", file=sys.stderr)
        return 2
    data = render(payload, args.format)
    if args.out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        args.out.write_bytes(data)
    return 0

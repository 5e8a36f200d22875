"""`python -m dashboard forecast`: the month-end forecast on a day, or its back-test on past months.

python -m dashboard forecast --as-of 2026-11-10 [--district 110105]
python -m dashboard forecast --backtest 2026-10 2026-11 [--out docs/forecast-backtest.md]
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from dashboard.assessment.backtest import markdown, observations
from dashboard.assessment.forecast import DEFAULT_SIMULATIONS, forecast
from dashboard.runtime import Runtime
from dashboard.scope import Scope


def add_arguments(parser: argparse.ArgumentParser) -> None:
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--as-of", type=date.fromisoformat, help="forecast the month of this day (YYYY-MM-DD)")
    what.add_argument("--backtest", nargs="+", metavar="YYYY-MM", help="replay day 10 and day 20 of these months")
    parser.add_argument("--district", action="append", metavar="CODE", help="only rows of this district")
    parser.add_argument("--sims", type=int, default=DEFAULT_SIMULATIONS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="write the back-test tables (markdown) here; default stdout")


def run(args: argparse.Namespace) -> int:
    runtime = Runtime.from_environment()
    engine, rules = runtime.engine, runtime.rules
    try:
        if args.backtest:
            obs = observations(engine, rules, args.backtest, args.sims, args.seed)
            text = markdown(obs, args.backtest, args.sims, args.seed, engine.url.render_as_string(hide_password=True))
            if args.out:
                args.out.write_text(text, "utf-8")
            else:
                print(text, end="")
            return 0
        scope = Scope.for_districts(args.district) if args.district else Scope.all()
        print(json.dumps(forecast(engine, rules, args.as_of, scope, args.sims, args.seed), ensure_ascii=False))
    except ValueError as exc:
        print(f"forecast: {exc}", file=sys.stderr)
        return 2
    return 0

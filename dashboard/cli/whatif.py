"""`python -m dashboard whatif --rules FILE --date YYYY-MM`: preview changed rules on a past month.

Prints the official and the what-if rank, composite and classes side by side, marking the units
whose class changes (`*`); `--format json` prints the whole comparison. Reads only.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from dashboard.assessment.rules import LEVELS, RulesError, load_rules
from dashboard.assessment.whatif import compare
from dashboard.runtime import Runtime
from dashboard.scope import Scope


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rules", type=Path, required=True, help="the changed rules file (TOML)")
    parser.add_argument("--date", required=True, help="the month, YYYY-MM")
    parser.add_argument("--level", choices=LEVELS, default="township")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.add_argument("--district", action="append", metavar="CODE", help="only rows of this district (repeatable)")


def _classes(side: dict) -> str:
    return ",".join(side["classes"]) or "-"


def table_lines(result: dict) -> list[str]:
    """A plain fixed-width table: one line per unit, `*` where the class changes."""
    official, whatif = result["official_rules"], result["whatif_rules"]
    lines = [
        f"what-if {result['level']} {result['month']}: official {official['version']} ({official['digest']}) "
        f"vs {whatif['version']} ({whatif['digest']}); {len(result['changed'])} change class",
        f"  {'code':<10} {'name':<14} {'rank':>5} {'->':>2} {'rank':<5} {'composite':>9} {'->':>2} "
        f"{'composite':<9}  classes -> classes",
    ]
    for r in result["rows"]:
        o, w = r["official"], r["whatif"]
        fmt = lambda v: "-" if v is None else (f"{v:.2f}" if isinstance(v, float) else str(v))  # noqa: E731
        mark = "*" if r["class_changed"] else " "
        lines.append(
            f"{mark} {r['code']:<10} {r['name']:<14} {fmt(o['rank']):>5} -> {fmt(w['rank']):<5} "
            f"{fmt(o['composite']):>9} -> {fmt(w['composite']):<9}  {_classes(o)} -> {_classes(w)}"
        )
    return lines


def run(args: argparse.Namespace) -> int:
    runtime = Runtime.from_environment()
    scope = Scope.for_districts(args.district) if args.district else Scope.all()
    try:
        candidate = load_rules(args.rules)
        result = compare(runtime.engine, runtime.rules, candidate, args.date, args.level, scope)
    except (RulesError, ValueError) as exc:
        print(f"whatif: {exc}", file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print("\n".join(table_lines(result)))
    return 0

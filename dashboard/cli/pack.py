"""`python -m dashboard pack --district CODE --date YYYY-MM --format xlsx|pdf --out PATH`."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from dashboard.assessment.pack import MIMETYPES, build_pack, render_pack
from dashboard.runtime import Runtime
from dashboard.scope import Scope


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--district", required=True, help="district code, e.g. 110105")
    parser.add_argument("--date", required=True, help="the month, YYYY-MM")
    parser.add_argument("--format", choices=tuple(MIMETYPES), default="pdf")
    parser.add_argument("--out", type=Path, required=True)


def run(args: argparse.Namespace) -> int:
    runtime = Runtime.from_environment()
    try:
        pack = build_pack(runtime.engine, runtime.rules, args.district, args.date, Scope.all(), datetime.now(UTC),
                          runtime.settings.tz)  # fmt: skip
    except ValueError as exc:
        print(f"pack: {exc}", file=sys.stderr)
        return 2
    args.out.write_bytes(render_pack(pack, args.format))
    print(f"pack: wrote {args.out} ({args.format}, {len(pack['townships'])} townships)")
    return 0

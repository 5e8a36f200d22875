"""`python -m data_loader rejected`: list or export the rows an import kept aside."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dashboard.runtime import Runtime
from data_loader.files.rejected import rejected_rows, render


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--batch", type=int, help="import batch id (default: the newest batch with rejections)")
    parser.add_argument("--format", choices=("table", "csv", "json"), default="table")
    parser.add_argument("--out", type=Path, help="write to this file instead of standard output")


def run(args: argparse.Namespace) -> int:
    try:
        engine = Runtime.from_environment().engine
        text = render(rejected_rows(engine, args.batch), args.format)
        if args.out:
            args.out.write_text(text, encoding="utf-8-sig" if args.format == "csv" else "utf-8")
        else:
            print(text)
    except OSError as exc:
        print(f"rejected: {exc}", file=sys.stderr)
        return 1
    return 0

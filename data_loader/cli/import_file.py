"""`python -m data_loader import PATH`: one file as one atomic batch; the JSON summary is the last line."""

from __future__ import annotations

import argparse
import json
import sys

from dashboard.runtime import Runtime
from data_loader.files.importer import import_file
from data_loader.files.parsing import ImportFileError
from data_loader.files.readers import FORMATS
from data_loader.reference_tables import load_reference
from geo.coords import SYSTEMS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help="CSV, XLSX, JSON or Open311 requests.json file")
    parser.add_argument("--format", choices=FORMATS, default="auto", help="file format (default: by content)")
    parser.add_argument(
        "--coords", choices=SYSTEMS, default="wgs84", help="coordinate system of lat/lon in the file (stored as WGS-84)"
    )


def run(args: argparse.Namespace) -> int:
    try:
        runtime = Runtime.from_environment()
        load_reference(runtime.engine)
        summary = import_file(runtime.engine, args.path, runtime.settings, runtime.rules, args.format, args.coords)
    except ImportFileError as exc:
        print(f"import: {args.path}: {exc}", file=sys.stderr)
        return 2
    if summary.rejected:
        print(
            f"{summary.rejected} rows rejected; list them with: python -m data_loader rejected --batch {summary.batch}"
        )
    print(json.dumps(summary.as_dict()))
    return 0

"""`python -m dashboard audit [--since DATE]`: the audit log, one tab-separated line per entry."""

from __future__ import annotations

import argparse
from datetime import datetime

from dashboard.access import audit
from dashboard.runtime import Runtime


def since_value(raw: str) -> datetime:
    """A date or time (ISO 8601); a naive one is in HOTLINE_TZ."""
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--since takes a date like 2026-12-01 or 2026-12-01T08:00, got {raw!r}"
        ) from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", type=since_value, help="only entries from this date or time on")


def run(args: argparse.Namespace) -> int:
    runtime = Runtime.from_environment()
    since = args.since
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=runtime.settings.tz)
    for entry in audit.entries(runtime.engine, since):
        fields = (entry["at"], entry["actor"], entry["action"], entry["target"], entry["address"], entry["detail"])
        print("\t".join("-" if v is None else str(v) for v in fields))
    return 0

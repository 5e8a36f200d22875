"""`python -m dashboard rebuild-rollups`: rebuild the daily rollups from the cases table."""

from __future__ import annotations

import argparse
import json

from sqlalchemy import func, select

from dashboard.live.rollups import rebuild
from dashboard.runtime import Runtime
from dashboard.store.schema import DailyRollup


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No options: the database, rules and time zone come from the environment (BRIEF 5)."""


def run(args: argparse.Namespace) -> int:
    """Rebuild, then print a one-line JSON summary."""
    runtime = Runtime.from_environment()
    engine = runtime.engine
    position = rebuild(engine, runtime.rules, runtime.settings.tz)
    with engine.connect() as conn:
        rows = conn.execute(select(func.count()).select_from(DailyRollup)).scalar_one()
    print(json.dumps({"rollup_rows": rows, "position": position}))
    return 0

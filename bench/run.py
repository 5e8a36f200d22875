"""`python -m bench [--scale 100k|1m|10m] [--quick]`: every city-scale figure of issue 13, one run.

Builds (or reuses) a database of that many simulated cases at 30,000 a day in SQLite and in
PostgreSQL (bench/dataset.py), then measures on each engine: the cold first tick and warm ticks
with 1 / 100 / 1,000 changed cases, the snapshot's size and decode time, the full rollup rebuild,
the monthly township ranking from the rollups against the GROUP BY over cases a BI tool would run;
and on PostgreSQL the viewer load (gunicorn with 2 workers, a separate poller, 50 walls and 10
tablets on loopback), page weights and memory. Writes bench/results/<scale>[-quick].json and
regenerates docs/benchmarks.md from every results file. `--quick` (fewer repeats, 15 s load
phases) finishes within 5 minutes at 100k.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from sqlalchemy import text

from bench import dataset, ranking, report, ticks, viewers
from dashboard.assessment.periods import assessment_day
from dashboard.assessment.rules import load_rules
from dashboard.live.rollups import rebuild
from dashboard.settings import load_settings
from dashboard.store.db import make_engine

RESULTS = Path(__file__).resolve().parent / "results"
PACKAGES = ("dash", "plotly", "pandas", "SQLAlchemy", "psycopg", "redis", "gunicorn", "flask-compress")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scale", choices=tuple(dataset.SCALES), default="100k")
    parser.add_argument("--quick", action="store_true", help="fewer repeats and 15 s load phases (< 5 minutes)")
    parser.add_argument("--engines", default="sqlite,postgresql", help="comma-separated: sqlite,postgresql")
    parser.add_argument("--no-viewers", action="store_true", help="skip the gunicorn viewer load")


def machine() -> dict:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())  # fmt: skip
    memory = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))  # fmt: skip
    load = os.getloadavg()
    return {"cpu": model, "cpus": os.cpu_count(), "memory_gb": round(memory / 1024 / 1024, 1),
            "python": platform.python_version(), "os": platform.platform(), "load_avg_at_start": load,
            "packages": {p: _version(p) for p in PACKAGES}}  # fmt: skip


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def engine_version(url: str) -> str:
    engine = make_engine(url)
    with engine.connect() as conn:
        query = "SELECT version()" if engine.dialect.name == "postgresql" else "SELECT 'SQLite ' || sqlite_version()"
        value = conn.scalar(text(query))
    engine.dispose()
    return value.split(" on ")[0]


def measure_engine(kind: str, scale: str, quick: bool, with_viewers: bool) -> dict:
    data = dataset.ensure(kind, scale)
    seeded = f"seeded in {data.seed_seconds:.0f} s" if data.seed_seconds else "reused"
    print(f"[{kind}] {data.cases:,} cases ({seeded})", flush=True)
    settings = load_settings({**os.environ, "DATABASE_URL": data.url})
    rules = load_rules(settings.rules_path)
    engine = make_engine(data.url)
    started = time.perf_counter()
    rebuild(engine, rules, settings.tz)
    rebuilt = time.perf_counter() - started
    print(f"[{kind}] rollup rebuild {rebuilt:.1f} s", flush=True)
    figures = {"engine": engine_version(data.url), "cases": data.cases, "seed_seconds": data.seed_seconds,
               "seed_rows_per_s": data.cases / data.seed_seconds if data.seed_seconds else None,
               "rollup_rebuild_s": rebuilt}  # fmt: skip
    today = assessment_day(datetime.now(UTC), rules, settings.tz)
    figures["ranking"] = ranking.measure(engine, rules, settings.tz, today, 5 if quick else 15)
    print(f"[{kind}] ranking {figures['ranking']}", flush=True)
    engine.dispose()
    figures["ticks"] = ticks.measure(data.url, 3 if quick else 9)
    print(f"[{kind}] ticks {figures['ticks']}", flush=True)
    if with_viewers and kind == "postgresql":
        figures["viewers"] = viewers.measure(data.url, f"bench_{scale}", dataset.PG_ADMIN_URL, 15 if quick else 60)
        print(f"[{kind}] viewers done", flush=True)
    return figures


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    result = {"scale": args.scale, "quick": args.quick, "date": datetime.now(UTC).isoformat(timespec="seconds"),
              "per_day": dataset.PER_DAY, "machine": machine(), "engines": {}}  # fmt: skip
    for kind in args.engines.split(","):
        result["engines"][kind] = measure_engine(kind, args.scale, args.quick, not args.no_viewers)
    result["seconds"] = time.perf_counter() - started
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{args.scale}{'-quick' if args.quick else ''}.json"
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    report.write_markdown(RESULTS, report.DOC)
    print(f"wrote {out} and {report.DOC} in {result['seconds']:.0f} s", flush=True)
    return 0

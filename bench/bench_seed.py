"""Seed throughput: demo history generated and written, on SQLite and PostgreSQL.

Run from the repository root: `python bench/bench_seed.py` (writes bench/results/seed.md).
Targets (issues 2 and 4): 60 days x 7,000 orders into SQLite under 60 s; 1 million orders under
120 s into SQLite or PostgreSQL. PostgreSQL is skipped (and said so) when BENCH_PG_ADMIN_URL
(default: the test server) is unreachable. Each run uses a fresh, migrated database.
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboard.assessment.rules import load_rules
from dashboard.settings import DEFAULT_RULES_PATH
from dashboard.store.case_rows import complete_cases, insert_cases
from dashboard.store.db import make_engine, migrate
from data_loader.demo.seed import ensure_reference, generate_history, load_geography

RESULTS = Path(__file__).resolve().parent / "results" / "seed.md"
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
RUNS = (  # label, engine kind, days, orders per day, target seconds
    ("60 days x 7,000 (demo default)", "sqlite", 60, 7000, 60),
    ("1 million (146 days x 7,000)", "sqlite", 146, 7000, 120),
    ("1 million (146 days x 7,000)", "postgresql", 146, 7000, 120),
)


@dataclass
class Figure:
    label: str
    engine: str
    rows: int
    generate_s: float
    insert_s: float
    target_s: float

    @property
    def total_s(self) -> float:
        return self.generate_s + self.insert_s


@contextmanager
def fresh_engine(kind: str) -> Iterator[Engine]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            engine = make_engine(f"sqlite:///{folder}/bench.db")
            migrate(engine)
            yield engine
            engine.dispose()
        return
    name = f"hotline_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
    try:
        migrate(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def measure(label: str, kind: str, days: int, per_day: int, target: float) -> Figure:
    rules = load_rules(DEFAULT_RULES_PATH)
    with fresh_engine(kind) as engine:
        ensure_reference(engine)
        now = datetime.now(UTC)
        started = time.perf_counter()
        frame = generate_history(load_geography(engine, 12345), rules, now, days, per_day, 12345,
                                 "Asia/Shanghai", "bench-key")  # fmt: skip
        frame = complete_cases(frame, rules, now)
        generated = time.perf_counter()
        rows = insert_cases(engine, frame)
        return Figure(label, kind, rows, generated - started, time.perf_counter() - generated, target)


def report(figures: list[Figure], skipped: list[str]) -> str:
    lines = [
        "# Seed benchmark",
        "",
        f"`python bench/bench_seed.py`, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}. Generation = numpy model + `complete_cases`; "
        "insert = `insert_cases` (`dashboard.store.db.bulk_insert`: COPY of Arrow-rendered CSV on PostgreSQL, "
        "executemany on SQLite; secondary indexes, and PostgreSQL foreign keys, rebuilt after the load). "
        f"1-minute load average at the end: {os.getloadavg()[0]:.1f} (2 CPUs; above 2, other processes compete).",
        "",
        "| run | engine | rows | generate s | insert s | total s | rows/s | target s | total / target |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for f in figures:
        lines.append(
            f"| {f.label} | {f.engine} | {f.rows:,} | {f.generate_s:.1f} | {f.insert_s:.1f} | {f.total_s:.1f} "
            f"| {f.rows / f.total_s:,.0f} | {f.target_s:.0f} | {f.total_s / f.target_s:.2f} |"
        )
    lines += [f"\nSkipped: {s}" for s in skipped]
    return "\n".join(lines) + "\n"


def main() -> int:
    figures, skipped = [], []
    for label, kind, days, per_day, target in RUNS:
        try:
            figures.append(measure(label, kind, days, per_day, target))
        except Exception as exc:  # an unreachable server skips its row, it does not end the bench
            if kind != "postgresql":
                raise
            skipped.append(f"{label} on {kind}: {exc.__class__.__name__}: {str(exc).splitlines()[0]}")
        print(report(figures, skipped).splitlines()[-1])
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report(figures, skipped), encoding="utf-8")
    print(RESULTS.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

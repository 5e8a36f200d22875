"""Benchmark databases: `scale` simulated cases at 30,000 a day, built once and reused.

SQLite lives at data/bench_<scale>.db, PostgreSQL in the database bench_<scale> on BENCH_PG_ADMIN_URL.
The seed (data_loader's demo model) is stamped 10 minutes in the past so that the rollups' re-read
overlap does not count the seed itself as "changed" in the first warm ticks.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, create_engine, func, select, text, update

from dashboard.assessment.rules import Rules, load_rules
from dashboard.settings import Settings, load_settings
from dashboard.store.case_rows import complete_cases, insert_cases
from dashboard.store.db import make_engine, migrate
from dashboard.store.schema import Case
from data_loader.demo.seed import ensure_reference, generate_history, load_geography, seed_database

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PER_DAY = 30_000
SCALES = {"100k": 100_000, "1m": 1_000_000, "10m": 10_000_000}
CHUNK_DAYS = 30  # longer histories are seeded a month at a time


@dataclass(frozen=True)
class Dataset:
    engine_kind: str
    url: str
    cases: int
    seed_seconds: float | None  # None: reused from an earlier run


def database_url(engine_kind: str, scale: str) -> str:
    """The benchmark database's URL; creates the empty PostgreSQL database when missing."""
    if engine_kind == "sqlite":
        (ROOT / "data").mkdir(exist_ok=True)
        return f"sqlite:///{ROOT / 'data' / f'bench_{scale}.db'}"
    return pg_database(f"bench_{scale}")


def pg_database(name: str) -> str:
    """URL of the PostgreSQL database `name` on BENCH_PG_ADMIN_URL's server, created when missing."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def seed_in_chunks(engine: Engine, rules: Rules, days: int, now: datetime, settings: Settings) -> None:
    """A long history month by month (10 M rows at once would need ~20 GB of memory in pandas).

    Each chunk is the demo model's history ending at its own "now", so a chunk leaves the orders of its
    last days open; the orders still open in every chunk but the last are then resolved, as a real
    history would have them, so the open set is the last month's (~110,000), not one per chunk.
    """
    ensure_reference(engine)
    geography = load_geography(engine, 12345)
    offset, chunk = days, 0
    while offset > 0:
        span = offset % CHUNK_DAYS or CHUNK_DAYS  # the oldest chunk takes the remainder
        offset -= span
        end = now - timedelta(days=offset)
        frame = generate_history(geography, rules, end, span, PER_DAY, 12345 + chunk, settings.tz_name,
                                 settings.caller_hash_key)  # fmt: skip
        insert_cases(engine, complete_cases(frame, rules, end))
        print(f"  seeded {span} days ending {end:%Y-%m-%d}: {len(frame):,} cases", flush=True)
        chunk += 1
    last_start = now - timedelta(days=CHUNK_DAYS)
    with engine.begin() as conn:
        conn.execute(
            update(Case)
            .where(Case.status.in_(("open", "responded")), Case.received_at < last_start)
            .values(status="resolved", responded_at=func.coalesce(Case.responded_at, Case.dispatched_at),
                    resolved_at=func.coalesce(Case.resolve_due_at, Case.dispatched_at))
        )  # fmt: skip


def ensure(engine_kind: str, scale: str) -> Dataset:
    """Migrate, and seed `SCALES[scale]` cases (days x 30,000) into an empty database."""
    url = database_url(engine_kind, scale)
    engine = make_engine(url)
    migrate(engine)
    with engine.connect() as conn:
        existing = conn.scalar(select(func.count()).select_from(Case))
    seconds = None
    if not existing:
        settings = load_settings({**os.environ, "DATABASE_URL": url})
        started = time.perf_counter()
        days, rules, now = math.ceil(SCALES[scale] / PER_DAY), load_rules(settings.rules_path), datetime.now(UTC)
        if days <= CHUNK_DAYS:
            seed_database(engine, rules, days=days, per_day=PER_DAY, seed=12345, now=now - timedelta(minutes=10),
                          tz=settings.tz_name, caller_key=settings.caller_hash_key)  # fmt: skip
        else:
            seed_in_chunks(engine, rules, days, now - timedelta(minutes=10), settings)
        seconds = time.perf_counter() - started
    with engine.connect() as conn:
        total = conn.scalar(select(func.count()).select_from(Case))
    engine.dispose()
    return Dataset(engine_kind, url, total, seconds)

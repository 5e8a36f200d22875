"""The poller on real SQLite and PostgreSQL: incremental ticks, the stale flag, standby and pause."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, func, select

from dashboard.assessment.rules import load_rules
from dashboard.live.cache import FallbackCache, MemoryCache, RedisCache
from dashboard.live.poller import Poller, start_in_thread
from dashboard.settings import load_settings
from dashboard.store.schema import DailyRollup
from data_loader.demo.seed import seed_database

SETTINGS = load_settings()
RULES = load_rules(SETTINGS.rules_path)


def seeded(engine):
    """Three days as the live server has them (small seeds can trip hotspots' empty-baseline path)."""
    seed_database(engine, RULES, days=3, per_day=1500, seed=7, caller_key="test")
    return engine


def make_poller(engine, cache=None, **kwargs) -> Poller:
    return Poller(engine, RULES, cache or MemoryCache(), SETTINGS.tz, 1.0, **kwargs)


def rollup_orders(engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.sum(DailyRollup.orders))) or 0)


def test_tick_folds_a_new_case_into_rollups_open_cases_and_the_snapshot(any_engine, insert_case):
    engine = seeded(any_engine)
    poller = make_poller(engine)
    insert_case(engine, "T-NEW-0")
    first = poller.tick()
    before = rollup_orders(engine)
    town = insert_case(engine, "T-NEW-1")
    second = poller.tick()
    assert second["version"] > first["version"]
    # Only changes were read: the new case (PostgreSQL may re-read commits made while an older
    # transaction anywhere in the cluster was open; see dashboard/live/change_feed.py).
    assert poller.open_cases.changed_last_tick == 1 or engine.dialect.name == "postgresql"
    assert rollup_orders(engine) == before + 1  # rollups moved incrementally, no rebuild
    assert second["kpis"]["orders_today"] == first["kpis"]["orders_today"] + 1
    # the open orders stay in the database (the SLA board pages them); the snapshot counts them
    assert second["kpis"]["open"] == first["kpis"]["open"] + 1
    assert second["map"]["township"][town]["open"] == first["map"]["township"][town]["open"] + 1
    assert second["stale"] is None and second["cache_degraded"] is None
    assert poller.cache.get() is second


def test_failed_tick_keeps_the_last_snapshot_flagged_stale_then_recovers(sqlite_engine, tmp_path):
    engine = seeded(sqlite_engine)
    poller = make_poller(engine)
    good = poller.tick()
    poller.engine = create_engine(f"sqlite:///{tmp_path / 'missing' / 'nowhere.db'}")  # cannot be opened
    assert not poller.tick_or_mark_stale()
    stale = poller.cache.get()
    assert stale["stale"]["reason"] == "database unreachable: OperationalError"
    assert stale["generated_at"] == good["generated_at"]  # browsers' age badge keeps counting
    assert stale["version"] > good["version"] and stale["kpis"] == good["kpis"]
    assert not poller.tick_or_mark_stale()
    assert poller.cache.get()["version"] == stale["version"]  # same reason: published once

    poller.engine = engine
    assert poller.tick_or_mark_stale()
    fresh = poller.cache.get()
    assert fresh["stale"] is None and fresh["generated_at"] > good["generated_at"]


def test_a_standby_poller_works_only_while_no_shared_cache_answers(sqlite_engine, throwaway_redis):
    assert make_poller(sqlite_engine, MemoryCache(), standby=True).renew_lease()  # alone: it is the poller
    cache = FallbackCache(RedisCache(throwaway_redis.url), retry_seconds=0.1)
    standby = make_poller(sqlite_engine, cache, standby=True)
    assert not standby.renew_lease() and not standby.leading.is_set()
    throwaway_redis.stop()
    assert standby.renew_lease() and standby.leading.is_set()
    throwaway_redis.start()
    time.sleep(0.2)
    assert not standby.renew_lease()


def test_pause_stops_ticking_and_resume_restarts(sqlite_engine):
    poller = make_poller(seeded(sqlite_engine))
    poller.poll_seconds = 0.2
    stop = start_in_thread(poller)
    try:
        deadline = time.monotonic() + 120
        while poller.ticks < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        poller.pause()
        loops = poller.loops  # a tick under way when paused may still finish: wait loops, not seconds
        while poller.loops < loops + 2 and time.monotonic() < deadline + 60:
            time.sleep(0.05)
        paused_at, loops = poller.ticks, poller.loops
        while poller.loops < loops + 3 and time.monotonic() < deadline + 60:
            time.sleep(0.05)
        assert poller.loops >= loops + 3 and poller.ticks == paused_at
        poller.resume()
        deadline = time.monotonic() + 120
        while poller.ticks == paused_at and time.monotonic() < deadline:
            time.sleep(0.05)
        assert poller.ticks > paused_at
    finally:
        stop.set()


def test_versions_strictly_increase_even_within_one_millisecond(sqlite_engine):
    poller = make_poller(sqlite_engine)
    now = datetime(2026, 10, 5, 2, 0, tzinfo=UTC)
    assert poller._next_version(now) < poller._next_version(now) < poller._next_version(now)


@pytest.mark.parametrize("role", ["web", "all"])
def test_runtime_makes_web_workers_pollers_standby(sqlite_url, role):
    import os

    from dashboard.runtime import Runtime

    runtime = Runtime.from_environment({**os.environ, "DATABASE_URL": sqlite_url, "HOTLINE_ROLE": role})
    assert runtime.make_poller().standby is (role == "web")

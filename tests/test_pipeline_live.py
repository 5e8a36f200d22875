"""The live pipeline against the real PostgreSQL and Redis (issue 6, "done when").

Redis outages use a throwaway redis-server (never the machine's Redis); database outages close the
test's own PostgreSQL database to connections (ALLOW_CONNECTIONS false + terminate its sessions),
which is what clients see when the database server goes away, and reopen it: same data, no DROP.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from flask import Flask
from sqlalchemy import create_engine, make_url, text

from dashboard.api.json_api import make_blueprint
from dashboard.assessment.rules import load_rules
from dashboard.live.cache import DEGRADED_KIND, PREFIX, FallbackCache, RedisCache
from dashboard.live.poller import Poller, start_in_thread
from dashboard.runtime import Runtime
from dashboard.settings import load_settings
from data_loader.demo.seed import seed_database
from tests.conftest import PG_ADMIN_URL
from tests.waiting import wait_for

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
SETTINGS = load_settings({"POLL_SECONDS": "1"})
RULES = load_rules(SETTINGS.rules_path)
POLL = 1.0


@pytest.fixture
def seeded_pg(pg_engine):
    seed_database(pg_engine, RULES, days=3, per_day=1500, seed=7, caller_key="test")
    return pg_engine


def poller_for(engine, cache, **kwargs) -> Poller:
    return Poller(engine, RULES, cache, SETTINGS.tz, POLL, **kwargs)


@contextmanager
def running(*pollers: Poller) -> Iterator[None]:
    stops = [start_in_thread(p) for p in pollers]
    try:
        yield
    finally:
        for stop in stops:
            stop.set()


def web_worker(engine, cache) -> Flask:
    """What a gunicorn worker serves, minus the Dash pages: the API blueprint on its own cache."""
    app = Flask("worker")
    app.register_blueprint(make_blueprint(Runtime(SETTINGS, engine, RULES, cache, "web")))
    return app


def test_a_new_case_reaches_another_workers_snapshot_within_one_interval(seeded_pg, redis_url, insert_case):
    poller = poller_for(seeded_pg, FallbackCache(RedisCache(redis_url)))
    published: list[int] = []  # open orders in each published snapshot (the simulator is off: only our insert)
    publish = poller.cache.publish
    poller.cache.publish = lambda snap: (published.append(snap["kpis"]["open"]), publish(snap))
    worker = FallbackCache(RedisCache(redis_url))
    with running(poller):
        wait_for(worker.get, 60, "a first snapshot in Redis")
        before_open, before = published[-1], len(published)
        insert_case(seeded_pg, "LIVE-1")
        wait_for(lambda: (worker.get() or {}).get("kpis", {}).get("open") == before_open + 1, 120,
                 "the case in another worker's snapshot")  # fmt: skip
    # Counted in ticks, not seconds: the tick under way at the commit may have read before it; the
    # next one must carry the case. So the first or second snapshot published after the commit has it.
    first_with = next(i for i, n in enumerate(published) if i >= before and n == before_open + 1)
    assert first_with - before <= 1, (before, first_with)


def test_two_pollers_on_one_redis_never_both_work(seeded_pg, redis_url):
    first = poller_for(seeded_pg, FallbackCache(RedisCache(redis_url)))
    second = poller_for(seeded_pg, FallbackCache(RedisCache(redis_url)))
    with running(first, second):
        wait_for(lambda: first.ticks + second.ticks >= 4, 120, "four ticks")
    assert sorted([first.ticks > 0, second.ticks > 0]) == [False, True], (first.ticks, second.ticks)
    assert not (first.leading.is_set() and second.leading.is_set())


@pytest.mark.faults
def test_killing_the_lock_holder_hands_over_within_the_lease(seeded_pg, pg_url, redis_url):
    env = {**os.environ, "DATABASE_URL": pg_url, "REDIS_URL": redis_url, "POLL_SECONDS": str(POLL)}
    holder = subprocess.Popen([sys.executable, "-m", "dashboard", "poller"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    client = redis.Redis.from_url(redis_url)
    try:
        wait_for(lambda: client.get(PREFIX + "version"), 120, "the poller process publishes")
        holder_id = client.get(PREFIX + "leader")
        other = poller_for(seeded_pg, FallbackCache(RedisCache(redis_url)))
        with running(other):
            wait_for(lambda: other.loops >= 2, 120, "the other poller tries to lead")
            assert other.ticks == 0 and not other.leading.is_set()
            holder.send_signal(signal.SIGKILL)  # dies holding the lock: no release
            holder.wait(timeout=60)
            assert client.pttl(PREFIX + "leader") <= other.lease_seconds * 1000  # the lease lapses by itself
            wait_for(lambda: other.ticks > 0, 120, "handover")
        assert holder_id and client.get(PREFIX + "leader") in (None, other.owner.encode())
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(timeout=10)
        client.close()


@pytest.mark.faults
def test_redis_down_workers_keep_serving_in_process_say_so_and_return(seeded_pg, throwaway_redis, insert_case):
    poller = poller_for(seeded_pg, FallbackCache(RedisCache(throwaway_redis.url), retry_seconds=0.5))
    cache = FallbackCache(RedisCache(throwaway_redis.url), retry_seconds=0.5)
    standby = poller_for(seeded_pg, cache, standby=True)
    web = web_worker(seeded_pg, cache).test_client()
    with running(poller, standby):
        wait_for(lambda: web.get("/api/v1/snapshot").status_code == 200, 60, "a snapshot through Redis")
        assert web.get("/health").json["cache"] == "redis"
        assert standby.ticks == 0

        throwaway_redis.stop()
        health = wait_for(lambda: (h := web.get("/health").json)["cache"] == DEGRADED_KIND and h, 60, "says so")
        assert health["status"] == "degraded" and health["cache_degraded"].startswith("redis unreachable")
        assert web.get("/api/v1/snapshot").status_code == 200  # the last snapshot stays on screen
        before = web.get("/api/v1/snapshot").json["kpis"]["open"]
        insert_case(seeded_pg, "LIVE-REDIS-DOWN")
        snap = wait_for(lambda: (s := web.get("/api/v1/snapshot").json)["kpis"]["open"] == before + 1 and s, 120,
                        "the worker's own poller keeps the screen live")  # fmt: skip
        assert snap["cache_degraded"].startswith("redis unreachable") and standby.ticks > 0

        throwaway_redis.start()
        wait_for(lambda: web.get("/health").json["cache"] == "redis", 60, "back on Redis")
        wait_for(lambda: web.get("/api/v1/snapshot").json["cache_degraded"] is None, 60, "the leader's snapshot")
        wait_for(lambda: not standby.leading.is_set(), 60, "the standby poller goes idle")
        loops = standby.loops  # a tick already under way when the lease was dropped may still finish:
        wait_for(lambda: standby.loops >= loops + 2, 120, "a full idle loop")  # wait loops, not seconds
        idle_ticks, loops = standby.ticks, standby.loops
        wait_for(lambda: standby.loops >= loops + 3, 120, "three more loops")
        assert standby.ticks == idle_ticks


def set_connections(pg_url: str, allowed: bool) -> None:
    """Open or close the test database to connections, terminating its sessions when closing."""
    name = make_url(pg_url).database
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS {str(allowed).lower()}'))
        if not allowed:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name})
    admin.dispose()


@pytest.mark.faults
def test_database_down_serves_the_last_snapshot_flagged_stale_and_recovers(seeded_pg, pg_url, redis_url):
    cache = FallbackCache(RedisCache(redis_url))
    poller = poller_for(seeded_pg, cache)
    web = web_worker(seeded_pg, FallbackCache(RedisCache(redis_url))).test_client()
    with running(poller):
        good = wait_for(lambda: (r := web.get("/api/v1/snapshot")).status_code == 200 and r.json, 60, "snapshot")
        try:
            set_connections(pg_url, False)
            # A busy machine may first show the web side's "no new snapshot" flag: the poller's reason follows.
            stale = wait_for(lambda: (s := web.get("/api/v1/snapshot").json)["stale"]
                             and s["stale"]["reason"].startswith("database unreachable") and s, 120,
                             "the stale flag saying why")  # fmt: skip
            assert stale["generated_at"] >= good["generated_at"] and stale["kpis"]["orders_today"] > 0
            health = web.get("/health")
            assert health.status_code == 200 and health.json["status"] == "degraded"
            assert health.json["database"].startswith("error") and health.json["snapshot_stale"]
        finally:
            set_connections(pg_url, True)
        fresh = wait_for(lambda: (s := web.get("/api/v1/snapshot").json)["stale"] is None and s, 120, "recovery")
        assert fresh["generated_at"] > stale["generated_at"]
        wait_for(lambda: web.get("/health").json["status"] == "ok", 60, "health ok again")


@pytest.mark.faults
def test_a_dead_poller_is_reported_by_the_workers_themselves(seeded_pg, redis_url):
    poller = poller_for(seeded_pg, FallbackCache(RedisCache(redis_url)))
    web = web_worker(seeded_pg, FallbackCache(RedisCache(redis_url))).test_client()
    stop = start_in_thread(poller)
    wait_for(lambda: web.get("/api/v1/snapshot").status_code == 200, 60, "snapshot")
    stop.set()
    stale = wait_for(lambda: (s := web.get("/api/v1/snapshot").json).get("stale") and s, 120, "stale flag")
    assert "poller" in stale["stale"]["reason"]
    assert web.get("/health").json["status"] == "degraded"

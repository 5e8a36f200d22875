"""The snapshot cache: one interface, in memory or in a real Redis, with the leader lock and the fallback."""

from __future__ import annotations

import time

from dashboard.live.cache import DEGRADED_KIND, FallbackCache, MemoryCache, RedisCache
from dashboard.runtime import make_cache


def snap(version: int) -> dict:
    return {"version": version, "generated_at": "2026-10-05T10:00:00+00:00", "kpis": {"orders_today": version}}


def test_memory_cache_publishes_and_leads_alone():
    cache = MemoryCache()
    assert cache.version() is None and cache.get() is None
    cache.publish(snap(3))
    assert cache.version() == 3 and cache.get()["kpis"]["orders_today"] == 3
    assert cache.try_lead("a", 10) and not cache.try_lead("b", 10)
    cache.release("a")
    assert cache.try_lead("b", 10)
    assert not cache.shared and cache.degraded is None


def test_redis_cache_stores_once_and_decodes_only_new_versions(redis_url):
    writer, reader = RedisCache(redis_url), RedisCache(redis_url)
    assert reader.version() is None and reader.get() is None
    writer.publish(snap(1))
    first = reader.get()
    assert first["version"] == 1 and reader.get() is first  # same version: no second decode
    writer.publish(snap(2))
    assert reader.version() == 2 and reader.get()["kpis"]["orders_today"] == 2


def test_redis_lock_is_exclusive_expires_and_releases(redis_url):
    a, b = RedisCache(redis_url), RedisCache(redis_url)
    assert a.try_lead("a", 60)
    assert not b.try_lead("b", 60)
    assert a.try_lead("a", 0.3)  # renewal by the holder, with a short life this time
    deadline = time.monotonic() + 60
    while not b.try_lead("b", 5) and time.monotonic() < deadline:  # the holder stopped renewing
        time.sleep(0.05)
    assert not a.try_lead("a", 5)  # taken over
    a.release("a")  # not the holder any more: no effect
    assert not a.try_lead("a", 5)
    b.release("b")
    assert a.try_lead("a", 5)


def test_fallback_keeps_serving_from_memory_says_so_and_returns_to_redis(throwaway_redis):
    cache = FallbackCache(RedisCache(throwaway_redis.url), retry_seconds=0.2)
    reader = FallbackCache(RedisCache(throwaway_redis.url), retry_seconds=0.2)
    cache.publish(snap(1))
    assert reader.get()["version"] == 1 and reader.kind == "redis" and reader.shared

    throwaway_redis.stop()
    assert reader.get()["version"] == 1  # the last snapshot it read stays on screen
    assert reader.kind == DEGRADED_KIND and reader.degraded.startswith("redis unreachable")
    assert not reader.shared and not reader.ping()
    assert reader.try_lead("worker", 5)  # a standby poller may now work on the in-process path
    reader.publish(snap(2))
    assert reader.version() == 2

    throwaway_redis.start()
    time.sleep(0.3)
    assert reader.ping() and reader.kind == "redis" and reader.degraded is None
    # Redis came back empty: the worker keeps its own snapshot until the leader publishes again.
    assert reader.get()["version"] == 2
    cache.publish(snap(3))
    assert reader.get()["version"] == 3


def test_make_cache_picks_memory_without_url_and_fallback_with_one(throwaway_redis):
    assert isinstance(make_cache(None), MemoryCache)
    cache = make_cache(throwaway_redis.url)
    assert isinstance(cache, FallbackCache) and cache.kind == "redis"
    throwaway_redis.stop()
    down = make_cache(throwaway_redis.url)  # starts degraded, recovers later instead of staying memory-only
    assert isinstance(down, FallbackCache) and down.kind == DEGRADED_KIND


def test_fallback_does_not_retry_redis_on_every_request(throwaway_redis):
    cache = FallbackCache(RedisCache(throwaway_redis.url), retry_seconds=60)
    cache.publish(snap(1))
    throwaway_redis.stop()
    assert cache.version() == 1
    asked = []
    real = cache.redis.version
    cache.redis.version = lambda: asked.append(1) or real()
    for _ in range(200):
        assert cache.version() == 1  # served from memory
    assert asked == []  # no connection attempt within the 60 s retry interval

"""Where the one snapshot per tick is published and read: Redis when configured, else in-process.

All implementations share one small interface so the poller and the web workers never care which
is in use. Redis also provides the leader lock that lets exactly one poller work.

`FallbackCache` is what a deployment with `REDIS_URL` gets: Redis while it answers; the process's
own memory while it does not (keeping the last snapshot it read, so screens never go blank), with
`degraded` saying why; and Redis again as soon as a probe succeeds. Workers read the tiny version
key on every browser poll and decode the stored snapshot only when that version moved.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import redis

PREFIX = "hotline:"
RETRY_SECONDS = 3.0  # while Redis is down, probe it at most this often (a probe may wait the connect timeout)
DEGRADED_KIND = "memory (redis unreachable)"

log = logging.getLogger(__name__)
T = TypeVar("T")


class SnapshotCache(Protocol):
    kind: str
    shared: bool  # True when other processes see what this one publishes
    degraded: str | None  # None when healthy, else why the shared cache is not in use

    def publish(self, snapshot: dict[str, Any]) -> None: ...
    def version(self) -> int | None: ...
    def get(self) -> dict[str, Any] | None: ...
    def try_lead(self, owner: str, ttl_seconds: float) -> bool: ...
    def release(self, owner: str) -> None: ...
    def ping(self) -> bool: ...


class MemoryCache:
    """Process-local cache: one dict behind a lock. The leader lock only spans this process."""

    kind = "memory"
    shared = False
    degraded = None

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._snapshot: dict[str, Any] | None = None
        self._leader: tuple[str, float] | None = None

    def publish(self, snapshot: dict[str, Any]) -> None:
        with self._lock:
            self._snapshot = snapshot

    def version(self) -> int | None:
        snap = self._snapshot
        return None if snap is None else int(snap["version"])

    def get(self) -> dict[str, Any] | None:
        return self._snapshot

    def try_lead(self, owner: str, ttl_seconds: float) -> bool:
        now = time.monotonic()
        with self._lock:
            if self._leader is None or self._leader[0] == owner or self._leader[1] < now:
                self._leader = (owner, now + ttl_seconds)
                return True
            return False

    def release(self, owner: str) -> None:
        with self._lock:
            if self._leader and self._leader[0] == owner:
                self._leader = None

    def ping(self) -> bool:
        return True


# Renew only if we still hold the lock; take it if free. Atomic in Redis.
_LEAD_SCRIPT = """
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""
_RELEASE_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisCache:
    """Snapshot stored once in Redis; workers poll the tiny version key and keep a decoded copy.

    Every method except `ping` raises `redis.RedisError` when Redis does not answer.
    """

    kind = "redis"
    shared = True
    degraded = None

    def __init__(self, url: str, namespace: str = PREFIX) -> None:
        self._client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=1)
        self._ns = namespace
        self._local: dict[str, Any] | None = None
        self._decode_lock = threading.Lock()
        self._lead = self._client.register_script(_LEAD_SCRIPT)
        self._release = self._client.register_script(_RELEASE_SCRIPT)

    def _key(self, name: str) -> str:
        return f"{self._ns}{name}"

    def publish(self, snapshot: dict[str, Any]) -> None:
        body = json.dumps(snapshot, ensure_ascii=False, separators=(",", ":"))
        pipe = self._client.pipeline(transaction=True)
        pipe.set(self._key("snapshot"), body)
        pipe.set(self._key("version"), int(snapshot["version"]))
        pipe.publish(self._key("events"), int(snapshot["version"]))
        pipe.execute()
        self._local = snapshot

    def version(self) -> int | None:
        raw = self._client.get(self._key("version"))
        return None if raw is None else int(raw)

    def get(self) -> dict[str, Any] | None:
        """Decode the stored snapshot only when its version moved since our last read, once per version."""
        current = self.version()
        if current is None:
            return None
        if self._local is not None and int(self._local["version"]) == current:
            return self._local
        with self._decode_lock:  # every request thread of a worker waits for one decode, not one each
            if self._local is not None and int(self._local["version"]) == current:
                return self._local
            raw = self._client.get(self._key("snapshot"))
            self._local = None if raw is None else json.loads(raw)
        return self._local

    def last_read(self) -> dict[str, Any] | None:
        """The snapshot this process last published or decoded, without asking Redis."""
        return self._local

    def try_lead(self, owner: str, ttl_seconds: float) -> bool:
        return bool(self._lead(keys=[self._key("leader")], args=[owner, int(ttl_seconds * 1000)]))

    def release(self, owner: str) -> None:
        self._release(keys=[self._key("leader")], args=[owner])

    def ping(self) -> bool:
        try:
            return bool(self._client.ping())
        except redis.RedisError:
            return False


class FallbackCache:
    """Redis while it answers, this process's memory while it does not; says which in `kind`/`degraded`.

    While degraded, Redis is probed at most every `retry_seconds`, so requests do not each wait for a
    connect timeout. The memory side starts from the last snapshot read from Redis, so screens keep
    their data; a local poller (see `Poller(standby=True)`) keeps it current until Redis returns.
    """

    def __init__(self, redis_cache: RedisCache, retry_seconds: float = RETRY_SECONDS) -> None:
        self.redis = redis_cache
        self.local = MemoryCache()
        self.retry_seconds = retry_seconds
        self.degraded: str | None = None
        self._retry_at = 0.0
        self._lock = threading.Lock()

    @property
    def kind(self) -> str:
        return RedisCache.kind if self.degraded is None else DEGRADED_KIND

    @property
    def shared(self) -> bool:
        return self.degraded is None

    def _use(self, on_shared: Callable[[RedisCache], T], on_local: Callable[[MemoryCache], T]) -> T:
        if self.degraded is not None and time.monotonic() < self._retry_at:
            return on_local(self.local)
        try:
            result = on_shared(self.redis)
        except redis.RedisError as exc:
            self._went_down(exc)
            return on_local(self.local)
        if self.degraded is not None:
            self._came_back()
        return result

    def _went_down(self, exc: Exception) -> None:
        with self._lock:
            self._retry_at = time.monotonic() + self.retry_seconds
            if self.degraded is not None:
                return
            self.degraded = f"redis unreachable: {exc.__class__.__name__}"
            seen = self.redis.last_read()
            if seen is not None and (self.local.version() or 0) < int(seen["version"]):
                self.local.publish(seen)
        log.warning("Redis is unreachable (%s): serving from the in-process cache", exc)

    def _came_back(self) -> None:
        with self._lock:
            if self.degraded is None:
                return
            self.degraded = None
        log.info("Redis is reachable again: back on the shared cache")

    def publish(self, snapshot: dict[str, Any]) -> None:
        self.local.publish(snapshot)  # a cheap reference: the fallback if Redis is (or becomes) empty
        self._use(lambda c: c.publish(snapshot), lambda _: None)

    def version(self) -> int | None:
        # A Redis that came back empty (restarted, flushed) has no snapshot yet: keep serving ours meanwhile.
        return self._use(lambda c: c.version(), MemoryCache.version) or self.local.version() or self._seen_version()

    def get(self) -> dict[str, Any] | None:
        return self._use(lambda c: c.get(), MemoryCache.get) or self.local.get() or self.redis.last_read()

    def _seen_version(self) -> int | None:
        seen = self.redis.last_read()
        return None if seen is None else int(seen["version"])

    def try_lead(self, owner: str, ttl_seconds: float) -> bool:
        return self._use(lambda c: c.try_lead(owner, ttl_seconds), lambda c: c.try_lead(owner, ttl_seconds))

    def release(self, owner: str) -> None:
        self.local.release(owner)
        self._use(lambda c: c.release(owner), lambda _: None)

    def ping(self) -> bool:
        """Probe Redis now (rate-limited while degraded); True when the shared cache is in use."""
        self._use(lambda c: c.version(), lambda _: None)
        return self.degraded is None


def new_owner_id() -> str:
    return uuid.uuid4().hex

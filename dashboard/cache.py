"""Where the one snapshot per tick is published and read: Redis when configured, else in-process.

Both implementations share one small interface so the poller and the web workers never care
which is in use. Redis also provides the leader lock that lets exactly one poller work.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from typing import Any, Protocol

import redis

PREFIX = "hotline:"


class SnapshotCache(Protocol):
    kind: str

    def publish(self, snapshot: dict[str, Any]) -> None: ...
    def version(self) -> int | None: ...
    def get(self) -> dict[str, Any] | None: ...
    def try_lead(self, owner: str, ttl_seconds: float) -> bool: ...
    def release(self, owner: str) -> None: ...
    def ping(self) -> bool: ...


class MemoryCache:
    """Process-local cache: one dict behind a lock. The leader lock is trivially ours."""

    kind = "memory"

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
    """Snapshot stored once in Redis; workers poll the tiny version key and keep a decoded copy."""

    kind = "redis"

    def __init__(self, url: str, namespace: str = PREFIX) -> None:
        self._client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._ns = namespace
        self._local: dict[str, Any] | None = None
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
        """Decode the stored snapshot only when its version moved since our last read."""
        current = self.version()
        if current is None:
            return None
        if self._local is not None and int(self._local["version"]) == current:
            return self._local
        raw = self._client.get(self._key("snapshot"))
        self._local = None if raw is None else json.loads(raw)
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


def new_owner_id() -> str:
    return uuid.uuid4().hex

"""The screen fleet: each wall screen's heartbeat, its state (ok / stale / gone), and remote reload.

A kiosk page posts a heartbeat every half minute (assets/heartbeat.js): its name (`?screen=`), the
page, the snapshot time it shows, its JS heap where the browser tells it, and when it last
rendered new data. A screen is *stale* when its heartbeats stop for `STALE_SECONDS` or its last
render is older than `RENDER_STALE_SECONDS` (the tab hangs while the server is fine), *gone*
after `GONE_SECONDS` without a heartbeat. An operator may ask a screen to reload; the command
rides on the answer to its next heartbeat. Records live in Redis when configured (shared by every
worker), else in this process, and expire after `RECORD_TTL` seconds.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

STALE_SECONDS = 90
RENDER_STALE_SECONDS = 180
GONE_SECONDS = 600
RECORD_TTL = 86400
COMMAND_TTL = 600
NAME = re.compile(r"^[\w.\-\u4e00-\u9fff]{1,64}$")
PREFIX = "hotline:screen:"


class Store(Protocol):
    def put(self, key: str, value: str, ttl: float) -> None: ...
    def get(self, key: str) -> str | None: ...
    def pop(self, key: str) -> str | None: ...
    def values(self, prefix: str) -> list[str]: ...


class MemoryStore:
    """Expiring keys in this process (one worker, or tests with an injected clock)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._data: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def put(self, key: str, value: str, ttl: float) -> None:
        with self._lock:
            self._data[key] = (value, self.clock() + ttl)

    def _live(self, key: str) -> str | None:
        item = self._data.get(key)
        if item is None or item[1] <= self.clock():
            self._data.pop(key, None)
            return None
        return item[0]

    def get(self, key: str) -> str | None:
        with self._lock:
            return self._live(key)

    def pop(self, key: str) -> str | None:
        with self._lock:
            value = self._live(key)
            self._data.pop(key, None)
            return value

    def values(self, prefix: str) -> list[str]:
        with self._lock:
            return [v for k in list(self._data) if k.startswith(prefix) and (v := self._live(k)) is not None]


class RedisStore:
    """The same keys in Redis with native expiry, shared by every worker."""

    def __init__(self, url: str) -> None:
        import redis

        self._client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=1, decode_responses=True)

    def put(self, key: str, value: str, ttl: float) -> None:
        self._client.set(key, value, ex=max(1, int(ttl)))

    def get(self, key: str) -> str | None:
        return self._client.get(key)

    def pop(self, key: str) -> str | None:
        return self._client.getdel(key)

    def values(self, prefix: str) -> list[str]:
        keys = list(self._client.scan_iter(match=f"{prefix}*", count=500))
        return [v for v in self._client.mget(keys) if v is not None] if keys else []


class HeartbeatError(ValueError):
    """A heartbeat without a valid screen name or with malformed fields."""


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def state_of(record: dict[str, Any], now: float) -> str:
    """ok, stale (heartbeats or renders stopped) or gone (no heartbeat for GONE_SECONDS)."""
    silent = now - record["received_at"]
    if silent > GONE_SECONDS:
        return "gone"
    rendered = record.get("rendered_at")
    if silent > STALE_SECONDS or rendered is None or now - rendered > RENDER_STALE_SECONDS:
        return "stale"
    return "ok"


class ScreenFleet:
    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock

    @classmethod
    def for_redis(cls, redis_url: str | None) -> ScreenFleet:
        return cls(RedisStore(redis_url) if redis_url else MemoryStore())

    def heartbeat(self, body: dict[str, Any]) -> dict[str, Any]:
        """Record one heartbeat; the answer carries a pending command ("reload") or None."""
        name = body.get("screen")
        if not isinstance(name, str) or not NAME.match(name):
            raise HeartbeatError("screen: 1-64 letters, digits, '-', '_' or '.'")
        rendered_ms = _number(body.get("rendered_at"))
        record = {
            "screen": name,
            "page": str(body.get("page", ""))[:200],
            "data_time": str(body.get("data_time", ""))[:40],
            "heap_mb": _number(body.get("heap_mb")),
            "rendered_at": rendered_ms / 1000 if rendered_ms else None,
            "received_at": self.clock(),
            "user_agent": str(body.get("user_agent", ""))[:200],
        }
        self.store.put(PREFIX + "beat:" + name, json.dumps(record, ensure_ascii=False), RECORD_TTL)
        return {"command": self.store.pop(PREFIX + "command:" + name)}

    def request_reload(self, name: str) -> bool:
        """Queue a reload for a known screen; False when no such screen has reported."""
        if self.store.get(PREFIX + "beat:" + name) is None:
            return False
        self.store.put(PREFIX + "command:" + name, "reload", COMMAND_TTL)
        return True

    def screens(self) -> list[dict[str, Any]]:
        """Every screen seen in the last day with its state and ages in seconds, by name."""
        now = self.clock()
        out = []
        for raw in self.store.values(PREFIX + "beat:"):
            record = json.loads(raw)
            rendered = record.get("rendered_at")
            pending = self.store.get(PREFIX + "command:" + record["screen"]) is not None
            out.append({**record, "state": state_of(record, now), "seen_ago": round(now - record["received_at"]),
                        "rendered_ago": None if rendered is None else round(now - rendered),
                        "reload_pending": pending})  # fmt: skip
        return sorted(out, key=lambda r: r["screen"])

"""Wires settings, engine, rules and cache together once per process, for the app, CLI and poller."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Engine

from dashboard.cache import MemoryCache, RedisCache, SnapshotCache
from dashboard.db import make_engine, migrate
from dashboard.poller import Poller
from dashboard.rules import Rules, load_rules
from dashboard.settings import Settings, load_settings

log = logging.getLogger(__name__)


def make_cache(redis_url: str | None) -> SnapshotCache:
    """Redis when configured and reachable; otherwise the in-process cache, said out loud."""
    if redis_url:
        cache = RedisCache(redis_url)
        if cache.ping():
            return cache
        log.warning("REDIS_URL is set but Redis is unreachable: using the in-process cache")
    return MemoryCache()


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    rules: Rules
    cache: SnapshotCache

    @classmethod
    def from_environment(cls, env: dict[str, str] | None = None) -> Runtime:
        settings = load_settings(env)
        rules = load_rules(settings.rules_path)
        engine = make_engine(settings.database_url)
        migrate(engine)
        return cls(settings, engine, rules, make_cache(settings.redis_url))

    def make_poller(self) -> Poller:
        return Poller(self.engine, self.rules, self.cache, self.settings.tz, self.settings.poll_seconds)

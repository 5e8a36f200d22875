"""Wires settings, engine, rules and cache together once per process, for the app, CLI and poller.

`HOTLINE_ROLE` says what this process is in a deployment: `all` (default: `python app.py`, serves
and polls), `web` (a gunicorn worker next to a separate poller: its poller is a standby that works
only while Redis is unreachable) or `poller`.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from sqlalchemy import Engine

from dashboard.assessment.rules import Rules, load_rules
from dashboard.live.cache import FallbackCache, MemoryCache, RedisCache, SnapshotCache
from dashboard.live.derived import reconcile
from dashboard.live.poller import Poller
from dashboard.settings import Settings, SettingsError, load_settings
from dashboard.store.db import make_engine, migrate

log = logging.getLogger(__name__)
ROLES = ("all", "web", "poller")


def make_cache(redis_url: str | None) -> SnapshotCache:
    """Redis (with the in-process fallback) when configured, even if it is down right now; else memory."""
    if not redis_url:
        return MemoryCache()
    cache = FallbackCache(RedisCache(redis_url))
    if not cache.ping():
        log.warning("REDIS_URL is set but Redis is unreachable: in-process cache until it answers")
    return cache


def role_from(env: dict[str, str] | None = None) -> str:
    role = (os.environ if env is None else env).get("HOTLINE_ROLE") or "all"
    if role not in ROLES:
        raise SettingsError(f"HOTLINE_ROLE must be one of {', '.join(ROLES)}, got {role!r}")
    return role


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    rules: Rules
    cache: SnapshotCache
    role: str = "all"

    @classmethod
    def from_environment(cls, env: dict[str, str] | None = None) -> Runtime:
        settings = load_settings(env)
        rules = load_rules(settings.rules_path)
        engine = make_engine(settings.database_url)
        migrate(engine)
        reconcile(engine, rules, settings.tz)  # deadlines and rollups built under other rules are redone
        return cls(settings, engine, rules, make_cache(settings.redis_url), role_from(env))

    def make_poller(self, standby: bool | None = None) -> Poller:
        """The poller for this process; web workers' pollers are standbys unless told otherwise."""
        standby = self.role == "web" if standby is None else standby
        return Poller(self.engine, self.rules, self.cache, self.settings.tz, self.settings.poll_seconds,
                      standby=standby, tick_deadline=self.settings.tick_deadline)  # fmt: skip

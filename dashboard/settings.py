"""Settings read once from the environment (BRIEF section 5), so every process agrees on them."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = REPO_ROOT / "data" / "hotline.db"
DEFAULT_RULES_PATH = Path(__file__).resolve().parent / "assessment" / "rules.toml"


class SettingsError(ValueError):
    """A setting in the environment is present but unusable."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    redis_url: str | None
    rules_path: Path
    poll_seconds: float
    tz_name: str
    caller_hash_key: str
    boundaries_path: Path | None = None
    tile_url: str | None = None
    tick_deadline: float = 120.0  # a poller tick running longer is hung: it gives up its lease
    # Access control (dashboard.access): HOTLINE_AUTH as given (None = the mode's default), keys given or not.
    auth: str | None = None
    secret_key: str | None = None
    caller_key_set: bool = False
    trusted_hosts: tuple[str, ...] = ()
    https: bool = False
    proxy_hops: int = 0
    max_body_bytes: int = 1_000_000
    targets_path: Path | None = None  # HOTLINE_TARGETS: CSV of per-unit targets (issue 15)
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.tz_name)

    @property
    def is_default_sqlite(self) -> bool:
        return self.database_url == f"sqlite:///{DEFAULT_SQLITE_PATH}"


def _positive_float(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a number of seconds, got {raw!r}") from exc
    if value <= 0:
        raise SettingsError(f"{name} must be positive, got {raw!r}")
    return value


def _count(name: str, raw: str) -> int:
    if not raw.strip().isdigit():
        raise SettingsError(f"{name} must be a whole number, got {raw!r}")
    return int(raw)


def _choice(name: str, raw: str | None, allowed: tuple[str, ...]) -> str | None:
    if raw is not None and raw not in allowed:
        raise SettingsError(f"{name} must be one of {', '.join(allowed)}, got {raw!r}")
    return raw


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Build settings from `env` (default: the process environment), validating each value."""
    env = dict(os.environ if env is None else env)
    tz_name = env.get("HOTLINE_TZ", "Asia/Shanghai")
    try:
        ZoneInfo(tz_name)
    except Exception as exc:  # zoneinfo raises several types for bad keys
        raise SettingsError(f"HOTLINE_TZ is not a known time zone: {tz_name!r}") from exc
    rules_path = Path(env.get("HOTLINE_RULES") or DEFAULT_RULES_PATH)
    if not rules_path.is_file():
        raise SettingsError(f"HOTLINE_RULES points to a missing file: {rules_path}")
    boundaries = env.get("HOTLINE_BOUNDARIES")
    return Settings(
        database_url=env.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}",
        redis_url=env.get("REDIS_URL") or None,
        rules_path=rules_path,
        poll_seconds=_positive_float("POLL_SECONDS", env.get("POLL_SECONDS", "5")),
        tz_name=tz_name,
        # The key only has to be stable per deployment; production sets its own secret.
        caller_hash_key=env.get("HOTLINE_CALLER_KEY", "demo-key-change-me"),
        boundaries_path=Path(boundaries) if boundaries else None,
        tile_url=env.get("HOTLINE_TILE_URL") or None,
        tick_deadline=_positive_float("HOTLINE_TICK_DEADLINE", env.get("HOTLINE_TICK_DEADLINE", "120")),
        auth=_choice("HOTLINE_AUTH", env.get("HOTLINE_AUTH") or None, ("on", "off")),
        secret_key=env.get("HOTLINE_SECRET_KEY") or None,
        caller_key_set=bool(env.get("HOTLINE_CALLER_KEY")),
        trusted_hosts=tuple(h.strip() for h in (env.get("HOTLINE_TRUSTED_HOSTS") or "").split(",") if h.strip()),
        https=_choice("HOTLINE_HTTPS", env.get("HOTLINE_HTTPS") or "off", ("on", "off")) == "on",
        proxy_hops=_count("HOTLINE_PROXY_HOPS", env.get("HOTLINE_PROXY_HOPS") or "0"),
        max_body_bytes=_count("HOTLINE_MAX_BODY_BYTES", env.get("HOTLINE_MAX_BODY_BYTES") or "1000000"),
        targets_path=Path(env["HOTLINE_TARGETS"]) if env.get("HOTLINE_TARGETS") else None,
    )

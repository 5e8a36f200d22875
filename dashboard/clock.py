"""Local-time boundaries in the configured zone: the start of today, as an aware instant."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def local_day_start(now: datetime, tz: ZoneInfo) -> datetime:
    local = now.astimezone(tz)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)

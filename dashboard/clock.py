"""Local-time boundaries (today, this month) in the configured zone, as UTC instants."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo


def local_day_start(now: datetime, tz: ZoneInfo) -> datetime:
    local = now.astimezone(tz)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def local_month_start(now: datetime, tz: ZoneInfo) -> datetime:
    return local_day_start(now, tz).replace(day=1)


def previous_month_start(month_start: datetime) -> datetime:
    return (month_start - timedelta(days=1)).replace(day=1)

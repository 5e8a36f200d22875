"""The live simulator's recurring problems: bursts and repeat callers, scheduled per local day.

Ordinary arrivals alone never make a hotspot, so after a day of live running the wall's hotspot and
repeat-complainant lists would empty out. Each local day therefore has its own schedule, drawn from
a generator keyed by (seed, day): a handful of bursts (one topic in one township, 10-25 orders
within one to three hours, starting at busy hours) and a few callers who call 3-4 times about the
same problem within a day. Keying by day makes the schedule deterministic per seed whatever the
tick length, and lets any window of time be asked for without replaying the days before it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from data_loader.demo import model as dm

BURSTS_PER_DAY = 5.0
BURST_SIZE = (10, 26)
BURST_SPAN_S = (3600, 3 * 3600)
REPEAT_SHARE = 0.001  # repeat-caller threads per ordinary order (about 9 a day at 8,600 a day)
REPEAT_SPAN_S = 86400
KEPT_DAYS = 4  # schedules of older days can no longer have events due


@dataclass
class LiveEvents:
    """Orders of scheduled bursts and repeat callers, handed out as their receipt times come."""

    geo: dm.Geography
    seed: int
    per_day: float
    tz: str
    _days: dict[int, dm.Orders] = field(default_factory=dict)

    def due(self, start: np.datetime64, end: np.datetime64) -> dm.Orders:
        """Scheduled orders received in (start, end], UTC datetime64[s]."""
        first, last = (self._day_number(t) for t in (start, end))
        parts = []
        for day in range(first - 1, last + 1):  # a repeat thread started yesterday may still call
            orders = self._schedule(day)
            keep = (orders.received > start) & (orders.received <= end)
            parts.append(dm.Orders(*(getattr(orders, f)[keep] for f in dm.Orders.__dataclass_fields__)))
        for day in [d for d in self._days if d < first - KEPT_DAYS]:
            del self._days[day]
        return dm.Orders.concat(parts)

    def _day_number(self, utc: np.datetime64) -> int:
        local = pd.Timestamp(utc).tz_localize("UTC").tz_convert(self.tz)
        return int(local.tz_localize(None).normalize().value // 86_400_000_000_000)

    def _schedule(self, day: int) -> dm.Orders:
        if day not in self._days:
            self._days[day] = self._draw(day)
        return self._days[day]

    def _draw(self, day: int) -> dm.Orders:
        rng = np.random.default_rng([self.seed, 6, day])
        midnight = pd.Timestamp(day * 86400, unit="s").tz_localize(self.tz).tz_convert("UTC")
        start = np.datetime64(midnight.tz_localize(None), "s")
        return dm.Orders.concat([self._bursts(rng, start), self._repeats(rng, start)])

    def _bursts(self, rng: np.random.Generator, midnight: np.datetime64) -> dm.Orders:
        k = int(rng.poisson(BURSTS_PER_DAY))
        begin = midnight + dm.draw_hours(rng, k).astype("timedelta64[s]")
        span = rng.integers(*BURST_SPAN_S, k)
        township = rng.choice(len(self.geo.codes), k, p=self.geo.share)
        topic = np.array([dm.sub_index(t) for t in dm.BURST_TOPICS])[rng.integers(0, len(dm.BURST_TOPICS), k)]
        lon, lat = dm.jitter(rng, self.geo.lon[township], self.geo.lat[township], 400)
        event = np.repeat(np.arange(k), rng.integers(*BURST_SIZE, k))
        n = len(event)
        received = begin[event] + (rng.random(n) * span[event]).astype("timedelta64[s]")
        plon, plat = dm.jitter(rng, lon[event], lat[event], 150)
        return dm.Orders(received, township[event], topic[event], dm.fake_numbers(rng, n), plon, plat, np.ones(n, bool))

    def _repeats(self, rng: np.random.Generator, midnight: np.datetime64) -> dm.Orders:
        threads = int(rng.poisson(REPEAT_SHARE * self.per_day))
        township = rng.choice(len(self.geo.codes), threads, p=self.geo.share)
        topic = rng.choice(len(dm.SUBS), threads, p=dm.SUB_WEIGHT / dm.SUB_WEIGHT.sum())
        first = midnight + dm.draw_hours(rng, threads).astype("timedelta64[s]")
        thread = np.repeat(np.arange(threads), rng.integers(3, 5, threads))
        n = len(thread)
        later = np.where(np.r_[True, thread[1:] != thread[:-1]], 0, rng.integers(600, REPEAT_SPAN_S, n))
        lon, lat = dm.jitter(rng, self.geo.lon[township], self.geo.lat[township], 600)
        plon, plat = dm.jitter(rng, lon[thread], lat[thread], 20)
        callers = dm.fake_numbers(rng, threads)[thread]
        received = first[thread] + later.astype("timedelta64[s]")
        return dm.Orders(received, township[thread], topic[thread], callers, plon, plat)

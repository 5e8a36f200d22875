"""The tick watchdog (issue 14): a poller that is alive but not ticking gives its lease up.

Unit tests drive an injected clock; the fault test (tests/test_faults.py) hangs a real tick.
"""

from __future__ import annotations

import threading

from dashboard.assessment.rules import load_rules
from dashboard.live.cache import MemoryCache
from dashboard.live.poller import FIRST_TICK_FACTOR, Poller
from dashboard.settings import load_settings

SETTINGS = load_settings({})
RULES = load_rules(SETTINGS.rules_path)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def poller(cache: MemoryCache, clock: Clock) -> Poller:
    return Poller(None, RULES, cache, SETTINGS.tz, 1.0, lease_seconds=30, tick_deadline=10, clock=clock)


def test_a_tick_past_its_deadline_releases_the_lease_to_another_poller():
    cache, clock = MemoryCache(), Clock()
    hung, other = poller(cache, clock), poller(cache, clock)
    hung.ticks = 5  # steady state: the plain deadline applies
    assert hung.renew_lease() and not other.renew_lease()
    hung._tick_started = clock.now  # a tick starts ...
    clock.now += 10  # ... and is still running at exactly its deadline: not hung yet
    assert not hung.hung() and hung.renew_lease() and hung.leading.is_set()
    clock.now += 0.001  # one millisecond past it
    assert hung.hung() and not hung.renew_lease() and not hung.leading.is_set()
    assert other.renew_lease()  # released, not merely left to expire in 30 s
    hung._tick_started = None  # the hung tick returns at last: the lease stays with the new leader
    assert not hung.renew_lease() and other.renew_lease()


def test_the_first_tick_may_run_longer_because_it_may_rebuild_the_rollups():
    clock = Clock()
    first = poller(MemoryCache(), clock)
    first._tick_started = clock.now
    clock.now += 10 * FIRST_TICK_FACTOR
    assert not first.hung()
    clock.now += 0.001
    assert first.hung()


def test_a_hung_ticks_result_is_not_published(monkeypatch):
    cache, clock = MemoryCache(), Clock()
    slow = poller(cache, clock)
    slow.ticks = 1
    cache.publish({"version": 7, "generated_at": "2026-10-10T00:00:00+00:00", "stale": None})  # the new leader's
    entered, finish = threading.Event(), threading.Event()

    def stuck_build(*_args, **_kwargs):
        entered.set()
        finish.wait(60)
        return {"version": 8}

    monkeypatch.setattr("dashboard.live.poller.build_snapshot", stuck_build)
    slow.names = type("N", (), {"townships": type("T", (), {"empty": False})()})()
    slow.feed.advance = lambda engine: None  # no database in this test: the change feed reads nothing
    worker = threading.Thread(target=slow.tick_or_mark_stale)
    worker.start()
    assert entered.wait(60)
    clock.now += 11  # past the deadline while the build is stuck
    finish.set()
    worker.join(60)
    assert cache.get()["version"] == 7  # the hung poller neither published nor marked it stale
    assert slow.ticks == 1

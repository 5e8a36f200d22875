"""A bulk change refreshes the slow lane in the background; the tick keeps the previous value meanwhile."""

from __future__ import annotations

import threading

from dashboard.live.snapshot import BULK_CHANGE, SlowLane


def test_a_bulk_change_refreshes_in_the_background_not_in_the_tick():
    lane = SlowLane()
    assert lane.get("rankings", lambda: "before") == "before"  # first value: computed in line
    release, done = threading.Event(), threading.Event()

    def slow_refresh() -> str:
        release.wait(60)
        done.set()
        return "after"

    lane.bulk_change(BULK_CHANGE - 1)  # below the threshold: nothing happens
    assert lane.get("rankings", slow_refresh) == "before" and not done.is_set()
    lane.bulk_change(BULK_CHANGE)
    assert lane.get("rankings", slow_refresh) == "before"  # the tick did not wait for the refresh
    release.set()
    assert done.wait(60)
    for _ in range(600):  # the refreshed value is stored right after `done`; wait for it (<= 60 s)
        if lane.parts["rankings"] == "after":
            break
        threading.Event().wait(0.1)
    assert lane.get("rankings", slow_refresh) == "after"

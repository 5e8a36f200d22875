"""Waits on a condition with a generous timeout, never on the clock (issue 14: a suite that cannot flake)."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_for(check: Callable[[], object], timeout: float, what: str, every: float = 0.05) -> object:
    """The first truthy value of `check()`; AssertionError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"within {timeout} s: {what}")


def distinct_texts(read: Callable[[], str], count: int, timeout: float = 60) -> set[str]:
    """Sample `read()` until it has shown `count` different values (a ticking clock), or fail."""
    seen: set[str] = set()

    def enough() -> bool:
        seen.add(read())
        return len(seen) >= count

    wait_for(enough, timeout, f"{count} different values, saw {sorted(seen)}", every=0.2)
    return seen

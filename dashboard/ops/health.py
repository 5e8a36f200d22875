"""`/health`: ok, degraded or failing, with every reason, so an operator (or a load balancer) knows
what is wrong without reading logs.

- ok: the database answers, the shared cache is in use, the snapshot is fresh, every check passes.
- degraded: still serving useful screens, but something needs a look (database unreachable while
  the last snapshot is kept, Redis down and serving from memory, stale snapshot, a failed check
  such as a missing holiday calendar). HTTP 200: keep the worker in rotation, it beats a blank wall.
- failing: an incident: the snapshot is older than `FAILING_AFTER_POLLS` intervals (and at least
  10 minutes). Still HTTP 200: the wall keeps those figures on screen, aged in red, and a load
  balancer that dropped every worker would show a blank one instead (BRIEF: never blank). Alert on
  the status (or `hotline_snapshot_age_seconds`), not on the code.
- starting: no snapshot yet; HTTP 503, the one state in which a worker has nothing to show.

Other modules add checks with `register_check(fn)`: `fn(runtime, snapshot, now)` returns a list of
`Finding`s; e.g. the holiday calendar's coverage (issue 10) registers one that reports degraded
when the working-day mode has no calendar for the current year.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

if TYPE_CHECKING:
    from dashboard.runtime import Runtime

SILENT_AFTER_POLLS = 5  # no new snapshot for this many poll intervals: the poller is not publishing
FAILING_AFTER_POLLS = 120
FAILING_AFTER_MIN_SECONDS = 600.0
LEVELS = ("ok", "degraded", "failing")


@dataclass(frozen=True)
class Finding:
    level: str  # "degraded" or "failing"
    reason: str


Check = Callable[["Runtime", "dict[str, Any] | None", datetime], list[Finding]]
_CHECKS: list[Check] = []


def register_check(check: Check) -> Check:
    """Add a check run on every /health request (usable as a decorator); keep it cheap."""
    if check not in _CHECKS:
        _CHECKS.append(check)
    return check


def unregister_check(check: Check) -> None:
    if check in _CHECKS:
        _CHECKS.remove(check)


def _database(runtime: Runtime) -> str:
    try:
        with runtime.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return "ok"
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"


def failing_after_seconds(poll_seconds: float) -> float:
    return max(FAILING_AFTER_MIN_SECONDS, FAILING_AFTER_POLLS * poll_seconds)


def findings(
    runtime: Runtime, snapshot: dict | None, age: float | None, stale: dict | None, database: str, now: datetime
) -> list[Finding]:
    """Every reason the deployment is not simply ok, most severe first."""
    poll = runtime.settings.poll_seconds
    found: list[Finding] = []
    if age is not None and age > failing_after_seconds(poll):
        found.append(Finding("failing", f"the snapshot is {age:.0f} s old: screens show data that old"))
    if database != "ok":
        found.append(Finding("degraded", f"database unreachable ({database.removeprefix('error: ')})"))
    if runtime.cache.degraded is not None:
        found.append(Finding("degraded", f"cache: {runtime.cache.degraded}"))
    if stale is not None:
        found.append(Finding("degraded", f"snapshot stale since {stale['since']}: {stale['reason']}"))
    elif age is not None and age > SILENT_AFTER_POLLS * poll:
        found.append(Finding("degraded", f"the snapshot is {age:.0f} s old"))
    for check in list(_CHECKS):
        try:
            found.extend(check(runtime, snapshot, now))
        except Exception as exc:  # a broken check must not break /health
            found.append(Finding("degraded", f"health check {getattr(check, '__name__', check)} failed: {exc!r}"))
    return sorted(found, key=lambda f: -LEVELS.index(f.level))


def status_of(snapshot: dict | None, found: list[Finding]) -> str:
    if snapshot is None:
        return "starting"
    return max((f.level for f in found), key=LEVELS.index, default="ok")


def assess(
    runtime: Runtime, snapshot: dict | None, age: float | None, stale: dict | None, now: datetime
) -> dict[str, Any]:
    """The status fields of /health; the caller adds the descriptive ones."""
    database = _database(runtime)
    found = findings(runtime, snapshot, age, stale, database, now)
    return {
        "status": status_of(snapshot, found),
        "reasons": [f.reason for f in found],
        "database": database,
    }


def http_status(status: str) -> int:
    return 503 if status == "starting" else 200

"""Derived data follows the rules: a start with another rules digest recomputes what the rules made.

Stored deadlines (from the SLA windows, mode and holiday calendar) and the rollups (from the day
cut-off and time zone) are derived from the rules. The digest they were built under (with the
holiday calendar's) is recorded in `kv_state`; every start (app, poller, CLI:
`Runtime.from_environment`) compares it with the loaded rules and, when it differs, recomputes the
deadlines (changed cases reach every consumer through the change feed) and brings the rollups up
to date, rebuilding them when the days they are keyed by moved. Progress goes to the log; an
unchanged digest costs one read.
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from dashboard.assessment.rules import Rules
from dashboard.assessment.sla import recompute_deadlines
from dashboard.assessment.workdays import calendar
from dashboard.live.rollups import catch_up
from dashboard.store.state import read_state, write_state

log = logging.getLogger(__name__)
DIGEST_KEY = "rules.digest"


def reconcile(engine: Engine, rules: Rules, tz: ZoneInfo) -> bool:
    """Recompute derived data if it was built under other rules; True when work was done."""
    current = f"{rules.digest}+holidays:{calendar().digest}"
    with engine.connect() as conn:
        stored = read_state(conn, [DIGEST_KEY]).get(DIGEST_KEY)
    if stored == current:
        return False
    log.info("rules digest %s -> %s (%s): recomputing stored deadlines", stored, current, rules.version)
    changed = recompute_deadlines(engine, rules, tz)
    log.info("%d stored deadlines changed; bringing the rollups up to date", changed)
    catch_up(engine, rules, tz)
    with engine.begin() as conn:
        write_state(conn, {DIGEST_KEY: current})
    log.info("derived data now follows rules %s", current)
    return True

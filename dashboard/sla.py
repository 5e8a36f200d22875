"""SLA deadlines and countdown states (BRIEF section 2), vectorised over pandas Series.

Deadlines are computed from the dispatch time and the urgency class; an approved extension
replaces the resolve deadline. Natural-time mode only here; working-day mode plugs in below.
"""

from __future__ import annotations

import pandas as pd

from dashboard.rules import URGENCIES, Rules

STATES = ("ok", "warning", "critical", "overdue")


def deadlines(
    dispatched_at: pd.Series, urgency: pd.Series, extended_until: pd.Series, rules: Rules
) -> tuple[pd.Series, pd.Series]:
    """Return (respond_due_at, resolve_due_at) as UTC datetime Series aligned with the inputs."""
    dispatched = pd.to_datetime(dispatched_at, utc=True)
    respond = pd.Series(pd.NaT, index=dispatched.index, dtype="datetime64[us, UTC]")
    resolve = respond.copy()
    for key in URGENCIES:
        rule = rules.urgency[key]
        mask = urgency == key
        if not mask.any():
            continue
        respond[mask] = dispatched[mask] + rule.respond
        resolve[mask] = dispatched[mask] + rule.resolve
    extended = pd.to_datetime(extended_until, utc=True)
    resolve = resolve.where(extended.isna(), extended)
    return respond, resolve

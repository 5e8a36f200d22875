"""The simulator's memory: the planned life cycles of the orders that still have a step to come.

Orders created by the simulator get their plan when drawn. Orders found in the database (from the
seed, an import, an earlier run) get one drawn conditionally on their record (`continue_plans`),
so nothing recorded is contradicted and none is left open for ever.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from data_loader.demo import life as life

REDRAWS = 25  # rounds of redrawing a plan until it agrees with the record
STEPS = (*life.TIME_STEPS, "approved_at")  # what a plan reveals over time
REVEALED = (*life.TIME_STEPS, "extended_until")  # what the database records of it


def differs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise a != b for datetime64 arrays, with NaT equal to NaT."""
    return (a != b) & ~(np.isnat(a) & np.isnat(b))


@dataclass
class OpenPlans:
    """Aligned arrays: case ids, plans, what is recorded so far, and the deadline without extension."""

    case_id: np.ndarray
    plan: life.Plan
    shown: life.Plan  # the steps written to the database so far
    due: np.ndarray  # datetime64[s]

    @classmethod
    def empty(cls) -> OpenPlans:
        return cls(np.array([], dtype=object), life.Plan.empty(), life.Plan.empty(), life.Plan.empty().dispatched_at)

    def __len__(self) -> int:
        return len(self.case_id)

    def extend(self, other: OpenPlans) -> OpenPlans:
        return OpenPlans(
            np.concatenate([self.case_id, other.case_id]),
            life.Plan.concat([self.plan, other.plan]),
            life.Plan.concat([self.shown, other.shown]),
            np.concatenate([self.due, other.due]),
        )

    def take(self, rows: np.ndarray) -> OpenPlans:
        return OpenPlans(self.case_id[rows], self.plan.take(rows), self.shown.take(rows), self.due[rows])

    def pending(self, now: np.datetime64) -> np.ndarray:
        """Rows with a step still to come after `now` (the rest can be forgotten)."""
        return np.logical_or.reduce([getattr(self.plan, s) > now for s in STEPS])


def _contradicts(plan: life.Plan, recorded: life.Plan, cut: np.datetime64) -> np.ndarray:
    """A step the record does not have yet but the plan puts at or before `cut`."""
    return np.logical_or.reduce([np.isnat(getattr(recorded, s)) & (getattr(plan, s) <= cut) for s in STEPS])


def _postpone(rng: np.random.Generator, plan: life.Plan, recorded: life.Plan, cut: np.datetime64) -> life.Plan:
    """Shift the steps not yet recorded so that the earliest lies a few hours after `cut`."""
    pending = {s: np.isnat(getattr(recorded, s)) for s in STEPS}
    behind = np.stack([np.where(pending[s], cut - getattr(plan, s), np.timedelta64(0, "s")) for s in STEPS])
    shift = np.nanmax(behind.astype("timedelta64[s]"), axis=0).clip(np.timedelta64(0, "s"))
    shift = shift + rng.exponential(4 * life.HOUR, len(shift)).astype("timedelta64[s]")
    moved = {s: np.where(pending[s], getattr(plan, s) + shift, getattr(plan, s)) for s in STEPS}
    return life.Plan(**{f.name: moved.get(f.name, getattr(plan, f.name)) for f in fields(life.Plan)})


def continue_plans(
    rng: np.random.Generator,
    recorded: life.Plan,
    urgency: np.ndarray,
    quality: np.ndarray,
    rules,
    tz: str,
    cut: np.datetime64,
) -> life.Plan:
    """Plans that agree with the record: steps not yet recorded lie after `cut`.

    Rejection sampling gives exactly the model's distribution given the record. Orders still
    disagreeing after REDRAWS rounds (far past every likely step) have their remaining steps moved
    to start a few hours from now, so they too close instead of staying open for ever.
    """

    def draw(rows: np.ndarray) -> life.Plan:
        part = recorded.take(rows)
        return life.draw_plan(rng, part.dispatched_at, urgency[rows], quality[rows], rules, tz, part)

    todo = np.arange(len(urgency))
    plan = draw(todo)
    for _ in range(REDRAWS):
        todo = todo[_contradicts(plan.take(todo), recorded.take(todo), cut)]
        if not len(todo):
            return plan
        plan.put(todo, draw(todo))
    rows = todo[_contradicts(plan.take(todo), recorded.take(todo), cut)]
    if len(rows):
        plan.put(rows, _postpone(rng, plan.take(rows), recorded.take(rows), cut))
    return plan

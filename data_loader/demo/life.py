"""The life cycle of a demo order, drawn once as a plan and revealed as time passes.

A plan holds every future step of an order (dispatch, first contact, extension approval,
resolution, callback and its answers); `known_at` shows only what has happened by a given instant.
The seed reveals plans at "now"; the live simulator keeps the plans of open orders in memory and
reveals each step when its time comes, so seed and simulator follow the same model and the open set
looks the same whenever it is looked at.

Calibration (BRIEF section 2: resolution rose to about 97% by 2024, 7-day general and 15-day complex
deadlines): a township resolves most orders well inside the window, with a pile-up just before
the deadline; a few per cent (more in weak townships) miss it by hours to a few days; complex
orders often get an approved extension (延期) and a few of those then run late too. So the open
set is dominated by the last days' orders, a few hundred are overdue city-wide, and old overdue
orders are a thin tail of extended complex cases, not orders that silently never moved.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import datetime

import numpy as np
import pandas as pd

from dashboard.privacy import hash_caller
from data_loader.demo import model as dm
from data_loader.demo.descriptions import describe

NAT = np.datetime64("NaT", "s")
HOUR = 3600.0
DAY = 86400.0
# Share of orders whose resolution misses the deadline, at township quality 0 (sigmoid of this).
ON_TIME_LOGIT = 3.0
# Lateness past the deadline as a fraction of the resolve window: log-normal median and spread.
LATE_MEDIAN, LATE_SIGMA = 0.06, 0.9
# Extension (延期) probability per urgency class (emergency, utilities, general, complex).
EXTENSION_P = np.array([0.0, 0.0, 0.015, 0.30])
EXTENSION_DAYS = (5.0, 15.0)
APPROVED_AT = 0.8  # extensions are approved when 80% of the window has passed
NEVER_CALLED_BACK = 0.03
UNREACHABLE = 0.05
TIME_STEPS = ("responded_at", "resolved_at", "callback_at")  # steps revealed at their time, in order
ANSWERS = ("contacted", "solved", "satisfaction")


@dataclass
class Plan:
    """Planned steps of each order, datetime64[s] UTC (NaT = never); answers None when not valid."""

    dispatched_at: np.ndarray
    responded_at: np.ndarray
    approved_at: np.ndarray  # when the extension is approved (NaT: no extension)
    extended_until: np.ndarray
    resolved_at: np.ndarray
    callback_at: np.ndarray
    contacted: np.ndarray
    solved: np.ndarray
    satisfaction: np.ndarray

    @classmethod
    def empty(cls) -> Plan:
        return cls(*(np.array([], dtype=object if f.name in ANSWERS else "datetime64[s]") for f in fields(cls)))

    @classmethod
    def concat(cls, parts: list[Plan]) -> Plan:
        return cls(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)))

    def take(self, rows: np.ndarray) -> Plan:
        return Plan(*(getattr(self, f.name)[rows] for f in fields(self)))

    def put(self, rows: np.ndarray, other: Plan) -> None:
        """Overwrite `rows` with the rows of `other` (same length as `rows`)."""
        for f in fields(self):
            getattr(self, f.name)[rows] = getattr(other, f.name)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def as_utc(moment: datetime) -> np.datetime64:
    """An aware datetime as a naive UTC numpy second, the unit the generators compute in."""
    return np.datetime64(pd.Timestamp(moment).tz_convert("UTC").tz_localize(None), "s")


def _seconds(delta: np.ndarray) -> np.ndarray:
    return np.round(delta).astype("timedelta64[s]")


def _office_hours(utc: np.ndarray, tz: str, rng: np.random.Generator) -> np.ndarray:
    """Move callbacks outside 09:00-20:00 local to the next morning: the city calls in office hours."""
    local = dm.local_times(utc, tz)
    second = (local.hour * 3600 + local.minute * 60 + local.second).to_numpy()
    morning = rng.integers(9 * 3600, 12 * 3600, len(utc))
    shift = np.where(second < 9 * 3600, morning - second, np.where(second >= 20 * 3600, 86400 - second + morning, 0))
    return utc + _seconds(np.nan_to_num(shift))


def callback_answers(rng: np.random.Generator, quality: np.ndarray, late: np.ndarray) -> dict[str, np.ndarray]:
    """Contacted / solved / satisfaction of a valid callback, better where the township is better.

    Calibrated to recent city-wide rates around 0.9 with a spread between townships wide enough
    to rank; a late resolution lowers the chance of being solved and of being satisfied.
    """
    n = len(quality)
    contacted = rng.random(n) < sigmoid(3.0 + 0.8 * quality - 0.8 * late)
    solved = rng.random(n) < sigmoid(1.9 + 0.9 * quality - 0.9 * late - 1.0 * ~contacted)
    p_satisfied = np.where(solved, sigmoid(1.7 + 0.7 * quality), 0.05)
    p_dissatisfied = np.where(solved, 0.15 * (1 - p_satisfied), 0.65)
    probs = np.stack([p_satisfied, 1 - p_satisfied - p_dissatisfied, p_dissatisfied], axis=1)
    satisfaction = np.array(dm.SATISFACTION, dtype=object)[dm.draw_categorical(rng, probs)]
    return {"contacted": contacted, "solved": solved, "satisfaction": satisfaction}


def windows(urgency: np.ndarray, rules) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(urgency index, respond window s, resolve window s) of each order, from the rules file."""
    u_idx = pd.Index(dm.URGENCY_KEYS).get_indexer(urgency)
    respond = np.array([rules.urgency[u].respond.total_seconds() for u in dm.URGENCY_KEYS])
    resolve = np.array([rules.urgency[u].resolve.total_seconds() for u in dm.URGENCY_KEYS])
    return u_idx, respond[u_idx], resolve[u_idx]


def draw_dispatch(rng: np.random.Generator, received: np.ndarray, urgency: np.ndarray, rules) -> np.ndarray:
    """Dispatch within minutes (emergencies faster), never later than 30% of the respond window."""
    u_idx, w_respond, _ = windows(urgency, rules)
    delay = np.minimum(rng.lognormal(np.where(u_idx == 0, np.log(120), np.log(600)), 0.8), 0.3 * w_respond)
    return received + _seconds(delay)


def _resolve_fraction(rng: np.random.Generator, quality: np.ndarray, late: np.ndarray) -> np.ndarray:
    """Time to resolution as a fraction of the (possibly extended) window.

    On time: log-normal around 30% of the window; draws past 97% are moved into the last part of the
    window (60-97%), the pile-up of orders closed just before their deadline. Late: 1 + a log-normal
    lateness, so most late orders miss by hours (a 24 h window) to a few days (a 7-day one).
    """
    n = len(quality)
    on_time = rng.lognormal(np.log(0.3) - 0.3 * quality, 0.6)
    on_time = np.where(on_time < 0.97, on_time, rng.uniform(0.6, 0.97, n))
    lateness = rng.lognormal(np.log(LATE_MEDIAN) - 0.2 * quality, LATE_SIGMA)
    return np.where(late, 1.0 + lateness, on_time)


def draw_plan(
    rng: np.random.Generator,
    dispatched: np.ndarray,
    urgency: np.ndarray,
    quality: np.ndarray,
    rules,
    tz: str,
    known: Plan | None = None,
) -> Plan:
    """Every future step of each order (uncut: steps may lie after "now").

    Delays are fractions of the order's SLA window (rules), so a rules change moves the demo with
    it. With `known`, steps already recorded there (not NaT) are kept and later steps are drawn
    from them, which is how the simulator continues orders it did not create.
    """
    n = len(urgency)
    u_idx, w_respond, w_resolve = windows(urgency, rules)

    def keep(name: str, drawn: np.ndarray) -> np.ndarray:
        if known is None:
            return drawn
        given = getattr(known, name)
        return np.where(np.isnat(given), drawn, given)

    responded = keep("responded_at", dispatched + _seconds(rng.lognormal(np.log(0.2) - 0.3 * quality, 0.9) * w_respond))
    extension = rng.uniform(*EXTENSION_DAYS, n) * DAY
    extended = rng.random(n) < EXTENSION_P[u_idx] * np.exp(-0.3 * quality)
    late = rng.random(n) >= sigmoid(ON_TIME_LOGIT + 0.8 * quality)
    fraction = _resolve_fraction(rng, quality, late)
    # An extended order is resolved within (or late past) its new deadline, after the approval.
    extended_window = (1 - APPROVED_AT) * w_resolve + extension
    resolve_s = np.where(extended, APPROVED_AT * w_resolve + fraction * extended_window, fraction * w_resolve)
    approved = keep("approved_at", np.where(extended, dispatched + _seconds(APPROVED_AT * w_resolve), NAT))
    extended_until = keep("extended_until", np.where(extended, dispatched + _seconds(w_resolve + extension), NAT))
    resolved = keep("resolved_at", np.maximum(dispatched + _seconds(resolve_s), responded + np.timedelta64(300, "s")))

    delay = rng.lognormal(np.log(20 * HOUR), 0.6, n)
    called = _office_hours(resolved + _seconds(delay), tz, rng)
    callback = keep("callback_at", np.where(rng.random(n) < NEVER_CALLED_BACK, NAT, called))
    due = np.where(np.isnat(extended_until), dispatched + _seconds(w_resolve), extended_until)
    answers = callback_answers(rng, quality, resolved > due)
    valid = ~np.isnat(callback) & (rng.random(n) >= UNREACHABLE)
    answers = {k: np.where(valid, v, None).astype(object) for k, v in answers.items()}
    if known is not None:
        for name in ANSWERS:
            answers[name] = np.where(np.isnat(known.callback_at), answers[name], getattr(known, name))
    return Plan(dispatched, responded, approved, extended_until, resolved, callback, **answers)


def known_at(plan: Plan, now: np.datetime64) -> Plan:
    """What has happened by `now`: later steps are NaT, answers of a later callback None.

    Each step is planned after the one before, so cutting each at `now` keeps the order of events.
    """
    cut = {
        name: np.where(getattr(plan, name) > now, NAT, getattr(plan, name)) for name in ("dispatched_at", *TIME_STEPS)
    }
    approved = np.where(plan.approved_at > now, NAT, plan.approved_at)
    called = ~np.isnat(cut["callback_at"])
    return replace(
        plan,
        approved_at=approved,
        extended_until=np.where(np.isnat(approved), NAT, plan.extended_until),
        **cut,
        **{name: np.where(called, getattr(plan, name), None).astype(object) for name in ANSWERS},
    )


def _utc_series(values: np.ndarray) -> pd.Series:
    return pd.Series(values.astype("datetime64[us]")).dt.tz_localize("UTC")


def hash_numbers(numbers: np.ndarray, key: str) -> np.ndarray:
    """Keyed hashes of clear numbers, each distinct number hashed once."""
    unique, inverse = np.unique(numbers.astype(str), return_inverse=True)
    return np.array([hash_caller(x, key) for x in unique], dtype=object)[inverse]


@dataclass
class Drawn:
    """New orders with their time-independent attributes and their whole planned life cycle."""

    orders: dm.Orders
    urgency: np.ndarray
    channel: np.ndarray
    address_tail: np.ndarray  # estate + building, e.g. 幸福家园12号楼
    plan: Plan
    description: np.ndarray  # what the caller said (data_loader/demo/descriptions.py)


def draw_life(rng: np.random.Generator, orders: dm.Orders, geo: dm.Geography, rules, tz: str, seed: int) -> Drawn:
    """Urgency, channel, address and the planned life cycle of new orders."""
    n = len(orders.received)
    urgency = np.array(dm.URGENCY_KEYS, dtype=object)[dm.draw_categorical(rng, dm.SUB_URGENCY[orders.topic])]
    channel = dm.CHANNELS[rng.choice(len(dm.CHANNELS), n, p=dm.CHANNEL_P)]
    building = pd.Series(rng.integers(1, 40, n)).astype(str)
    address_tail = (pd.Series(dm.ESTATES[rng.integers(0, len(dm.ESTATES), n)]) + building + "号楼").to_numpy(object)
    months = dm.month_number(dm.local_times(orders.received, tz))
    wanted, month_row = np.unique(months, return_inverse=True)
    quality = dm.township_quality(len(geo.codes), wanted, seed)[month_row, orders.township]
    dispatched = draw_dispatch(rng, orders.received, urgency, rules)
    plan = draw_plan(rng, dispatched, urgency, quality, rules, tz)
    return Drawn(orders, urgency, channel, address_tail, plan, describe(rng, orders, address_tail))


def contract_frame(
    drawn: Drawn, case_ids: np.ndarray, geo: dm.Geography, now: datetime, caller_key: str
) -> pd.DataFrame:
    """The orders as known at `now`, as a frame of contract columns ready for `complete_cases`."""
    orders, life = drawn.orders, known_at(drawn.plan, as_utc(now))
    subcategory = pd.Series(dm.SUB_NAME[orders.topic])
    tail = pd.Series(drawn.address_tail)
    frame = pd.DataFrame({
        "case_id": case_ids,
        "received_at": _utc_series(orders.received),
        "channel": drawn.channel,
        "category": dm.SUB_CATEGORY[orders.topic],
        "subcategory": subcategory,
        "urgency": drawn.urgency,
        "district_code": geo.district_codes[orders.township],
        "township_code": geo.codes[orders.township],
        "lat": orders.lat.round(6),
        "lon": orders.lon.round(6),
        "address": pd.Series(geo.names[orders.township]) + tail,
        "description": drawn.description,
        "caller_hash": hash_numbers(orders.caller, caller_key),
    })  # fmt: skip
    for col in ("dispatched_at", "responded_at", "resolved_at", "extended_until", "callback_at"):
        frame[col] = _utc_series(getattr(life, col))
    for col in ANSWERS:
        frame[col] = getattr(life, col)
    return frame

"""Test helpers for the assessment engine: reference rows, rules variants and compact case builders."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Engine, insert

from dashboard.assessment.rules import Rules, parse_rules
from dashboard.settings import DEFAULT_RULES_PATH
from dashboard.store.case_rows import complete_cases, insert_cases
from dashboard.store.schema import District, Township

SHANGHAI = ZoneInfo("Asia/Shanghai")
DISTRICTS = {"110101": "东城区", "110102": "西城区", "110105": "朝阳区"}
# 13 townships (4 + 5 + 4): codes are the district code + 3 digits.
PER_DISTRICT = {"110101": 4, "110102": 5, "110105": 4}
TOWNSHIPS = {f"{d}{i:03d}": f"{DISTRICTS[d][:2]}街道{i}" for d, n in PER_DISTRICT.items() for i in range(1, n + 1)}
SATISFACTION = {"s": "satisfied", "b": "basically", "d": "dissatisfied"}


def default_data() -> dict:
    return tomllib.loads(DEFAULT_RULES_PATH.read_text("utf-8"))


def make_rules(**overrides) -> Rules:
    """Default rules with dotted-path overrides, e.g. make_rules(**{"ranking.min_valid_callbacks": 3})."""
    data = default_data()
    for path, value in overrides.items():
        node = data
        *parents, leaf = path.split(".")
        for part in parents:
            node = node[part]
        node[leaf] = value
    return parse_rules(data, digest="test")


def add_reference(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(District),
            [{"code": c, "name": n, "name_en": c, "lon": 116.4, "lat": 39.9} for c, n in DISTRICTS.items()],
        )
        conn.execute(
            insert(Township),
            [
                {"code": c, "name": n, "district_code": c[:6], "kind": "街道", "lon": 116.4, "lat": 39.9}
                for c, n in TOWNSHIPS.items()
            ],
        )


def local(text: str) -> datetime:
    """'2026-03-10 09:00' in Asia/Shanghai."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def case(case_id: str, township: str, received: str, callback: str | None = None, answer: str | None = None, **extra):
    """One case row. `answer` is 3 letters: C/- contacted, S/- solved, s/b/d satisfaction; '??' +
    missing letter = a callback with no satisfaction recorded (invalid)."""
    row = {
        "case_id": case_id,
        "received_at": local(received),
        "category": "供暖",
        "urgency": "general",
        "district_code": township[:6],
        "township_code": township,
        "callback_at": local(callback) if callback else None,
        "contacted": None,
        "solved": None,
        "satisfaction": None,
    }
    if answer:
        row["contacted"] = answer[0] == "C"
        row["solved"] = answer[1] == "S"
        row["satisfaction"] = SATISFACTION.get(answer[2])
    row.update(extra)
    return row


def write_cases(engine: Engine, rows: list[dict], rules: Rules, now: datetime | None = None) -> None:
    frame = complete_cases(pd.DataFrame(rows), rules, now or datetime.now(UTC))
    insert_cases(engine, frame)

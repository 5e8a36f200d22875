"""What-if rules (issue 15): a changed rules file applied to a past month, beside the official result.

Both sides are computed by the rankings' own `ranked_table`, from the same rollups, so the only
difference is the rules. Nothing is written: the official numbers never change. A candidate that
moves the day cut-off is refused, because the rollups are cut at the official hour; every other
rule (weights, credit, minimum sample, class sizes, month cut-off) is previewed exactly.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Engine

from dashboard.assessment.periods import parse_period
from dashboard.assessment.rankings import _plain, ranked_table
from dashboard.assessment.rules import CLASSES, Rules
from dashboard.scope import Scope

SIDE_KEYS = ("valid_callbacks", "composite", "rank", "classes")


class WhatIfError(ValueError):
    """The candidate rules cannot be previewed on the stored rollups."""


def compare(engine: Engine, official: Rules, candidate: Rules, month: str, level: str, scope: Scope) -> dict[str, Any]:
    """Official and what-if composite, rank and classes per unit, and the units whose class changes.

    Ranks stay city-wide; the scope only removes rows (as in the rankings).
    """
    if candidate.day_cutoff_hour != official.day_cutoff_hour:
        raise WhatIfError(
            f"what-if cannot change periods.day_cutoff_hour ({official.day_cutoff_hour} -> "
            f"{candidate.day_cutoff_hour}): the daily rollups are cut at the official hour"
        )
    sides = {
        "official": ranked_table(engine, official, parse_period("month", month, official), level),
        "whatif": ranked_table(engine, candidate, parse_period("month", month, candidate), level),
    }
    base = sides["official"][["code", "name", "district_code"]]
    base = base[scope.mask(base["district_code"])]
    indexed = {name: table.set_index("code") for name, table in sides.items()}
    rows = []
    for code, name, district in base.itertuples(index=False):
        row: dict[str, Any] = {"code": code, "name": name, "district_code": district}
        for side, table in indexed.items():
            row[side] = {k: _plain(table.at[code, k]) for k in SIDE_KEYS}
        before, after = set(row["official"]["classes"]), set(row["whatif"]["classes"])
        row["classes_gained"] = [c for c in CLASSES if c in after - before]
        row["classes_lost"] = [c for c in CLASSES if c in before - after]
        row["class_changed"] = before != after
        ranks = row["official"]["rank"], row["whatif"]["rank"]
        row["rank_change"] = None if None in ranks else ranks[0] - ranks[1]  # positive = moves up
        rows.append(row)
    rows.sort(key=lambda r: (r["whatif"]["rank"] is None, r["whatif"]["rank"] or 0, r["code"]))
    return {
        "month": month,
        "level": level,
        "official_rules": {"version": official.version, "digest": official.digest},
        "whatif_rules": {"version": candidate.version, "digest": candidate.digest},
        "rows": rows,
        "changed": [r["code"] for r in rows if r["class_changed"]],
    }


def changed_frame(result: dict[str, Any]) -> pd.DataFrame:
    """The units whose class changes, flattened for printing (CLI) and grids (page)."""
    records = [
        {
            "code": r["code"],
            "name": r["name"],
            "official_rank": r["official"]["rank"],
            "whatif_rank": r["whatif"]["rank"],
            "official_composite": r["official"]["composite"],
            "whatif_composite": r["whatif"]["composite"],
            "official_classes": ",".join(r["official"]["classes"]),
            "whatif_classes": ",".join(r["whatif"]["classes"]),
        }
        for r in result["rows"]
        if r["class_changed"]
    ]
    return pd.DataFrame.from_records(records, columns=["code", "name", "official_rank", "whatif_rank",
                                                       "official_composite", "whatif_composite",
                                                       "official_classes", "whatif_classes"])  # fmt: skip

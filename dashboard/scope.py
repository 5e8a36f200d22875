"""Who is looking: the viewer's scope, applied where cases and aggregates are read (BRIEF 4).

Roles arrive later (wall kiosk: aggregates only; leader: all; district manager: own districts).
Every read function for a screen takes a `Scope` now, so that enforcing a role later is a change
of the Scope handed in, not of every query.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import ColumnElement, true


@dataclass(frozen=True)
class Scope:
    districts: frozenset[str] | None = None  # None = every district
    aggregates_only: bool = False  # True: no case ids or caller hashes in results (wall kiosk)

    @classmethod
    def all(cls) -> Scope:
        return cls()

    @classmethod
    def for_districts(cls, codes: Iterable[str], aggregates_only: bool = False) -> Scope:
        return cls(frozenset(codes), aggregates_only)

    def where(self, district_column: ColumnElement) -> ColumnElement[bool]:
        """SQL condition restricting `district_column` to this scope."""
        return true() if self.districts is None else district_column.in_(sorted(self.districts))

    def mask(self, district_codes: pd.Series) -> pd.Series:
        """Boolean mask of the rows of a frame that this scope may see."""
        if self.districts is None:
            return pd.Series(True, index=district_codes.index)
        return district_codes.isin(self.districts)

"""Who is looking: the viewer's scope, applied where cases and aggregates are read (BRIEF 4).

Every read function for a screen takes a `Scope`; dashboard.access.viewer turns the logged-in
user's role into one (wall kiosk: aggregates only; leader/admin: all; district manager: case-level
data of their own districts only, aggregates city-wide).
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

    @classmethod
    def wall(cls) -> Scope:
        """Aggregates of the whole city, nothing case-level beyond place, category, urgency, deadline."""
        return cls(None, True)

    @property
    def key(self) -> str:
        """A short stable name of the scope, for memo keys and logs."""
        districts = "all" if self.districts is None else ",".join(sorted(self.districts))
        return f"{'wall' if self.aggregates_only else 'cases'}:{districts}"

    def sees_district(self, code: str | None) -> bool:
        """May this viewer see the case-level data and detail pages of this district?"""
        return self.districts is None or code in self.districts

    def where(self, district_column: ColumnElement) -> ColumnElement[bool]:
        """SQL condition restricting `district_column` to this scope."""
        return true() if self.districts is None else district_column.in_(sorted(self.districts))

    def mask(self, district_codes: pd.Series) -> pd.Series:
        """Boolean mask of the rows of a frame that this scope may see."""
        if self.districts is None:
            return pd.Series(True, index=district_codes.index)
        return district_codes.isin(self.districts)

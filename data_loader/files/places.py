"""Resolve the district and township of imported rows: by code, by name, by alias or by point.

Lookups are built once per import from the reference tables in the database (so an import agrees
with what the dashboard shows) and applied to whole columns with `Series.map`.

Decisions (documented in docs/import.md):
- a district given by code, name (`朝阳区`, `朝阳`) or English name (`Chaoyang`);
- a township given by 9-digit code, by name or alias within its district, or, without a district,
  by a name or alias that is unique in Beijing (`八里庄街道` exists twice: the district is needed);
- a township given together with a point: the township wins (township cells are approximate), but
  a point outside Beijing is rejected, because the coordinates are then surely wrong;
- no township but a point: the township is the one whose cell contains the point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Connection, select

from dashboard.store.schema import District, Township, TownshipAlias
from data_loader.files.parsing import explain
from geo.assign import assign_points


@dataclass(frozen=True)
class Places:
    district_of_text: dict[str, str]
    district_of_township: dict[str, str]
    township_in_district: dict[str, str]  # "district|name-or-alias-or-code" -> township code
    township_anywhere: dict[str, str]  # code, or name/alias unique in Beijing -> township code
    ambiguous: frozenset[str]

    @classmethod
    def load(cls, conn: Connection) -> Places:
        district_of_text: dict[str, str] = {}
        for code, name, name_en in conn.execute(select(District.code, District.name, District.name_en)):
            for key in (code, name, name.removesuffix("区"), name_en.lower()):
                district_of_text[key.lower()] = code
        towns = conn.execute(select(Township.code, Township.name, Township.district_code)).all()
        aliases = conn.execute(select(TownshipAlias.alias, TownshipAlias.district_code, TownshipAlias.township_code))
        pairs = [(label, district, code) for code, name, district in towns for label in (name, code)] + list(aliases)
        in_district = {f"{district}|{label}": code for label, district, code in pairs}
        owners: dict[str, set[str]] = {}
        for label, _district, code in pairs:
            owners.setdefault(label, set()).add(code)
        anywhere = {label: next(iter(codes)) for label, codes in owners.items() if len(codes) == 1}
        anywhere |= {code: code for code, _name, _district in towns}
        ambiguous = frozenset(label for label, codes in owners.items() if len(codes) > 1)
        return cls(district_of_text, {c: d for c, _n, d in towns}, in_district, anywhere, ambiguous)


@dataclass
class Resolved:
    district_code: pd.Series
    township_code: pd.Series
    problems: list[tuple[pd.Series, str]]  # (reason per failing row, column)


def _assigned(lon: pd.Series, lat: pd.Series) -> tuple[pd.Series, pd.Series]:
    """District and township containing each given point (missing when outside Beijing)."""
    has_point = lon.notna() & lat.notna()
    district = pd.Series(None, index=lon.index, dtype="str")
    township = district.copy()
    if has_point.any():
        d, t = assign_points(lon[has_point].to_numpy(np.float64), lat[has_point].to_numpy(np.float64))
        district[has_point] = pd.Series(d, dtype="str").to_numpy()
        township[has_point] = pd.Series(t, dtype="str").to_numpy()
    return district, township


def resolve_places(
    places: Places, district: pd.Series, township: pd.Series, lon: pd.Series, lat: pd.Series
) -> Resolved:
    """Codes for each row plus the rejection reasons, in the order a person would fix them.

    `district` / `township` are cleaned text (missing = NA); `lon`/`lat` are WGS-84 or NaN.
    """
    d_code = district.str.lower().map(places.district_of_text).astype("str")
    bad_district = district.notna() & d_code.isna()
    by_pair = (d_code + "|" + township).map(places.township_in_district).astype("str")
    t_code = by_pair.where(d_code.notna(), township.map(places.township_anywhere).astype("str"))
    unknown = township.notna() & ~bad_district & t_code.isna()
    code_elsewhere = unknown & d_code.notna() & township.isin(places.district_of_township.keys())
    ambiguous = unknown & d_code.isna() & township.isin(places.ambiguous)
    unknown &= ~code_elsewhere & ~ambiguous
    in_district = pd.Series("", index=township.index, dtype="str").where(d_code.isna(), " in district " + d_code)

    has_point = lon.notna() & lat.notna()
    point_district, point_township = _assigned(lon, lat)
    outside = has_point & point_district.isna() & ~bad_district & ~unknown & ~code_elsewhere & ~ambiguous
    from_point = township.isna() & point_township.notna()
    no_cell = township.isna() & point_district.notna() & point_township.isna()
    elsewhere = from_point & d_code.notna() & (point_district != d_code)
    missing = township.isna() & ~has_point & ~bad_district
    problems = [
        (explain(bad_district, "unknown district '", district, "'"), "district"),
        (explain(code_elsewhere, "township ", township, " is not in district ", d_code), "township"),
        (explain(ambiguous, "ambiguous township '", township, "': give the district"), "township"),
        (explain(unknown, "unknown township '", township, "'", in_district), "township"),
        (explain(outside, "point outside Beijing"), "lat"),
        (explain(elsewhere, "point lies in district ", point_district, ", not in the given district ", d_code), "lat"),
        (explain(no_cell, "no township cell contains the point"), "lat"),
        (explain(missing, "missing township (give township or lat/lon)"), "township"),
    ]
    t_code = t_code.where(~from_point, point_township)
    d_code = d_code.where(d_code.notna(), t_code.map(places.district_of_township).astype("str"))
    return Resolved(d_code, t_code, problems)

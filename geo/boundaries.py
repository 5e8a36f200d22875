"""Real township boundaries: replace the approximate cells when a boundary file is configured.

The app passes the path from its HOTLINE_BOUNDARIES setting. Any CRS is accepted (reprojected to
WGS-84; a file without a CRS is read as WGS-84, or as the Chinese system given). Features are
matched by a township code column (9-digit, or the statistics bureau's 12-digit form) or, failing
that, a name column (official names and aliases). Nothing is silently dropped: features that match
no township and townships without a feature are listed by name in the report, and townships
without a real shape keep their approximate cell (flagged approximate) so the map stays complete.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import mapping, shape

from geo import reference
from geo.coords import to_wgs84

log = logging.getLogger(__name__)

CODE_PATTERN = re.compile(r"^11\d{7}(\d{3})?$")
MIN_MATCH_SHARE = 0.5  # a column is the code/name column when at least half its values match


@dataclass
class BoundaryReport:
    """What a boundary file did: which townships became exact, and what did not match."""

    source: str
    matched: list[str] = field(default_factory=list)  # township codes with a real shape
    unmatched: list[str] = field(default_factory=list)  # file features that name no known township
    missing: list[str] = field(default_factory=list)  # "name (code)" of townships left approximate
    duplicates: list[str] = field(default_factory=list)  # townships given by several features (merged)

    @property
    def ok(self) -> bool:
        return not (self.unmatched or self.missing or self.duplicates)

    def summary(self) -> str:
        parts = [f"{self.source}: {len(self.matched)} townships with real boundaries"]
        for label, items in (("unmatched", self.unmatched), ("missing", self.missing), ("duplicate", self.duplicates)):
            if items:
                parts.append(f"{len(items)} {label}: {', '.join(items)}")
        return "; ".join(parts)


def approximate_cells() -> gpd.GeoDataFrame:
    """The committed approximate cells as a GeoDataFrame (code, name, district_code, approximate)."""
    cells = gpd.GeoDataFrame.from_features(reference.township_geojson()["features"], crs="EPSG:4326")
    cells["approximate"] = True
    return cells[["code", "name", "district_code", "approximate", "geometry"]]


def load_township_shapes(
    path: Path | None, system: str = "wgs84", column: str | None = None
) -> tuple[gpd.GeoDataFrame, BoundaryReport]:
    """Township shapes to draw and assign with: real ones from `path` where they match, else approximate.

    Real shapes come first in the frame, so where a real shape and a fallback cell overlap, point
    assignment picks the real one. `column` forces the code/name column instead of detecting it.
    """
    cells = approximate_cells()
    if path is None:
        return cells, BoundaryReport(source="approximate cells")
    raw = _read(Path(path), system)
    report = BoundaryReport(source=str(path))
    matcher = _Matcher()
    column = column or _detect_column(raw, matcher)
    labels = raw[column].astype(str).str.strip()
    points = raw.geometry.representative_point()
    resolved = [matcher.resolve(v, p) for v, p in zip(labels, points, strict=True)]
    codes = pd.Series(resolved, index=raw.index, dtype=object)
    report.unmatched = sorted(set(labels[codes.isna()]))
    found = raw.assign(code=codes).dropna(subset=["code"])
    counts = found["code"].value_counts()
    report.duplicates = _names(sorted(counts[counts > 1].index))
    real = found.dissolve(by="code", as_index=False)[["code", "geometry"]]
    real["geometry"] = shapely.make_valid(real.geometry.values)
    towns = reference.townships().set_index("code")
    real = real.assign(
        name=real["code"].map(towns["name"]), district_code=real["code"].map(towns["district_code"]), approximate=False
    )
    report.matched = sorted(real["code"])
    fallback = cells[~cells["code"].isin(real["code"])]
    report.missing = _names(list(fallback["code"]))
    if not report.ok:
        log.warning("township boundaries incomplete: %s", report.summary())
    shapes = pd.concat([real[cells.columns], fallback], ignore_index=True)
    return gpd.GeoDataFrame(shapes, geometry="geometry", crs="EPSG:4326"), report


def to_geojson(shapes: gpd.GeoDataFrame, tolerance: float = 0.0005, decimals: int = 5) -> dict:
    """FeatureCollection for the map (id = code), simplified as a coverage so neighbours stay watertight.

    Real boundary files are often far more detailed than a map needs; this keeps the payload small.
    """
    simplified = shapely.coverage_simplify(shapes.geometry.values, tolerance)
    rounded = shapely.set_precision(simplified, 10.0**-decimals)
    features = [
        {
            "type": "Feature",
            "id": row.code,
            "properties": {"code": row.code, "name": row.name, "district_code": row.district_code},
            "geometry": mapping(geom),
        }
        for row, geom in zip(shapes.itertuples(), rounded, strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


def _read(path: Path, system: str) -> gpd.GeoDataFrame:
    frame = gpd.read_file(path)
    if frame.crs is None:
        frame = frame.set_crs("EPSG:4326")
        if system != "wgs84":
            convert = lambda xy: np.column_stack(to_wgs84(xy[:, 0], xy[:, 1], system))  # noqa: E731
            frame["geometry"] = shapely.transform(frame.geometry.values, convert)
    return frame.to_crs("EPSG:4326")


def _detect_column(frame: gpd.GeoDataFrame, matcher: _Matcher) -> str:
    """The first column whose values are mostly township codes, else mostly township names."""
    columns = [c for c in frame.columns if c != frame.geometry.name]
    for want_codes in (True, False):
        for column in columns:
            values = frame[column].dropna().astype(str).str.strip()
            if values.empty:
                continue
            is_code = values.str.match(CODE_PATTERN)
            share = is_code.mean() if want_codes else values.map(matcher.known).mean()
            if share >= MIN_MATCH_SHARE:
                return column
    raise ValueError(f"no township code or name column found among {columns}")


class _Matcher:
    """Township code for a code (9 or 12 digits), official name or alias found in a file.

    A name used in two districts (八里庄街道) is settled by the district containing the feature.
    """

    def __init__(self) -> None:
        towns = reference.townships()
        aliases = reference.township_aliases()
        self.by_name: dict[str, list[tuple[str, str]]] = {}
        for name, district, code in [
            *zip(towns["name"], towns["district_code"], towns["code"], strict=True),
            *zip(aliases["alias"], aliases["district_code"], aliases["township_code"], strict=True),
        ]:
            self.by_name.setdefault(name, []).append((district, code))
        self.codes = set(towns["code"])
        self.districts = {f["id"]: shape(f["geometry"]) for f in reference.district_geojson()["features"]}

    def known(self, value: str) -> bool:
        return bool(CODE_PATTERN.match(value.removesuffix(".0"))) or value in self.by_name

    def resolve(self, value: str, point: shapely.Point) -> str | None:
        value = value.removesuffix(".0")
        if CODE_PATTERN.match(value):
            return value[:9] if value[:9] in self.codes else None
        candidates = self.by_name.get(value, [])
        if len(candidates) > 1:
            candidates = [(d, c) for d, c in candidates if self.districts[d].contains(point)]
        return candidates[0][1] if len(candidates) == 1 else None


def _names(codes: list[str]) -> list[str]:
    names = reference.townships().set_index("code")["name"]
    return [f"{names[c]} ({c})" for c in codes]

"""Assign points (lon/lat) to their township and district, vectorised with a shapely STRtree.

Points outside every shape get None rather than the nearest township: a case geocoded to Hebei is
a data problem to report, not a Beijing case to count.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from shapely.geometry import shape

from geo import reference
from geo.coords import to_wgs84

Codes = NDArray[np.object_]


class Assigner:
    """Point-in-polygon lookup over township shapes, falling back to district shapes for gaps.

    Shapes earlier in the sequence win where shapes overlap (real boundaries go before fallback
    approximate cells). A township's district is its own district code, so both answers agree.
    """

    def __init__(
        self,
        township_codes: Sequence[str],
        township_districts: Sequence[str],
        township_shapes: Sequence[shapely.Geometry],
        district_codes: Sequence[str],
        district_shapes: Sequence[shapely.Geometry],
    ) -> None:
        self._towns = np.asarray(township_codes, dtype=object)
        self._town_districts = np.asarray(township_districts, dtype=object)
        self._town_tree = shapely.STRtree(np.asarray(township_shapes))
        self._districts = np.asarray(district_codes, dtype=object)
        self._district_tree = shapely.STRtree(np.asarray(district_shapes))

    def assign(self, lon: ArrayLike, lat: ArrayLike) -> tuple[Codes, Codes]:
        """District and township codes per point (WGS-84); None where a point is outside."""
        lon, lat = np.asarray(lon, dtype=np.float64).ravel(), np.asarray(lat, dtype=np.float64).ravel()
        districts = np.full(lon.shape, None, dtype=object)
        towns = np.full(lon.shape, None, dtype=object)
        ok = np.isfinite(lon) & np.isfinite(lat)
        points = shapely.points(lon[ok], lat[ok])
        where = np.flatnonzero(ok)
        hit_point, hit_shape = _first_hits(self._town_tree, points)
        towns[where[hit_point]] = self._towns[hit_shape]
        districts[where[hit_point]] = self._town_districts[hit_shape]
        missed = np.setdiff1d(np.arange(len(points)), hit_point, assume_unique=True)
        hit_point, hit_shape = _first_hits(self._district_tree, points[missed])
        districts[where[missed[hit_point]]] = self._districts[hit_shape]
        return districts, towns


def _first_hits(tree: shapely.STRtree, points: NDArray[np.object_]) -> tuple[NDArray, NDArray]:
    """(point index, shape index) pairs, keeping the lowest shape index for a point on a border."""
    if len(points) == 0:
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)
    point_idx, shape_idx = tree.query(points, predicate="intersects")
    order = np.lexsort((shape_idx, point_idx))
    point_idx, shape_idx = point_idx[order], shape_idx[order]
    first = np.ones(len(point_idx), dtype=bool)
    first[1:] = point_idx[1:] != point_idx[:-1]
    return point_idx[first], shape_idx[first]


def assigner_from_geojson(townships: dict, districts: dict) -> Assigner:
    """Build an Assigner from township and district FeatureCollections (properties.code, district_code)."""
    towns = townships["features"]
    dists = districts["features"]
    return Assigner(
        [f["properties"]["code"] for f in towns],
        [f["properties"]["district_code"] for f in towns],
        [shape(f["geometry"]) for f in towns],
        [f["properties"]["code"] for f in dists],
        [shape(f["geometry"]) for f in dists],
    )


@lru_cache(maxsize=1)
def default_assigner() -> Assigner:
    """The Assigner over the committed approximate township cells."""
    return assigner_from_geojson(reference.township_geojson(), reference.district_geojson())


def assign_points(lon: ArrayLike, lat: ArrayLike, system: str = "wgs84") -> tuple[Codes, Codes]:
    """(district codes, township codes) for each point, None outside Beijing; `system` of the input."""
    return default_assigner().assign(*to_wgs84(lon, lat, system))

"""Point -> township/district assignment: known places, other coordinate systems, outside points."""

from __future__ import annotations

import numpy as np
import shapely

from geo import reference
from geo.assign import Assigner, assign_points
from geo.coords import wgs84_to_bd09, wgs84_to_gcj02

TIANANMEN = (116.3975, 39.9087)  # WGS-84, issue 3
DONGHUAMEN = "110101001"  # 东华门街道, 东城区


def test_tiananmen_is_in_dongcheng_donghuamen():
    districts, towns = assign_points([TIANANMEN[0]], [TIANANMEN[1]])
    assert districts.tolist() == ["110101"]
    assert towns.tolist() == [DONGHUAMEN]
    assert reference.townships().set_index("code").loc[DONGHUAMEN, "name"] == "东华门街道"


def test_gcj02_and_bd09_inputs_of_the_same_place_land_in_the_same_township():
    gcj = wgs84_to_gcj02(*TIANANMEN)
    bd = wgs84_to_bd09(*TIANANMEN)
    assert assign_points(*gcj, system="gcj02")[1].tolist() == [DONGHUAMEN]
    assert assign_points(*bd, system="bd09")[1].tolist() == [DONGHUAMEN]


def test_other_known_places():
    # Summer Palace (海淀区), Beijing Capital Airport (朝阳区 exclave inside 顺义), Badaling (延庆区)
    lon = [116.2683, 116.5977, 116.0160]
    lat = [39.9990, 40.0799, 40.3560]
    districts, _ = assign_points(lon, lat)
    assert districts.tolist() == ["110108", "110105", "110119"]


def test_points_outside_beijing_are_reported_not_forced():
    # Baoding (Hebei), Tianjin centre, and missing coordinates
    districts, towns = assign_points([115.47, 117.20, np.nan], [38.87, 39.13, 39.9])
    assert districts.tolist() == [None, None, None]
    assert towns.tolist() == [None, None, None]


def test_every_township_point_maps_to_its_own_township():
    t = reference.townships()
    districts, towns = assign_points(t["lon"].to_numpy(), t["lat"].to_numpy())
    assert towns.tolist() == t["code"].tolist()
    assert districts.tolist() == t["district_code"].tolist()


def test_empty_input():
    districts, towns = assign_points([], [])
    assert len(districts) == len(towns) == 0


def test_gap_in_township_shapes_falls_back_to_the_district():
    square = shapely.box(0, 0, 2, 2)
    assigner = Assigner(["A", "B"], ["D", "D"], [shapely.box(0, 0, 1, 2), shapely.box(1, 0, 2, 1)], ["D"], [square])
    districts, towns = assigner.assign([0.5, 1.5, 1.5, 3.0], [0.5, 0.5, 1.5, 0.5])
    assert towns.tolist() == ["A", "B", None, None]
    assert districts.tolist() == ["D", "D", "D", None]


def test_point_on_a_shared_border_takes_the_first_shape():
    assigner = Assigner(
        ["A", "B"], ["D", "D"], [shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)], ["D"], [shapely.box(0, 0, 2, 1)]
    )
    assert assigner.assign([1.0], [0.5])[1].tolist() == ["A"]

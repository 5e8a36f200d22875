"""The committed reference data: counts, codes, cells tiling their districts, payload sizes."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import shapely
from shapely.geometry import shape

from geo import reference
from geo.assets import DATA_DIR, asset_path

GEOVENV_PYTHON = Path("/work/geovenv/bin/python")
GENERATED = ["districts.csv", "townships.csv", "township_aliases.csv", "districts.geojson", "townships.geojson"]


def shapes(collection: dict) -> dict[str, shapely.Geometry]:
    return {f["id"]: shape(f["geometry"]) for f in collection["features"]}


def test_sixteen_districts_with_codes_and_names():
    d = reference.districts()
    assert list(d.columns) == ["code", "name", "name_en", "lon", "lat"]
    assert len(d) == 16 and d["code"].is_unique
    row = d.set_index("code").loc["110101"]
    assert (row["name"], row["name_en"]) == ("东城区", "Dongcheng")
    assert set(d["name"]) >= {"朝阳区", "海淀区", "延庆区"}


def test_district_label_points_lie_inside_their_district():
    polygons = shapes(reference.district_geojson())
    for row in reference.districts().itertuples():
        assert polygons[row.code].contains(shapely.Point(row.lon, row.lat)), row.name


def test_343_townships_each_in_exactly_one_known_district():
    t = reference.townships()
    assert len(t) == 343 and t["code"].is_unique
    assert t["code"].str.fullmatch(r"11\d{7}").all()
    assert set(t["district_code"]) == set(reference.districts()["code"])
    assert (t["code"].str[:6] == t["district_code"]).all()
    assert set(t["kind"]) <= {"街道", "镇", "乡", "地区"}
    assert t["approximate"].dtype == bool and t["approximate"].all()
    assert set(t["point_source"]) == {"sizhi", "placed"}
    row = t.set_index("code").loc["110101001"]
    assert (row["name"], row["kind"]) == ("东华门街道", "街道")


def test_township_points_lie_in_their_own_cell_and_district():
    cells = shapes(reference.township_geojson())
    districts = shapes(reference.district_geojson())
    for row in reference.townships().itertuples():
        point = shapely.Point(row.lon, row.lat)
        assert cells[row.code].contains(point), row.name
        assert districts[row.district_code].contains(point), row.name


def test_every_cell_valid_and_inside_its_district():
    districts = shapes(reference.district_geojson())
    for feature in reference.township_geojson()["features"]:
        cell = shape(feature["geometry"])
        assert cell.is_valid and not cell.is_empty, feature["id"]
        assert districts[feature["properties"]["district_code"]].covers(cell), feature["id"]


def test_cells_of_a_district_tile_it():
    cells = reference.township_geojson()["features"]
    assert shapely.coverage_is_valid([shape(f["geometry"]) for f in cells])  # no overlaps
    for code, district in shapes(reference.district_geojson()).items():
        union = shapely.union_all([shape(f["geometry"]) for f in cells if f["properties"]["district_code"] == code])
        assert abs(union.area - district.area) / district.area < 0.005, code
        assert shapely.symmetric_difference(union, district).area / district.area < 0.005, code


def test_districts_do_not_overlap_and_cover_beijing():
    polygons = list(shapes(reference.district_geojson()).values())
    assert shapely.coverage_is_valid(polygons)
    west, south, east, north = shapely.union_all(polygons).bounds
    assert 115.3 < west < 115.6 and 117.4 < east < 117.6  # Beijing spans 115.4-117.5 E
    assert 39.3 < south < 39.5 and 40.9 < north < 41.2  # and 39.4-41.1 N


def test_geojson_features_carry_id_and_properties():
    towns = reference.township_geojson()["features"]
    assert sorted(f["id"] for f in towns) == sorted(reference.townships()["code"])
    assert all(f["id"] == f["properties"]["code"] and len(f["properties"]["district_code"]) == 6 for f in towns)
    first = reference.district_geojson()["features"][0]
    assert set(first["properties"]) == {"code", "name", "name_en", "district_code"}


def test_geojson_sizes_within_budget():
    assert asset_path("townships").stat().st_size <= 400 * 1024
    assert asset_path("districts").stat().st_size <= 150 * 1024
    with pytest.raises(ValueError, match="unknown map layer"):
        asset_path("provinces")


def test_aliases_point_at_townships_of_the_same_district():
    aliases = reference.township_aliases()
    towns = reference.townships().set_index("code")
    assert (towns.loc[aliases["township_code"], "district_code"].to_numpy() == aliases["district_code"]).all()
    assert not aliases.duplicated(["alias", "district_code"]).any()
    lookup = aliases.set_index(["district_code", "alias"])["township_code"]
    assert lookup[("110105", "南磨房地区")] == towns.index[towns["name"] == "南磨房乡"][0]
    assert lookup[("110101", "110101001000")] == "110101001"  # statistics bureau 12-digit code
    assert lookup[("110101", "东华门")] == "110101001"


def test_committed_files_are_what_the_build_script_produces(tmp_path):
    if shutil.which(str(GEOVENV_PYTHON)) is None:
        pytest.skip("the geo build venv (/work/geovenv) with the source packages is not installed")
    script = Path(__file__).resolve().parents[1] / "scripts" / "build_geo.py"
    subprocess.run([str(GEOVENV_PYTHON), str(script), "--out", str(tmp_path)], check=True, capture_output=True)
    for name in GENERATED:
        assert (tmp_path / name).read_bytes() == (DATA_DIR / name).read_bytes(), name

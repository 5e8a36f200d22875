"""Real boundary files replace approximate cells; anything that does not match is reported by name."""

from __future__ import annotations

import logging

import geopandas as gpd
import shapely
import shapely.geometry

from geo.boundaries import approximate_cells, load_township_shapes, to_geojson
from geo.coords import wgs84_to_gcj02


def real_file(tmp_path, codes_prefix: str, name: str, driver: str, crs: str, column: str) -> tuple:
    """A stand-in 'real' boundary file: the cells of one district, reprojected, keyed by `column`."""
    cells = approximate_cells()
    part = cells[cells["code"].str.startswith(codes_prefix)]
    labels = part["name"] if column == "街乡镇" else part["code"] + "000"
    frame = gpd.GeoDataFrame({column: labels}, geometry=part.geometry.values, crs="EPSG:4326").to_crs(crs)
    path = tmp_path / name
    frame.to_file(path, driver=driver)
    return path, part


def test_no_file_means_approximate_cells():
    shapes, report = load_township_shapes(None)
    assert len(shapes) == 343 and shapes["approximate"].all()
    assert report.ok


def test_shapefile_in_web_mercator_with_names_replaces_cells_and_reports_the_rest(tmp_path, caplog):
    path, part = real_file(tmp_path, "110101", "dongcheng.shp", "ESRI Shapefile", "EPSG:3857", "街乡镇")
    extra = gpd.GeoDataFrame({"街乡镇": ["不存在街道"]}, geometry=[shapely.box(116.40, 39.90, 116.41, 39.91)], crs=4326)
    gpd.pd.concat([gpd.read_file(path), extra.to_crs(3857)]).to_file(path)
    with caplog.at_level(logging.WARNING, logger="geo.boundaries"):
        shapes, report = load_township_shapes(path)
    assert report.matched == sorted(part["code"])
    assert report.unmatched == ["不存在街道"]
    assert len(report.missing) == 343 - 17 and "景山街道 (110101002)" not in report.missing
    assert "建外街道 (110105001)" in report.missing
    assert not report.ok and "不存在街道" in caplog.text
    assert len(shapes) == 343 and shapes.crs.to_epsg() == 4326
    exact = shapes[~shapes["approximate"]]
    assert sorted(exact["code"]) == sorted(part["code"])
    original = part.set_index("code").geometry
    for row in exact.itertuples():  # reprojection round trip keeps the shape (within ~1 m)
        assert (
            shapely.symmetric_difference(row.geometry, original[row.code]).area < 1e-6 * original[row.code].area + 1e-9
        )
    assert list(shapes["approximate"][: len(exact)]) == [False] * len(exact)  # real shapes first


def test_geojson_with_statistics_bureau_codes(tmp_path):
    path, part = real_file(tmp_path, "110102", "xicheng.geojson", "GeoJSON", "EPSG:4326", "XZQDM")
    _, report = load_township_shapes(path)
    assert report.matched == sorted(part["code"]) and report.unmatched == []


def test_shared_name_is_settled_by_location(tmp_path):
    cells = approximate_cells()
    both = cells[cells["name"] == "八里庄街道"]
    assert sorted(both["district_code"]) == ["110105", "110108"]
    path = tmp_path / "balizhuang.geojson"
    gpd.GeoDataFrame({"name": both["name"]}, geometry=both.geometry.values, crs=4326).to_file(path)
    _, report = load_township_shapes(path)
    assert report.matched == sorted(both["code"]) and report.duplicates == []


def test_file_without_crs_in_gcj02(tmp_path):
    cells = approximate_cells()
    part = cells[cells["district_code"] == "110107"]
    shifted = shapely.transform(
        part.geometry.values, lambda xy: shapely.get_coordinates(shapely.points(*wgs84_to_gcj02(xy[:, 0], xy[:, 1])))
    )
    path = tmp_path / "shijingshan.shp"
    gpd.GeoDataFrame({"code": part["code"].values}, geometry=shifted).to_file(path)
    path.with_suffix(".prj").unlink(missing_ok=True)
    shapes, report = load_township_shapes(path, system="gcj02")
    assert report.matched == sorted(part["code"])
    got = shapes.set_index("code").geometry
    for row in part.itertuples():
        assert shapely.symmetric_difference(got[row.code], row.geometry).area < 1e-4 * row.geometry.area


def test_two_features_for_one_township_are_merged_and_reported(tmp_path):
    cells = approximate_cells()
    cell = cells.set_index("code").geometry["110101001"]
    west, south, east, north = cell.bounds
    halves = [
        shapely.intersection(cell, shapely.box(west, south, (west + east) / 2, north)),
        shapely.intersection(cell, shapely.box((west + east) / 2, south, east, north)),
    ]
    path = tmp_path / "split.geojson"
    gpd.GeoDataFrame({"code": ["110101001", "110101001"]}, geometry=halves, crs=4326).to_file(path)
    shapes, report = load_township_shapes(path)
    assert report.duplicates == ["东华门街道 (110101001)"]
    merged = shapes.set_index("code").geometry["110101001"]
    assert abs(merged.area - cell.area) < 1e-9


def test_to_geojson_keeps_every_township_and_ids():
    shapes, _ = load_township_shapes(None)
    collection = to_geojson(shapes)
    assert [f["id"] for f in collection["features"]] == list(shapes["code"])
    assert all(shapely.geometry.shape(f["geometry"]).is_valid for f in collection["features"])

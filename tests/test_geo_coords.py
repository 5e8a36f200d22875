"""Coordinate conversions against published reference values, and round trips inside Beijing."""

from __future__ import annotations

import numpy as np
import pytest

from geo import coords

# (wgs lon, wgs lat, gcj lon, gcj lat) published with eviltransform (Beijing, Xicheng) and the R
# package's test near Tiananmen.
WGS_GCJ = [
    (116.377817, 39.911954, 116.38404722455657, 39.91334545536069),
    (116.39089, 39.90734, 116.39713094, 39.90874107),
]


def metres(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Equirectangular distance, exact enough at metre scale."""
    lat = np.radians((np.asarray(lat1) + np.asarray(lat2)) / 2)
    dx = np.radians(np.asarray(lon2) - np.asarray(lon1)) * np.cos(lat)
    dy = np.radians(np.asarray(lat2) - np.asarray(lat1))
    return 6_371_000 * np.hypot(dx, dy)


@pytest.mark.parametrize(("wlon", "wlat", "glon", "glat"), WGS_GCJ)
def test_wgs84_to_gcj02_matches_published_values(wlon, wlat, glon, glat):
    lon, lat = coords.wgs84_to_gcj02(wlon, wlat)
    assert metres(lon, lat, glon, glat) < 0.01


@pytest.mark.parametrize(("wlon", "wlat", "glon", "glat"), WGS_GCJ)
def test_gcj02_to_wgs84_inverts_published_values(wlon, wlat, glon, glat):
    lon, lat = coords.gcj02_to_wgs84(glon, glat)
    assert metres(lon, lat, wlon, wlat) < 0.01


def test_gcj02_to_bd09_matches_published_value():
    # coordtransform (Rust port of the JS library): gcj02_to_bd09(116.404, 39.915)
    lon, lat = coords.gcj02_to_bd09(116.404, 39.915)
    assert (float(lon), float(lat)) == pytest.approx((116.41036949371029, 39.92133699351021), abs=1e-9)


def test_gcj02_offset_in_beijing_is_hundreds_of_metres():
    lon, lat = coords.wgs84_to_gcj02(116.3975, 39.9087)
    assert 400 < metres(116.3975, 39.9087, lon, lat) < 700


@pytest.mark.parametrize("system", ["gcj02", "bd09"])
def test_round_trip_under_one_metre_across_beijing(system):
    lon, lat = np.meshgrid(np.linspace(115.4, 117.5, 60), np.linspace(39.4, 41.1, 60))
    forward = coords.wgs84_to_gcj02 if system == "gcj02" else coords.wgs84_to_bd09
    back_lon, back_lat = coords.to_wgs84(*forward(lon, lat), system)
    assert metres(lon, lat, back_lon, back_lat).max() < 1.0
    assert back_lon.shape == lon.shape


def test_conversion_of_a_point_does_not_depend_on_its_neighbours():
    alone = coords.gcj02_to_wgs84([116.4], [39.9])
    together = coords.gcj02_to_wgs84([116.4, 73.0, 135.0], [39.9, 18.0, 54.0])
    assert alone[0][0] == together[0][0] and alone[1][0] == together[1][0]


def test_to_wgs84_accepts_spellings_and_rejects_unknown_systems():
    lon, lat = coords.to_wgs84([116.4], [39.9], "WGS-84")
    assert (lon[0], lat[0]) == (116.4, 39.9)
    assert coords.to_wgs84(116.4, 39.9, "GCJ_02")[0] != 116.4
    with pytest.raises(ValueError, match="unknown coordinate system"):
        coords.to_wgs84(116.4, 39.9, "utm50")

"""HOTLINE_BOUNDARIES: a real boundary file replaces the approximate cells on the map and in the database."""

from __future__ import annotations

import json
import logging

from shapely.affinity import scale
from shapely.geometry import mapping, shape
from sqlalchemy import select

from dashboard.runtime import Runtime
from dashboard.schema import Township
from geo.assets import _OVERRIDES
from geo.reference import township_geojson

CODE = "110101001"  # 东华门街道


def test_real_boundaries_are_served_and_mismatches_reported(tmp_path, caplog, monkeypatch):
    from app import create_app

    cell = next(f for f in township_geojson()["features"] if f["properties"]["code"] == CODE)
    real = scale(shape(cell["geometry"]), 0.9, 0.9)  # a recognisably different shape
    boundary_file = tmp_path / "real.geojson"
    boundary_file.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": CODE}, "geometry": mapping(real)},
        {"type": "Feature", "properties": {"code": "999999999"}, "geometry": mapping(real)},
    ]}), encoding="utf-8")  # fmt: skip
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}",
        "HOTLINE_BOUNDARIES": str(boundary_file),
        "HOTLINE_AUTH": "off",
        "HOTLINE_CALLER_KEY": "k",
        "HOTLINE_SECRET_KEY": "s",
    }  # a start outside the demo
    monkeypatch.setattr("dashboard.settings.REPO_ROOT", tmp_path)
    monkeypatch.setattr("app.REPO_ROOT", tmp_path)
    try:
        with caplog.at_level(logging.WARNING):
            runtime = Runtime.from_environment(env)
            app = create_app(runtime, demo=False, poller=False)
        assert "999999999" in caplog.text  # the unknown feature is named
        assert "景山街道" in caplog.text  # and so is a township left approximate
        served = app.server.test_client().get("/geo/townships.geojson")
        features = {f["properties"]["code"]: f for f in json.loads(served.data)["features"]}
        assert len(features) == 343
        assert abs(shape(features[CODE]["geometry"]).area - real.area) / real.area < 0.02
        with runtime.engine.connect() as conn:
            flags = dict(conn.execute(select(Township.code, Township.approximate)).all())
        assert flags[CODE] is False and flags["110101002"] is True
    finally:
        _OVERRIDES.clear()

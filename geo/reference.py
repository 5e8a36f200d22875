"""Beijing reference data: the 16 districts, 343 townships, their aliases and map GeoJSON.

Read from the small derived files in geo/data/ (built by scripts/build_geo.py). The data is static,
so each loader is cached; callers get the cached object and must not mutate it.
"""

from __future__ import annotations

import json
from functools import lru_cache

import pandas as pd

from geo.assets import asset_path, data_file


@lru_cache(maxsize=1)
def districts() -> pd.DataFrame:
    """code (str '110101'), name, name_en, lon, lat (label point inside the polygon)."""
    return pd.read_csv(data_file("districts.csv"), dtype={"code": str, "name": str, "name_en": str})


@lru_cache(maxsize=1)
def townships() -> pd.DataFrame:
    """code (9 digits), name, district_code, kind, lon, lat (representative point), approximate,
    point_source ('sizhi' evidence or 'placed'), evidence (the source name that gave the point)."""
    frame = pd.read_csv(
        data_file("townships.csv"),
        dtype={"code": str, "name": str, "district_code": str, "kind": str, "point_source": str, "evidence": str},
        keep_default_na=False,
    )
    frame["approximate"] = frame["approximate"].astype(str).str.lower().eq("true")
    return frame


@lru_cache(maxsize=1)
def township_aliases() -> pd.DataFrame:
    """alias, district_code, township_code: other names and codes files use for a township."""
    return pd.read_csv(data_file("township_aliases.csv"), dtype=str, keep_default_na=False)


@lru_cache(maxsize=1)
def district_geojson() -> dict:
    """FeatureCollection of district outlines (WGS-84); feature id and properties.code = district code."""
    return json.loads(asset_path("districts").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def township_geojson() -> dict:
    """FeatureCollection of approximate township cells (WGS-84); id = 9-digit township code."""
    return json.loads(asset_path("townships").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def township_names_en() -> dict[str, str]:
    """Township code -> English name ("Jianwai Subdistrict"), built by scripts/build_names_en.py."""
    frame = pd.read_csv(data_file("townships_en.csv"), dtype=str, keep_default_na=False)
    return dict(zip(frame["code"], frame["name_en"], strict=True))

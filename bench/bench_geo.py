"""Geography benchmark: point assignment rate, coordinate conversion rate, map payload, cell quality.

Run from the repository root: `python bench/bench_geo.py`. Writes bench/results/geo.md.
Points are drawn around the township points (where cases are), plus a share outside Beijing.
"""

from __future__ import annotations

import platform
import sys
import time
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import shape

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo import reference  # noqa: E402
from geo.assets import asset_path  # noqa: E402
from geo.assign import assign_points, default_assigner  # noqa: E402
from geo.coords import gcj02_to_wgs84, wgs84_to_gcj02  # noqa: E402

N_POINTS = 500_000
REPEATS = 3
OUT = ROOT / "bench" / "results" / "geo.md"


def sample_points(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """90% scattered ~1.5 km around township points, 10% anywhere in the surrounding box."""
    towns = reference.townships()
    inner = int(n * 0.9)
    pick = rng.integers(0, len(towns), inner)
    lon = towns["lon"].to_numpy()[pick] + rng.normal(0, 0.015, inner)
    lat = towns["lat"].to_numpy()[pick] + rng.normal(0, 0.012, inner)
    lon = np.concatenate([lon, rng.uniform(115.0, 118.0, n - inner)])
    lat = np.concatenate([lat, rng.uniform(39.0, 41.5, n - inner)])
    return lon, lat


def best_rate(func, n: int) -> float:
    """Points per second of the fastest of REPEATS runs."""
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return n / min(times)


def union_error() -> float:
    """Largest relative area difference between a district and the union of its cells."""
    cells = reference.township_geojson()["features"]
    worst = 0.0
    for feature in reference.district_geojson()["features"]:
        district = shape(feature["geometry"])
        union = shapely.union_all(
            [shape(c["geometry"]) for c in cells if c["properties"]["district_code"] == feature["id"]]
        )
        worst = max(worst, shapely.symmetric_difference(union, district).area / district.area)
    return worst


def main() -> None:
    rng = np.random.default_rng(12345)
    lon, lat = sample_points(N_POINTS, rng)
    default_assigner()  # build the tree outside the timing, as the app does once
    districts, _ = assign_points(lon, lat)
    inside = float(np.mean(districts.astype(bool)))  # None -> False
    assign_rate = best_rate(lambda: assign_points(lon, lat), N_POINTS)
    glon, glat = wgs84_to_gcj02(lon, lat)
    gcj_assign_rate = best_rate(lambda: assign_points(glon, glat, system="gcj02"), N_POINTS)
    convert_rate = best_rate(lambda: gcj02_to_wgs84(glon, glat), N_POINTS)
    towns = reference.townships()
    sizhi = int((towns["point_source"] == "sizhi").sum())
    rows = [
        ("points assigned (WGS-84 input)", f"{assign_rate:,.0f} points/s"),
        ("points assigned (GCJ-02 input, incl. conversion)", f"{gcj_assign_rate:,.0f} points/s"),
        ("GCJ-02 -> WGS-84 conversion", f"{convert_rate:,.0f} points/s"),
        ("share of sample inside Beijing", f"{inside:.1%}"),
        ("districts.geojson", f"{asset_path('districts').stat().st_size / 1024:.1f} KB (budget 150 KB)"),
        ("townships.geojson", f"{asset_path('townships').stat().st_size / 1024:.1f} KB (budget 400 KB)"),
        ("township points from sizhi evidence / placed", f"{sizhi} / {len(towns) - sizhi}"),
        ("max district vs union-of-cells area difference", f"{union_error():.2e} (budget 5e-3)"),
    ]
    lines = [
        "# Geography benchmark",
        "",
        f"`python bench/bench_geo.py` on {platform.machine()}, {platform.python_version()}, "
        f"shapely {shapely.__version__} (GEOS {shapely.geos_version_string}); "
        f"{N_POINTS:,} points, best of {REPEATS} runs.",
        "",
        "| measure | value |",
        "|---|---|",
        *[f"| {name} | {value} |" for name, value in rows],
        "",
    ]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

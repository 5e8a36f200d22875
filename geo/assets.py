"""Where the static map assets live, so the app can serve them as cacheable files.

The map geometry is sent to the browser once as a static file (no tile server, no CDN); refreshes
send values only. The app's route maps a URL to `asset_path(layer)`.
"""

from __future__ import annotations

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
LAYERS = {"districts": "districts.geojson", "townships": "townships.geojson"}
# Layers replaced at start-up by a real boundary file (HOTLINE_BOUNDARIES): layer -> generated file.
_OVERRIDES: dict[str, Path] = {}


def override(layer: str, path: Path) -> None:
    """Serve `path` for `layer` from now on (the real township boundaries, simplified for the map)."""
    asset_path(layer)  # validates the layer name
    _OVERRIDES[layer] = path


def data_file(name: str) -> Path:
    """Path of a committed reference file in geo/data/."""
    return DATA_DIR / name


def asset_path(layer: str) -> Path:
    """Path of the GeoJSON file for `layer` ('districts' or 'townships')."""
    if layer in _OVERRIDES:
        return _OVERRIDES[layer]
    try:
        return DATA_DIR / LAYERS[layer]
    except KeyError:
        raise ValueError(f"unknown map layer {layer!r}; expected one of {', '.join(LAYERS)}") from None

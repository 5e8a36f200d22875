"""What every callback is given: the runtime's snapshot cache and the static facts of the maps.

Built once per app by `app.create_app`; callbacks read snapshots through it and never the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shapely.geometry import shape

from dashboard.access import web
from dashboard.access.filtering import ScopedSnapshots, may_open_unit
from dashboard.api.wire import versioned
from dashboard.live.contract import Snapshot, parts
from dashboard.ops.screens import ScreenFleet
from dashboard.runtime import Runtime
from geo.assets import asset_path
from geo.reference import district_geojson, districts, townships
from layouts.routes import LEADERSHIP_PAGES, View, parse_view


@dataclass
class AppContext:
    """What callbacks may touch: the snapshot cache, static map facts and the open-order pages (the one
    database read of a screen: the SLA board's 110,000 open orders do not fit in a snapshot)."""

    runtime: Runtime
    specs: dict[str, dict[str, Any]] = field(default_factory=dict)
    townships_approximate: bool = True
    district_bounds: dict[str, list[float]] = field(default_factory=dict)
    township_points: dict[str, tuple[float, float]] = field(default_factory=dict)
    # page name -> builder(view, context); per app, so two apps in one process never mix pages
    pages: dict[str, Any] = field(default_factory=dict)
    scoped: ScopedSnapshots = field(default_factory=ScopedSnapshots)
    # the SLA board's memoised reads of open orders (callbacks/open_orders.py), set at registration
    open_orders: Any = None
    fleet: ScreenFleet | None = None  # the wall screens' heartbeats (/screens)

    @property
    def tile_url(self) -> str | None:
        return self.runtime.settings.tile_url

    def snapshot(self) -> Snapshot | None:
        """The snapshot as the logged-in viewer may see it (scope from the server session, dashboard.access),
        every part present (`parts`), so views index it; None before the first snapshot."""
        scoped = self.scoped.get(self.runtime.cache.get(), web.viewer_scope())
        return None if scoped is None else parts(scoped)

    def showing(self, stub: dict[str, Any] | None, pathname: str, search: str,
                *pages: str) -> tuple[Snapshot, View] | None:  # fmt: skip
        """(snapshot, view) when a new snapshot arrived and one of `pages` (any, if none named) is
        showing to a viewer who may see it; None when the callback has nothing to redraw."""
        snapshot = self.snapshot() if stub else None
        view = parse_view(pathname, search)
        if not snapshot or (pages and view.page not in pages) or not self.may_view(view):
            return None
        return snapshot, view

    def may_view(self, view) -> bool:
        """May the viewer open this page? District and township pages only within the viewer's districts;
        the rules preview and the operator pages for admin and leader only."""
        if view.page in LEADERSHIP_PAGES:
            return web.viewer_leads()
        return may_open_unit(web.viewer_scope(), view.page, view.arg, self.specs["township"]["parents"])

    def snapshot_if_newer(self, known_version: int | None) -> dict[str, Any] | None:
        """The snapshot when its version differs from the browser's: one tiny read otherwise."""
        version = self.runtime.cache.version()
        if version is None or version == known_version:
            return None
        return self.runtime.cache.get()

    def map_spec(self, layer: str) -> dict[str, Any]:
        return self.specs[layer]


def map_specs() -> dict[str, dict[str, Any]]:
    """Static facts of both map layers: geometry URLs, codes in drawing order, hover labels."""
    district_url = versioned("/geo/districts.geojson", asset_path("districts"))
    township_url = versioned("/geo/townships.geojson", asset_path("townships"))
    dists = districts().sort_values("code")
    towns = townships().sort_values("code")
    district_name = dict(zip(dists["code"], dists["name"], strict=True))
    outline = {"outline_url": district_url, "outline_codes": list(dists["code"])}
    town_labels = [f"{district_name[d]} {n}" for d, n in zip(towns["district_code"], towns["name"], strict=True)]
    return {
        "district": {"layer": "district", "layer_url": district_url, "codes": list(dists["code"]),
                     "labels": list(dists["name"]), "names": district_name, **outline},
        "township": {"layer": "township", "layer_url": township_url, "codes": list(towns["code"]),
                     "labels": town_labels, "names": dict(zip(towns["code"], towns["name"], strict=True)),
                     "parents": dict(zip(towns["code"], towns["district_code"], strict=True)), **outline},
    }  # fmt: skip


def static_geography(approximate: bool) -> tuple[bool, dict[str, list[float]], dict[str, tuple[float, float]]]:
    """The approximate flag passed through, each district's bounding box, township points."""
    towns = townships()
    bounds = {f["properties"]["code"]: list(shape(f["geometry"]).bounds) for f in district_geojson()["features"]}
    points = {code: (lon, lat) for code, lon, lat in zip(towns["code"], towns["lon"], towns["lat"], strict=True)}
    return approximate, bounds, points

"""Entry point: `python app.py [--host H] [--port P] [--no-demo]`, and `app:server` for gunicorn.

The app factory wires the runtime (engine, rules, cache), the reference data, the optional demo
(seed + live simulator) and the in-process poller, then registers routes and callbacks.
"""

from __future__ import annotations

import argparse
import json
import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from dash import Dash
from sqlalchemy import func, select

from callbacks import register_callbacks
from dashboard.api import screens as screens_api
from dashboard.http_api import make_blueprint
from dashboard.ops.screens import ScreenFleet
from dashboard.poller import start_in_thread
from dashboard.runtime import Runtime
from dashboard.schema import Township
from dashboard.settings import REPO_ROOT
from data_loader.reference import load_reference
from layouts.shell import shell

log = logging.getLogger("hotline")
DEMO_RATE = 0.12  # new orders per second on average: about 10,000 a day, a little busier than 2019


@dataclass
class AppContext:
    """What callbacks may touch: the snapshot cache (never the database) and static map facts."""

    runtime: Runtime
    specs: dict[str, dict[str, Any]] = field(default_factory=dict)
    townships_approximate: bool = True
    district_bounds: dict[str, list[float]] = field(default_factory=dict)
    township_points: dict[str, tuple[float, float]] = field(default_factory=dict)
    # page name -> builder(view, context); per app, so two apps in one process never mix pages
    pages: dict[str, Any] = field(default_factory=dict)
    fleet: ScreenFleet | None = None  # the wall screens' heartbeats (/screens)

    @property
    def tile_url(self) -> str | None:
        return self.runtime.settings.tile_url

    def snapshot(self) -> dict[str, Any] | None:
        return self.runtime.cache.get()

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
    from geo.reference import districts, townships

    dists = districts().sort_values("code")
    towns = townships().sort_values("code")
    district_name = dict(zip(dists["code"], dists["name"], strict=True))
    outline = {"outline_url": "/geo/districts.geojson", "outline_codes": list(dists["code"])}
    town_labels = [f"{district_name[d]} {n}" for d, n in zip(towns["district_code"], towns["name"], strict=True)]
    return {
        "district": {"layer": "district", "layer_url": "/geo/districts.geojson", "codes": list(dists["code"]),
                     "labels": list(dists["name"]), "names": district_name, **outline},
        "township": {"layer": "township", "layer_url": "/geo/townships.geojson", "codes": list(towns["code"]),
                     "labels": town_labels, "names": dict(zip(towns["code"], towns["name"], strict=True)),
                     "parents": dict(zip(towns["code"], towns["district_code"], strict=True)), **outline},
    }  # fmt: skip


def apply_real_boundaries(runtime: Runtime) -> None:
    """With HOTLINE_BOUNDARIES set, real township shapes replace the approximate cells on the map
    and in the database's `approximate` flags; mismatches are logged by name, never ignored."""
    from geo.assets import override
    from geo.boundaries import load_township_shapes, to_geojson

    path = runtime.settings.boundaries_path
    if path is None:
        return
    shapes, report = load_township_shapes(path)
    (log.info if report.ok else log.warning)("township boundaries: %s", report.summary())
    load_reference(runtime.engine, exact_codes=report.matched)
    out = REPO_ROOT / "data" / "boundaries" / "townships.geojson"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(to_geojson(shapes), ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    override("townships", out)


def static_geography(approximate: bool) -> tuple[bool, dict[str, list[float]], dict[str, tuple[float, float]]]:
    """The approximate flag passed through, each district's bounding box, township points."""
    from shapely.geometry import shape

    from geo.reference import district_geojson, townships

    towns = townships()
    bounds = {f["properties"]["code"]: list(shape(f["geometry"]).bounds) for f in district_geojson()["features"]}
    points = {code: (lon, lat) for code, lon, lat in zip(towns["code"], towns["lon"], towns["lat"], strict=True)}
    return approximate, bounds, points


def seed_if_empty(runtime: Runtime) -> None:
    """Seed 60 days of demo history into an empty database (about 400,000 orders)."""
    from dashboard.schema import Case
    from data_loader.seed import seed_database

    with runtime.engine.connect() as conn:
        if conn.scalar(select(func.count()).select_from(Case)):
            return
    log.info("empty database: seeding demo history (60 days)")
    settings = runtime.settings
    written = seed_database(runtime.engine, runtime.rules, tz=settings.tz_name, caller_key=settings.caller_hash_key)
    log.info("demo history: %s orders", f"{written:,}")


def start_background(runtime: Runtime, *, demo: bool, poller: bool) -> threading.Event:
    """Seed (demo), then start the poller and the live simulator, in one background thread.

    The server answers at once; screens say "waiting for data" until the first snapshot. The poller
    starts only after the seed, so it never waits on the seed's write lock (SQLite) and its first
    tick builds the rollups from the complete history.
    """
    from data_loader.simulate import run_simulator

    stop = threading.Event()
    settings = runtime.settings

    def work() -> None:
        if demo:
            seed_if_empty(runtime)
        if poller:
            poller_stop = start_in_thread(runtime.make_poller())
            threading.Thread(target=lambda: (stop.wait(), poller_stop.set()), daemon=True).start()
        if demo:
            run_simulator(runtime.engine, runtime.rules, DEMO_RATE, stop, tick_seconds=settings.poll_seconds,
                          tz=settings.tz_name, caller_key=settings.caller_hash_key)  # fmt: skip

    threading.Thread(target=work, name="background", daemon=True).start()
    return stop


def create_app(runtime: Runtime | None = None, *, demo: bool = True, poller: bool = True) -> Dash:
    """Build the Dash app. Tests pass their own runtime and switch the background work off."""
    runtime = runtime or Runtime.from_environment()
    load_reference(runtime.engine)
    apply_real_boundaries(runtime)
    with runtime.engine.connect() as conn:
        approximate = bool(conn.scalar(select(func.count()).select_from(Township).where(Township.approximate)))
    context = AppContext(runtime, map_specs(), *static_geography(approximate))
    app = Dash(
        __name__,
        title="12345 接诉即办 运行监测",
        update_title=None,
        suppress_callback_exceptions=True,
        serve_locally=True,
        compress=False,
    )
    app.layout = shell(runtime.settings.poll_seconds)
    app.server.register_blueprint(make_blueprint(runtime))
    context.fleet = app.server.config["screen_fleet"] = ScreenFleet.for_redis(runtime.settings.redis_url)
    app.server.register_blueprint(screens_api.make_blueprint(context.fleet))
    register_callbacks(app, context)
    app.server.config["poller_stop"] = start_background(runtime, demo=demo, poller=poller)
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Beijing 12345 hotline operations dashboard")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8050)
    parser.add_argument("--no-demo", action="store_true", help="do not seed demo data or run the simulator")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(demo=not args.no_demo)
    log.info("serving on http://%s:%s", args.host, args.port)
    app.run(host=args.host, port=args.port, debug=False)
    return 0


_server_lock = threading.Lock()
_server = None


def __getattr__(name: str):
    """`gunicorn app:server` builds the app on first access (PEP 562), not on every import.

    With HOTLINE_ROLE=web, workers leave polling to a separate `python -m dashboard poller`.
    """
    global _server
    if name != "server":
        raise AttributeError(name)
    with _server_lock:
        if _server is None:
            # A web worker's poller is a standby (dashboard.runtime): it idles while Redis answers and
            # builds snapshots in-process while Redis is down, so screens keep working and say so.
            _server = create_app(demo=False, poller=True).server
    return _server


if __name__ == "__main__":
    raise SystemExit(main())

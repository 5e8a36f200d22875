"""Entry point: `python app.py [--host H] [--port P] [--no-demo]`, and `app:server` for gunicorn.

The app factory wires the runtime (engine, rules, cache), the reference data, the optional demo
(seed + live simulator) and the in-process poller, then registers routes and callbacks.
"""

from __future__ import annotations

import argparse
import json
import logging
import threading

from dash import Dash
from sqlalchemy import func, select

from callbacks import payload_guard, register_callbacks
from callbacks.access import layout_for_viewer
from callbacks.context import AppContext, map_specs, static_geography
from dashboard.access import headers, web
from dashboard.access.modes import StartRefused, login_required
from dashboard.api import screens as screens_api
from dashboard.api.json_api import make_blueprint
from dashboard.api.wire import install as install_wire
from dashboard.live.poller import start_in_thread
from dashboard.ops import metrics
from dashboard.ops.logs import configure_logging, install_request_ids
from dashboard.ops.screens import ScreenFleet
from dashboard.runtime import Runtime
from dashboard.settings import REPO_ROOT
from dashboard.store.schema import Case, Township
from data_loader.demo.seed import seed_database
from data_loader.demo.simulate import run_simulator
from data_loader.reference_tables import load_reference
from geo.assets import override
from geo.boundaries import load_township_shapes, to_geojson
from layouts.shell import shell

log = logging.getLogger("hotline")
DEMO_RATE = 0.12  # new orders per second on average: about 10,000 a day, a little busier than 2019


def apply_real_boundaries(runtime: Runtime) -> None:
    """With HOTLINE_BOUNDARIES set, real township shapes replace the approximate cells on the map
    and in the database's `approximate` flags; mismatches are logged by name, never ignored."""
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


def seed_if_empty(runtime: Runtime) -> None:
    """Seed 60 days of demo history into an empty database (about 400,000 orders)."""
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
    login_on = login_required(runtime.settings, demo)  # refuses an unsafe production start
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
        compress=False,  # flask-compress is installed on the server for every route (dashboard/api/wire.py)
    )
    app.layout = layout_for_viewer(shell(runtime.settings.poll_seconds), login_on)
    web.install(app.server, runtime, login_on)
    app.server.register_blueprint(make_blueprint(runtime))
    install_wire(app.server)
    context.fleet = app.server.config["screen_fleet"] = ScreenFleet.for_redis(runtime.settings.redis_url)
    app.server.register_blueprint(screens_api.make_blueprint(context.fleet))
    register_callbacks(app, context)
    payload_guard.install(app.server, app.callback_map)
    install_request_ids(app.server)
    metrics.install(app.server, runtime.cache)
    headers.install(app.server, app.csp_hashes, runtime.settings.tile_url)
    app.server.config["poller_stop"] = start_background(runtime, demo=demo, poller=poller)
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Beijing 12345 hotline operations dashboard")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8050)
    parser.add_argument("--no-demo", action="store_true", help="do not seed demo data or run the simulator")
    args = parser.parse_args(argv)
    configure_logging()
    try:
        app = create_app(demo=not args.no_demo)
    except StartRefused as exc:
        log.error("%s", exc)
        return 2
    log.info("serving on http://%s:%s", args.host, args.port)
    app.run(host=args.host, port=args.port, debug=False, request_handler=headers.QuietRequestHandler)
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
            configure_logging()
            _server = create_app(demo=False, poller=True).server
    return _server


if __name__ == "__main__":
    raise SystemExit(main())

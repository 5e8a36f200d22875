"""JSON endpoints (BRIEF section 5) as a Flask blueprint: health, snapshot, version, static geometry.

Every request reads the cache; only /health touches the database (one trivial query).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from flask import Blueprint, abort, jsonify, send_file
from sqlalchemy import text

if TYPE_CHECKING:
    from dashboard.runtime import Runtime

GEO_LAYERS = ("districts", "townships")


def snapshot_age_seconds(snapshot: dict | None, now: datetime) -> float | None:
    if not snapshot:
        return None
    return max(0.0, (now - datetime.fromisoformat(snapshot["generated_at"])).total_seconds())


def health(runtime: Runtime, now: datetime) -> tuple[dict, int]:
    """ok when the database answers and a snapshot younger than 5 poll intervals exists."""
    try:
        with runtime.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        database = "ok"
    except Exception as exc:
        database = f"error: {exc.__class__.__name__}"
    snapshot = runtime.cache.get()
    age = snapshot_age_seconds(snapshot, now)
    fresh = age is not None and age <= 5 * runtime.settings.poll_seconds
    status = "ok" if database == "ok" and fresh else ("starting" if age is None else "degraded")
    body = {
        "status": status,
        "database": database,
        "database_engine": runtime.engine.dialect.name,
        "cache": runtime.cache.kind if runtime.cache.ping() else f"{runtime.cache.kind}: unreachable",
        "snapshot_age_seconds": None if age is None else round(age, 1),
        "snapshot_version": None if snapshot is None else snapshot["version"],
        "rules_version": runtime.rules.version,
    }
    return body, 200 if status != "degraded" else 503


def make_blueprint(runtime: Runtime) -> Blueprint:
    bp = Blueprint("hotline_api", __name__)

    @bp.get("/health")
    def health_route():
        body, code = health(runtime, datetime.now(UTC))
        return jsonify(body), code

    @bp.get("/api/v1/version")
    def version_route():
        return jsonify({"version": runtime.cache.version()})

    @bp.get("/api/v1/snapshot")
    def snapshot_route():
        snapshot = runtime.cache.get()
        if snapshot is None:
            return jsonify({"error": "no snapshot yet: the poller has not completed its first tick"}), 503
        return jsonify(snapshot)

    @bp.get("/geo/<layer>.geojson")
    def geometry_route(layer: str):
        from geo.assets import asset_path

        if layer not in GEO_LAYERS:
            abort(404)
        return send_file(asset_path(layer), mimetype="application/geo+json", max_age=86400)

    return bp

"""JSON endpoints (BRIEF section 5) as a Flask blueprint: health, version, snapshot, rankings,
township detail, static geometry, and the Open311 read API (dashboard/api/open311.py).

Screen-facing endpoints read only the cache. `/api/v1/rankings` reads the rollups (never cases),
at most once per snapshot version and query in each worker; `/health` runs one trivial query.

Reconnect after a deploy: `/api/v1/version` carries a `boot_id` that is the same in every worker
of one deployment (a hash of the served code and assets, or `HOTLINE_BOOT_ID`), so browsers behind
a load balancer do not flap between workers; assets/reconnect.js reloads the page when it changes,
or when the server answers again after being unreachable (a plain restart).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Response, abort, jsonify, request, send_file
from sqlalchemy.exc import DBAPIError

from dashboard.access.filtering import ScopedSnapshots
from dashboard.access.web import viewer_scope
from dashboard.api import analysis, open311
from dashboard.assessment.rankings import current_stamp, rankings_payload
from dashboard.live.cache import SnapshotCache
from dashboard.ops.health import SILENT_AFTER_POLLS, assess, http_status
from dashboard.scope import Scope
from dashboard.settings import REPO_ROOT
from geo.assets import asset_path

if TYPE_CHECKING:
    from dashboard.runtime import Runtime

GEO_LAYERS = ("districts", "townships")
CODE_DIRS = ("dashboard", "layouts", "callbacks", "geo", "assets")
CODE_SUFFIXES = (".py", ".js", ".css", ".toml")
NO_STORE = {"Cache-Control": "no-store"}


def deploy_id(root=REPO_ROOT, env: dict[str, str] | None = None) -> str:
    """Identifies what this deployment serves: equal in all its workers and hosts, new on every deploy."""
    explicit = (os.environ if env is None else env).get("HOTLINE_BOOT_ID")
    if explicit:
        return explicit
    digest = hashlib.sha256()
    files = [root / "app.py", root / "requirements.txt"]
    files += sorted(p for d in CODE_DIRS for p in (root / d).rglob("*") if p.suffix in CODE_SUFFIXES)
    for path in files:
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def snapshot_age_seconds(snapshot: dict | None, now: datetime) -> float | None:
    if not snapshot:
        return None
    return max(0.0, (now - datetime.fromisoformat(snapshot["generated_at"])).total_seconds())


def staleness(snapshot: dict, now: datetime, poll_seconds: float) -> dict[str, str] | None:
    """The poller's own stale flag (source down), or one derived here when no poller publishes at all."""
    if snapshot.get("stale"):
        return snapshot["stale"]
    generated = datetime.fromisoformat(snapshot["generated_at"])
    silent_since = generated + timedelta(seconds=SILENT_AFTER_POLLS * poll_seconds)
    if now <= silent_since:
        return None
    return {"since": generated.isoformat(), "reason": "no new snapshot: the poller is not running or is stuck"}


class VersionedMemo:
    """Answers that move only when a new snapshot is published: computed once per version and key."""

    def __init__(self, cache: SnapshotCache, size: int = 32) -> None:
        self._cache = cache
        self._size = size
        self._store: OrderedDict[tuple, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        full = (self._cache.version(), key)
        with self._lock:
            if full in self._store:
                self._store.move_to_end(full)
                return self._store[full]
        value = make()
        with self._lock:
            self._store[full] = value
            while len(self._store) > self._size:
                self._store.popitem(last=False)
        return value


def health(runtime: Runtime, now: datetime, boot_id: str = "") -> tuple[dict, int]:
    """ok / degraded / failing / starting with reasons (dashboard/ops/health.py).

    Only "starting" (no snapshot yet) answers 503: a load balancer keeps degraded and failing
    workers in rotation, because the last good snapshot on screen beats a blank one.
    """
    runtime.cache.ping()  # refreshes the cache's degraded state
    snapshot = runtime.cache.get()
    age = snapshot_age_seconds(snapshot, now)
    stale = None if snapshot is None else staleness(snapshot, now, runtime.settings.poll_seconds)
    verdict = assess(runtime, snapshot, age, stale, now)
    body = {
        **verdict,
        "database_engine": runtime.engine.dialect.name,
        "cache": runtime.cache.kind,
        "cache_degraded": runtime.cache.degraded,
        "role": runtime.role,
        "snapshot_age_seconds": None if age is None else round(age, 1),
        "snapshot_version": None if snapshot is None else snapshot["version"],
        "snapshot_stale": stale,
        "rules_version": runtime.rules.version,
        "holidays_missing": [] if snapshot is None else snapshot.get("holidays_missing", []),
        "boot_id": boot_id,
    }
    return body, http_status(verdict["status"])


def township_detail(snapshot: dict[str, Any], code: str) -> dict[str, Any] | None:
    """One township from the snapshot: names, today's live values, its countdowns, day and month ranks."""
    names = snapshot.get("names") or {}
    name = (names.get("township") or {}).get(code)
    if name is None:
        return None
    district_code = (names.get("township_district") or {}).get(code)
    rankings = snapshot.get("rankings") or {}

    def ranking_row(key: str) -> dict[str, Any] | None:
        table = rankings.get(key) or {}
        row = next((r for r in table.get("rows", []) if r.get("code") == code), None)
        return None if row is None else {"period": table.get("period"), "date": table.get("date"), **row}

    return {
        "code": code,
        "name": name,
        "district_code": district_code,
        "district_name": (names.get("district") or {}).get(district_code),
        "today": (snapshot.get("map") or {}).get("township", {}).get(code, {}),
        "countdowns": [c for c in snapshot.get("countdowns", []) if c.get("township_code") == code],
        "day": ranking_row("day_township"),
        "month": ranking_row("month_township"),
        "snapshot_version": snapshot["version"],
        "generated_at": snapshot["generated_at"],
        "data_as_of": snapshot.get("data_as_of"),
        "stale": snapshot.get("stale"),
    }


def _error(status: int, message: str) -> tuple[Response, int]:
    return jsonify({"error": message}), status


def make_blueprint(runtime: Runtime) -> Blueprint:
    bp = Blueprint("hotline_api", __name__)
    bp.register_blueprint(open311.make_blueprint(runtime))
    bp.register_blueprint(analysis.make_blueprint(runtime))
    boot_id = deploy_id()
    memo = VersionedMemo(runtime.cache)
    views = ScopedSnapshots()  # the snapshot cut to each viewer's scope, once per version and scope
    poll_seconds = runtime.settings.poll_seconds

    def current_snapshot() -> dict[str, Any]:
        snapshot = runtime.cache.get()
        if snapshot is None:
            abort(Response(json.dumps({"error": "no snapshot yet: the poller has not completed its first tick"}),
                           status=503, mimetype="application/json"))  # fmt: skip
        return snapshot

    @bp.after_request
    def name_the_worker(response: Response) -> Response:
        response.headers["X-Hotline-Worker"] = str(os.getpid())  # which of N workers answered (ops, tests)
        return response

    @bp.get("/health")
    def health_route():
        body, code = health(runtime, datetime.now(UTC), boot_id)
        return jsonify(body), code, NO_STORE

    @bp.get("/api/v1/version")
    def version_route():
        return jsonify({"version": runtime.cache.version(), "boot_id": boot_id}), 200, NO_STORE

    @bp.get("/api/v1/snapshot")
    def snapshot_route():
        snapshot = current_snapshot()
        stale = staleness(snapshot, datetime.now(UTC), poll_seconds)
        # Serialised once per version (and stale state) per worker, not once per viewer.
        # Cut to the viewer's scope before it leaves the server (dashboard.access.filtering).
        scope = viewer_scope()
        key = ("snapshot", snapshot["version"], json.dumps(stale), scope.key)
        body = memo.get(key, lambda: json.dumps({**views.get(snapshot, scope), "stale": stale},
                                                ensure_ascii=False, default=str))  # fmt: skip
        return Response(body, mimetype="application/json", headers=NO_STORE)

    @bp.get("/api/v1/rankings")
    def rankings_route():
        args = request.args
        missing = [name for name in ("period", "date") if not args.get(name)]
        if missing:
            return _error(
                400,
                f"missing parameter(s): {', '.join(missing)}; e.g. ?period=month&date=2026-10"
                "&level=township (period day|month, date YYYY-MM-DD|YYYY-MM, level township|district)",
            )
        key = (args["period"], args["date"], args.get("level", "township"))
        try:
            stamp = current_stamp(runtime.engine, runtime.rules, runtime.settings.tz, *key[:2])
            payload = memo.get(("rankings", *key, stamp), lambda: rankings_payload(runtime.engine, runtime.rules, *key,
                                                                                    Scope.all()))  # fmt: skip
        except ValueError as exc:
            return _error(400, str(exc))
        except DBAPIError:
            return _error(503, "the case database is unreachable; try again shortly")
        return jsonify(payload)

    @bp.get("/api/v1/townships/<code>")
    def township_route(code: str):
        detail = township_detail(views.get(current_snapshot(), viewer_scope()), code)
        if detail is None:
            return _error(404, f"unknown township code: {code}")
        return jsonify(detail)

    @bp.get("/geo/<layer>.geojson")
    def geometry_route(layer: str):
        if layer not in GEO_LAYERS:
            abort(404)
        return send_file(asset_path(layer), mimetype="application/geo+json", max_age=86400)

    return bp

"""Screen-fleet HTTP API: heartbeats from the wall, the fleet's states and reload requests."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from dashboard.access.web import viewer_leads
from dashboard.ops.screens import HeartbeatError, ScreenFleet


def make_blueprint(fleet: ScreenFleet) -> Blueprint:
    bp = Blueprint("hotline_screens", __name__)

    @bp.post("/api/v1/screens/heartbeat")
    def heartbeat():
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return jsonify({"error": "a JSON object is required"}), 400
        try:
            return jsonify(fleet.heartbeat(body))
        except HeartbeatError as exc:
            return jsonify({"error": str(exc)}), 400

    @bp.get("/api/v1/screens")
    def screens():
        if not viewer_leads():
            return jsonify({"error": "the screen fleet is for admin and leader"}), 403
        return jsonify({"screens": fleet.screens()})

    @bp.post("/api/v1/screens/<name>/reload")
    def reload(name: str):
        if not viewer_leads():
            return jsonify({"error": "the screen fleet is for admin and leader"}), 403
        if not fleet.request_reload(name):
            return jsonify({"error": f"no screen named {name!r} has reported"}), 404
        return jsonify({"screen": name, "command": "reload"})

    return bp

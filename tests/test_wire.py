"""On the wire: compressed answers, immutable fingerprinted files, a tiny unchanged poll."""

from __future__ import annotations

import gzip
import json
import os

import brotli
import pytest

from app import create_app
from dashboard.api.wire import IMMUTABLE
from dashboard.runtime import Runtime


@pytest.fixture
def client(tmp_path):
    runtime = Runtime.from_environment({**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}"})
    app = create_app(runtime, demo=False, poller=False)
    return app, app.server.test_client()


def test_html_json_and_geojson_are_compressed(client):
    _app, http = client
    page = http.get("/", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert page.headers["Content-Encoding"] == "br"  # brotli preferred when the browser offers it
    assert b"<html" in brotli.decompress(page.data).lower()
    layout = http.get("/_dash-layout", headers={"Accept-Encoding": "gzip"})
    assert layout.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(layout.data))  # still the same JSON
    geometry = http.get(_geometry_url(), headers={"Accept-Encoding": "gzip"})
    raw = gzip.decompress(geometry.data)
    assert json.loads(raw)["type"] == "FeatureCollection"
    assert len(geometry.data) * 3 < len(raw)  # coordinates compress well
    assert geometry.headers["Cache-Control"] == IMMUTABLE


def _geometry_url() -> str:
    """The fingerprinted URL the map figures point at (the township layer, the larger file)."""
    from app import map_specs

    url = map_specs()["township"]["layer_url"]
    assert "?v=" in url
    return url


def test_fingerprinted_assets_are_immutable_and_plain_urls_revalidate(client):
    _app, http = client
    assert http.get("/assets/ticker.js?m=1700000000").headers["Cache-Control"] == IMMUTABLE
    assert http.get("/geo/townships.geojson").headers["Cache-Control"] != IMMUTABLE  # no digest in the URL
    assert "immutable" not in http.get("/assets/ticker.js").headers.get("Cache-Control", "")


def test_an_unchanged_poll_is_a_few_hundred_bytes(client):
    _app, http = client
    answer = http.get("/api/v1/version", headers={"Accept-Encoding": "gzip, br"})
    assert "Content-Encoding" not in answer.headers  # under 500 bytes: not worth compressing
    head = sum(len(k) + len(v) + 4 for k, v in answer.headers.items())
    assert len(answer.data) + head < 400

"""How responses travel: compressed, and cached for as long as their URL says they cannot change.

* gzip or brotli (flask-compress, whichever the browser accepts; brotli first) for HTML, JS, CSS,
  JSON and GeoJSON over 500 bytes: Dash's bundles and callback answers shrink 4-8x. A reverse proxy
  that compresses (nginx `gzip on`) may do this instead; compressing twice is harmless, it is skipped.
* Fingerprinted URLs are immutable: Dash's component bundles (`?v=`, cached by Dash itself), our
  assets (`/assets/...?m=<mtime>`, which Dash writes into the page) and the map geometry
  (`/geo/<layer>.geojson?v=<digest>`) get `max-age` one year, so a repeat load revalidates
  nothing but the page itself and the small layout and dependency answers.
* An unchanged poll stays tiny: the version check is ~60 bytes of JSON and the Dash poll callback
  answers 204 No Content when the version did not move.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Flask, Response, request
from flask_compress import Compress

YEAR = 31_536_000
MIMETYPES = ["text/html", "text/css", "text/javascript", "application/javascript", "application/json",
             "application/geo+json", "image/svg+xml"]  # fmt: skip
IMMUTABLE = f"public, max-age={YEAR}, immutable"


def install(server: Flask) -> None:
    """Compress responses and mark fingerprinted ones immutable."""
    server.config.setdefault("COMPRESS_MIMETYPES", MIMETYPES)
    server.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    server.config.setdefault("COMPRESS_BR_LEVEL", 5)  # level 11 costs 100x the CPU for 10% fewer bytes
    server.config.setdefault("COMPRESS_LEVEL", 6)
    server.config.setdefault("COMPRESS_MIN_SIZE", 500)
    Compress(server)
    server.after_request(_cache_headers)


def _cache_headers(response: Response) -> Response:
    """Runs before flask-compress (after_request hooks run last-registered first)."""
    if request.path.startswith("/geo/") and response.status_code == 200:
        # A sent file streams, and flask-compress leaves streams alone: buffer the GeoJSON so it compresses.
        response.direct_passthrough = False
        response.set_data(response.get_data())
    fingerprinted = (request.path.startswith("/assets/") and "m" in request.args) or (
        request.path.startswith("/geo/") and "v" in request.args
    )
    if fingerprinted and response.status_code == 200:
        response.headers["Cache-Control"] = IMMUTABLE
    return response


@lru_cache(maxsize=8)
def fingerprint(path: Path, _mtime: float) -> str:
    """A short digest of a file's bytes, for `?v=` in its URL (pass the mtime so an override shows)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def versioned(url: str, path: Path) -> str:
    """`url?v=<digest of path>`: the browser may keep it for a year, a new file gets a new URL."""
    return f"{url}?v={fingerprint(path, path.stat().st_mtime)}"

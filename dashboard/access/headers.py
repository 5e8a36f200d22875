"""Security headers on every response: a CSP the app's own pages satisfy, no framing, no sniffing.

Scripts come only from this server plus the hashes of Dash's own inline scripts (its renderer
start and the clientside callbacks), so no 'unsafe-inline' or 'unsafe-eval' for scripts. Styles
need 'unsafe-inline' (Dash components and Plotly set style attributes); maplibre runs its workers
from blob: URLs. A configured tile server is the only other origin allowed, for images and fetches.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Flask, Response
from werkzeug.serving import WSGIRequestHandler


def content_security_policy(script_hashes: list[str], tile_url: str | None = None) -> str:
    extra = ""
    if tile_url:
        parts = urlsplit(tile_url.replace("{", "").replace("}", ""))
        extra = f" {parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    return "; ".join((
        "default-src 'self'",
        "script-src 'self' " + " ".join(script_hashes),
        "style-src 'self' 'unsafe-inline'",
        f"img-src 'self' data: blob:{extra}",
        f"connect-src 'self'{extra}",
        "font-src 'self' data:",
        "worker-src 'self' blob:",
        "child-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ))  # fmt: skip


def install(server: Flask, script_hashes: Callable[[], list[str]], tile_url: str | None) -> None:
    """Add the headers after every request; the CSP is computed once, on the first response."""
    policy: list[str] = []

    @server.after_request
    def security_headers(response: Response) -> Response:
        if response.mimetype == "text/html":  # only documents run scripts or get framed: JSON polls stay small
            if not policy:
                policy.append(content_security_policy(script_hashes(), tile_url))
            response.headers.setdefault("Content-Security-Policy", policy[0])
            response.headers["X-Frame-Options"] = "DENY"
            response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        return response


class QuietRequestHandler(WSGIRequestHandler):
    """The development server without its version banner in the Server header."""

    server_version = "hotline"
    sys_version = ""

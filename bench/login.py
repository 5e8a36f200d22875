"""The production start for the load benchmarks: login on, its two secrets, a token per kind of screen.

A wall screen opens with `/?token=...` (a wall token) and a tablet with a leader's token, exactly as
docs/deploy.md tells a deployment to do, so the measured requests pay the session check that
production pays.
"""

from __future__ import annotations

import secrets

import requests
from sqlalchemy import Engine

from dashboard.access.tokens import create_token


def production_env(env: dict[str, str], caller_key: str) -> dict[str, str]:
    """`env` for a non-demo start with login on; `caller_key` must be the one the data was seeded with."""
    started = {**env, "HOTLINE_CALLER_KEY": caller_key, "HOTLINE_SECRET_KEY": secrets.token_urlsafe(32)}
    started.pop("HOTLINE_AUTH", None)
    return started


def screen_tokens(engine: Engine) -> dict[str, str]:
    """A fresh wall token and leader token (names made unique, the database may be reused)."""
    run = secrets.token_hex(4)
    return {role: create_token(engine, f"bench-{role}-{run}", role) for role in ("wall", "leader")}


def signed_in(base: str, token: str) -> requests.Session:
    """A session that opened a page with `?token=`, as a screen does on its first load."""
    session = requests.Session()
    session.headers["Accept-Encoding"] = "br, gzip"
    session.get(f"{base}/?token={token}", timeout=60).raise_for_status()
    return session

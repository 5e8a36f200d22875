"""Login on or off, decided once at start-up; a production start without its secrets refuses to run.

The embedded demo (`python app.py`, seeding and simulating) runs with login off unless
HOTLINE_AUTH=on, and says so on every page. Any other start runs with login on unless
HOTLINE_AUTH=off is set explicitly, and needs HOTLINE_CALLER_KEY (the caller hash key: with the
public default the demo hashes were reversed by brute force) and HOTLINE_SECRET_KEY (session cookies).
"""

from __future__ import annotations

from dashboard.settings import Settings


class StartRefused(RuntimeError):
    """The settings make this start unsafe; the message says what to set."""


def login_required(settings: Settings, demo: bool) -> bool:
    """True when viewers must log in; raises StartRefused for an unsafe production start."""
    if not demo:
        given = {"HOTLINE_CALLER_KEY": settings.caller_key_set, "HOTLINE_SECRET_KEY": bool(settings.secret_key)}
        missing = [name for name, ok in given.items() if not ok]
        if missing:
            raise StartRefused(
                f"refusing to start outside the demo without {' and '.join(missing)}: set each to a long random "
                "secret of this deployment (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
            )
    if settings.auth is not None:
        return settings.auth == "on"
    return not demo

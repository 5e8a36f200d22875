"""Access control on the Flask server: login and logout, sessions, tokens, the guard on every route.

- Sessions: Flask-Login over Flask's signed cookie (HttpOnly, SameSite=Lax, Secure with
  HOTLINE_HTTPS=on), 12 hours, renewed by every request (a wall that polls stays signed in).
  Each request reloads the user or token, so disabling a user or revoking a token ends its
  sessions at once.
- Tokens: `Authorization: Bearer TOKEN` on the JSON and Open311 APIs; `?token=TOKEN` on a page's
  first load opens a session and redirects to the same address without the token.
- Login: 5 failed attempts a minute per user name and per address (Flask-Limiter, Redis when
  REDIS_URL is set, in memory otherwise), every attempt in the audit log.
- The guard: without a viewer, pages redirect to /login and everything else answers 401. Only
  the login page, /health and static files are public.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from flask import Flask, Response, current_app, has_request_context, jsonify, redirect, request, session
from flask_login import LoginManager, current_user, login_user, logout_user
from sqlalchemy import Engine, func, select

from dashboard.access import audit, tokens, users
from dashboard.access.login_page import login_html
from dashboard.access.viewer import Viewer
from dashboard.scope import Scope
from dashboard.store.schema import User

if TYPE_CHECKING:
    from dashboard.runtime import Runtime

log = logging.getLogger(__name__)
EXTENSION = "hotline_access"
PUBLIC_PATHS = frozenset({"/login", "/logout", "/health", "/_favicon.ico", "/favicon.ico"})
PUBLIC_PREFIXES = ("/assets/", "/_dash-component-suites/")
BEARER_PREFIXES = ("/api/", "/open311/", "/metrics")
NON_PAGE_PREFIXES = ("/api/", "/open311/", "/_dash-", "/geo/", "/metrics")
NOBODY = Scope(frozenset(), True)  # what an unauthenticated request could see: nothing case-level
LOGIN_LIMIT = "5 per minute"
SESSION_HOURS = 12
TOKEN_USE_AUDIT_SECONDS = 600  # an API client polling every few seconds: one audit entry per token and 10 min


LEADERSHIP_ROLES = ("admin", "leader")


class _Throttle:
    """True at most once per `seconds` per key (in this process)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._last: dict[int, float] = {}
        self._lock = threading.Lock()

    def due(self, key: int) -> bool:
        now = time.monotonic()
        with self._lock:
            if now - self._last.get(key, float("-inf")) < self.seconds:
                return False
            self._last[key] = now
            return True


@dataclass(frozen=True)
class AccessState:
    enabled: bool
    engine: Engine


def _state() -> AccessState | None:
    return current_app.extensions.get(EXTENSION) if has_request_context() else None


def viewer_scope() -> Scope:
    """The scope of whoever made the current request: from the server's session, never from the request."""
    state = _state()
    if state is None or not state.enabled:
        return Scope.all()
    return current_user.scope if current_user.is_authenticated else NOBODY


def viewer_label() -> str | None:
    """The viewer's name for the audit log and the page chrome; None with login off."""
    state = _state()
    if state is None or not state.enabled or not current_user.is_authenticated:
        return None
    return current_user.label


def viewer_leads() -> bool:
    """Admin or leader (or login off): may preview rules and operate alerts and screens."""
    state = _state()
    if state is None or not state.enabled:
        return True
    return current_user.is_authenticated and current_user.role in LEADERSHIP_ROLES


def viewer_kind() -> str | None:
    state = _state()
    if state is None or not state.enabled or not current_user.is_authenticated:
        return None
    return current_user.kind


def audit_event(action: str, target: str | None = None, **detail) -> None:
    """Record `action` by the current viewer (exports, token use) in the audit log."""
    state = _state()
    if state is not None:
        audit.record(state.engine, viewer_label() or "anonymous", action, target, request.remote_addr, **detail)


def _user_viewer(record: users.UserRecord) -> Viewer:
    return Viewer("user", record.id, record.name, record.role, record.districts)


def _token_viewer(record: tokens.TokenRecord) -> Viewer:
    return Viewer("token", record.id, record.name, record.role, record.districts)


def _safe_next(raw: str | None) -> str:
    """Only a path on this server (no //host, no scheme), so the login form is no open redirect."""
    if not raw or not raw.startswith("/") or raw.startswith("//") or "\\" in raw:
        return "/"
    return raw


def _lang() -> str:
    return "en" if request.args.get("lang") == "en" else "zh"


def configure(server: Flask, runtime: Runtime) -> None:
    """Flask settings that hold with login on or off: cookies, body limit, trusted hosts, proxies."""
    settings = runtime.settings
    server.config.update(
        SECRET_KEY=settings.secret_key or secrets.token_urlsafe(32),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.https,
        SESSION_COOKIE_NAME="hotline_session",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        TRUSTED_HOSTS=list(settings.trusted_hosts) or None,
    )
    if settings.proxy_hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = settings.proxy_hops
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def install(server: Flask, runtime: Runtime, enabled: bool) -> None:
    """Register the access state; with login on, the login manager, limiter, routes and guard."""
    configure(server, runtime)
    engine = runtime.engine
    server.extensions[EXTENSION] = AccessState(enabled, engine)
    if not enabled:
        log.warning("HOTLINE_AUTH is off: every page and API answers without a login")
        return
    with engine.connect() as conn:
        if not conn.scalar(select(func.count()).select_from(User)):
            log.warning("login is on but there are no users yet: python -m dashboard users add NAME --role admin")
    manager = LoginManager(server)
    uses = _Throttle(TOKEN_USE_AUDIT_SECONDS)

    @manager.user_loader
    def load(ident: str) -> Viewer | None:
        kind, _, number = ident.partition(":")
        if not number.isdigit():
            return None
        if kind == "user":
            found = users.get_user(engine, int(number))
            return _user_viewer(found) if found and found.active else None
        found = tokens.get_token(engine, int(number)) if kind == "token" else None
        return _token_viewer(found) if found else None

    @manager.request_loader
    def bearer(req) -> Viewer | None:
        header = req.headers.get("Authorization", "")
        if not header.startswith("Bearer ") or not req.path.startswith(BEARER_PREFIXES):
            return None
        found = tokens.check_token(engine, header[len("Bearer ") :].strip())
        if found is None:
            return None
        if uses.due(found.id):
            audit.record(engine, f"token:{found.name}", "token.use", req.path, req.remote_addr, role=found.role)
        return _token_viewer(found)

    _login_routes(server, runtime)

    @server.before_request
    def guard():
        path = request.path
        if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES):
            return None
        if "token" in request.args and request.method == "GET" and not path.startswith(NON_PAGE_PREFIXES):
            return _open_token_session(engine)
        if current_user.is_authenticated:
            return None
        if request.method == "GET" and not path.startswith(NON_PAGE_PREFIXES):
            query = urlencode({"next": request.full_path.rstrip("?"), **({"lang": "en"} if _lang() == "en" else {})})
            return redirect(f"/login?{query}")
        return jsonify({"error": "login required: sign in, or send Authorization: Bearer TOKEN"}), 401


def _open_token_session(engine: Engine):
    """`?token=` on a page: a session for the token, then the same address without it."""
    found = tokens.check_token(engine, request.args.get("token", ""))
    if found is None:
        audit.record(engine, "anonymous", "token.rejected", request.path, request.remote_addr)
        return Response(login_html(_lang(), "/", "token"), status=401, mimetype="text/html")
    session.clear()
    login_user(_token_viewer(found))
    session.permanent = True
    audit.record(engine, f"token:{found.name}", "token.session", request.path, request.remote_addr, role=found.role)
    rest = [(k, v) for k, v in request.args.items(multi=True) if k != "token"]
    return redirect(request.path + ("?" + urlencode(rest) if rest else ""))


def _login_routes(server: Flask, runtime: Runtime) -> None:
    from flask_limiter import Limiter  # only with login on: a start with login off does not load it
    from flask_limiter.util import get_remote_address

    engine = runtime.engine
    limiter = Limiter(
        get_remote_address,
        app=server,
        storage_uri=runtime.settings.redis_url or "memory://",
        key_prefix="hotline-login",
        swallow_errors=True,
        in_memory_fallback_enabled=True,
    )
    failed = lambda response: response.status_code == 401  # noqa: E731 - only failures use up the limit

    def by_name() -> str:
        return "user:" + (request.form.get("name") or "").strip().lower()

    def by_address() -> str:
        return "address:" + (request.remote_addr or "")

    @limiter.limit(LOGIN_LIMIT, key_func=by_name, methods=["POST"], deduct_when=failed)
    @limiter.limit(LOGIN_LIMIT, key_func=by_address, methods=["POST"], deduct_when=failed)
    def login():
        lang, next_path = _lang(), _safe_next(request.values.get("next"))
        if request.method == "GET":
            message = request.args.get("m")
            return Response(login_html(lang, next_path, message), mimetype="text/html")
        name = (request.form.get("name") or "").strip()
        found = users.authenticate(engine, name, request.form.get("password") or "")
        if found is None:
            audit.record(engine, name or "?", "login.failed", None, request.remote_addr)
            return Response(login_html(lang, next_path, "failed", name), status=401, mimetype="text/html")
        session.clear()
        login_user(_user_viewer(found))
        session.permanent = True
        audit.record(engine, found.name, "login.ok", None, request.remote_addr, role=found.role)
        return redirect(next_path)

    def logout():
        label = viewer_label()
        if label:
            audit.record(engine, label, "logout", None, request.remote_addr)
        logout_user()
        session.clear()
        return redirect("/login?" + urlencode({"m": "logged_out", **({"lang": "en"} if _lang() == "en" else {})}))

    server.add_url_rule("/login", "login", login, methods=["GET", "POST"])
    server.add_url_rule("/logout", "logout", logout, methods=["GET", "POST"])

    @server.errorhandler(429)
    def too_many(_exc):
        audit.record(engine, (request.form.get("name") or "?").strip(), "login.limited", None, request.remote_addr)
        return Response(login_html(_lang(), _safe_next(request.values.get("next")), "limited"), status=429,
                        mimetype="text/html")  # fmt: skip

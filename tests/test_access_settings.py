"""Access settings on a real app: trusted hosts, the login rate limit shared through Redis, token use
in the audit log (issue 12)."""

from __future__ import annotations

import os

import pytest
import redis
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from dashboard.access import audit, tokens, users
from dashboard.runtime import Runtime
from dashboard.store.db import limit_statement_time


def make_app(tmp_path, **env):
    from app import create_app

    full = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'settings.db'}", "HOTLINE_AUTH": "on", **env}
    if "REDIS_URL" not in env:
        full.pop("REDIS_URL", None)
    runtime = Runtime.from_environment(full)
    return runtime, create_app(runtime, demo=False, poller=False)


def test_untrusted_host_gets_400(tmp_path):
    _runtime, app = make_app(tmp_path, HOTLINE_TRUSTED_HOSTS="hotline.example,127.0.0.1")
    client = app.server.test_client()
    assert client.get("/login", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/login", headers={"Host": "hotline.example"}).status_code == 200


def test_login_limit_lives_in_redis_so_all_workers_share_it(tmp_path, redis_url):
    runtime, app = make_app(tmp_path, REDIS_URL=redis_url)
    users.add_user(runtime.engine, "li", "long enough pw", "leader")
    client = app.server.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.3.0.1"
    codes = [client.post("/login", data={"name": "li", "password": "wrong"}).status_code for _ in range(6)]
    assert codes == [401] * 5 + [429]
    keys = redis.Redis.from_url(redis_url).keys("*hotline-login*")
    assert keys, "the limiter's counters are in Redis"
    # A second app (another worker) sees the same counters: still limited there.
    _other_runtime, other = make_app(tmp_path, REDIS_URL=redis_url)
    second = other.server.test_client()
    second.environ_base["REMOTE_ADDR"] = "10.3.0.1"
    assert second.post("/login", data={"name": "li", "password": "long enough pw"}).status_code == 429


def test_bearer_use_is_audited_once_per_interval(tmp_path):
    runtime, app = make_app(tmp_path)
    token = tokens.create_token(runtime.engine, "integration", "leader")
    client = app.server.test_client()
    for _ in range(3):
        assert client.get("/api/v1/version", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    uses = [e for e in audit.entries(runtime.engine) if e["action"] == "token.use"]
    assert len(uses) == 1 and uses[0]["actor"] == "token:integration" and uses[0]["target"] == "/api/v1/version"
    assert client.get("/sla", headers={"Authorization": f"Bearer {token}"}).status_code == 302  # pages: no bearer


def test_session_cookie_is_secure_behind_https(tmp_path):
    runtime, app = make_app(tmp_path, HOTLINE_HTTPS="on")
    users.add_user(runtime.engine, "li", "long enough pw", "leader")
    answer = app.server.test_client().post("/login", data={"name": "li", "password": "long enough pw"})
    cookie = answer.headers["Set-Cookie"]
    assert answer.status_code == 302 and "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_api_queries_run_under_a_statement_timeout_on_postgresql(pg_engine):
    with pg_engine.connect() as conn:
        limit_statement_time(conn, 0.2)
        assert conn.execute(text("SHOW statement_timeout")).scalar() == "200ms"
        with pytest.raises(OperationalError, match="statement timeout"):
            conn.execute(text("SELECT pg_sleep(5)"))
    with pg_engine.connect() as conn:  # SET LOCAL: the next transaction has the server's default again
        assert conn.execute(text("SHOW statement_timeout")).scalar() == "0"

"""A production start as an operator does it: PostgreSQL, users and tokens made with the command line,
`python app.py --no-demo` in its own process, probed over HTTP as each role (issue 12)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.access_app import CASE_ID, OWN, PASSWORD
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent


def production_env(pg_url: str) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": pg_url, "POLL_SECONDS": "2", "HOTLINE_CALLER_KEY": "k-" + "x" * 30,
           "HOTLINE_SECRET_KEY": "s-" + "y" * 30}  # fmt: skip
    for name in ("HOTLINE_AUTH", "REDIS_URL", "HOTLINE_ROLE"):
        env.pop(name, None)  # login must be on by default outside the demo
    return env


def cli(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, input=stdin, capture_output=True, text=True,
                          timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def wait_for_snapshot(url: str, proc: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read()[-3000:]
        try:
            if requests.get(f"{url}/health", timeout=5).json()["status"] != "starting":
                return
        except (requests.RequestException, ValueError):
            pass
        time.sleep(0.5)
    raise TimeoutError("the app published no snapshot in time")


def test_no_demo_start_refuses_without_its_secrets(pg_url):
    env = production_env(pg_url)
    del env["HOTLINE_SECRET_KEY"]
    done = subprocess.run([sys.executable, "app.py", "--no-demo", "--port", str(free_port())], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 2 and "HOTLINE_SECRET_KEY" in done.stderr


def test_no_demo_start_on_postgresql_probed_as_each_role(pg_url):
    env = production_env(pg_url)
    cli(env, "-m", "data_loader", "seed", "--days", "3", "--per-day", "600", "--seed", "5")
    for role in ("admin", "leader", "district"):
        extra = ["--district", OWN] if role == "district" else []
        cli(env, "-m", "dashboard", "users", "add", role, "--role", role, *extra, stdin=PASSWORD + "\n")
    wall_token = cli(env, "-m", "dashboard", "tokens", "create", "--name", "lobby", "--role", "wall").strip()
    api_token = cli(env, "-m", "dashboard", "tokens", "create", "--name", "cy-api", "--role", "district",
                    "--district", OWN).strip()  # fmt: skip
    listed = cli(env, "-m", "dashboard", "tokens", "list")
    assert "lobby" in listed and wall_token not in listed
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "app.py", "--no-demo", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        wait_for_snapshot(url, proc)
        nobody = requests.get(f"{url}/sla", allow_redirects=False, timeout=30)
        assert nobody.status_code == 302 and nobody.headers["Location"].startswith("/login")
        assert requests.get(f"{url}/api/v1/snapshot", timeout=30).status_code == 401
        assert "Werkzeug" not in nobody.headers.get("Server", "") and "Python" not in nobody.headers.get("Server", "")
        assert "frame-ancestors 'none'" in nobody.headers["Content-Security-Policy"]

        districts_seen = {}
        for role in ("admin", "leader", "district"):
            session = requests.Session()
            login = session.post(f"{url}/login", data={"name": role, "password": PASSWORD}, allow_redirects=False,
                                 timeout=30)  # fmt: skip
            assert login.status_code == 302 and "HttpOnly" in login.headers["Set-Cookie"]
            snapshot = session.get(f"{url}/api/v1/snapshot", timeout=60).json()
            districts_seen[role] = {c["district_code"] for c in snapshot["countdowns"]}
            assert "caller_hash" not in str(snapshot["repeat_callers"])
        assert len(districts_seen["admin"]) > 1 and districts_seen["leader"] == districts_seen["admin"]
        assert districts_seen["district"] == {OWN}

        wall = requests.Session()
        first = wall.get(f"{url}/?kiosk=1&token={wall_token}", allow_redirects=False, timeout=30)
        assert first.status_code == 302 and first.headers["Location"] == "/?kiosk=1"
        text = wall.get(f"{url}/api/v1/snapshot", timeout=60).text
        assert CASE_ID.findall(text) == [] and "市民反映" not in text and "号楼" not in text

        bearer = {"Authorization": f"Bearer {api_token}"}
        found = requests.get(f"{url}/open311/v2/requests.json", headers=bearer, timeout=60).json()
        assert found and {r["district"] for r in found} == {OWN}
        cli(env, "-m", "dashboard", "tokens", "revoke", "cy-api")
        assert requests.get(f"{url}/open311/v2/requests.json", headers=bearer, timeout=60).status_code == 401
        audit = cli(env, "-m", "dashboard", "audit")
        assert "login.ok" in audit and "token.session" in audit and "token.revoke" in audit
    finally:
        proc.terminate()
        proc.wait(timeout=60)

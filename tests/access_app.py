"""A seeded app with login on, one signed-in test client per role, and a forger of Dash callbacks.

Shared by the access tests (tests/test_access_*.py). The district manager owns 朝阳区 (110105);
"other" is 东城区 (110101), whose case-level data that manager must never receive.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

OWN, OTHER = "110105", "110101"
PASSWORD = "correct horse battery"
ROLES = ("admin", "leader", "district", "wall")
CASE_ID = re.compile(r"D\d{14}")
FULL_HASH = re.compile(r"[0-9a-f]{64}")


@dataclass
class AccessApp:
    runtime: Any
    app: Any
    wall_token: str
    district_token: str
    leader_token: str
    secrets: dict[str, set[str]] = field(default_factory=dict)

    def client(self, role: str | None, address: str = "127.0.0.1"):
        """A test client signed in as `role` (None: nobody). Walls sign in with their token link."""
        client = self.app.server.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        if role == "wall":
            answer = client.get(f"/?kiosk=1&token={self.wall_token}")
            assert answer.status_code == 302 and "token" not in answer.headers["Location"]
        elif role is not None:
            answer = client.post("/login", data={"name": role, "password": PASSWORD, "next": "/"})
            assert answer.status_code == 302, answer.data[:300]
        return client

    def dependency(self, client, output_fragment: str) -> dict[str, Any]:
        deps = client.get("/_dash-dependencies").get_json()
        return next(d for d in deps if output_fragment in d["output"])

    def callback(self, client, output_fragment: str, values: dict[str, Any]):
        """POST a hand-made callback request: `values` maps "id.property" of inputs and states to values."""
        dep = self.dependency(client, output_fragment)

        def items(kind: str) -> list[dict[str, Any]]:
            return [{**d, "value": values.get(f"{d['id']}.{d['property']}")} for d in dep[kind]]

        outputs = [
            {"id": part.split(".")[0].lstrip("."), "property": part.split(".")[1].split("@")[0]}
            for part in dep["output"].strip(".").split("...")
        ]
        body = {
            "output": dep["output"],
            "outputs": outputs if dep["output"].startswith("..") else outputs[0],
            "inputs": items("inputs"),
            "state": items("state"),
            "changedPropIds": [f"{d['id']}.{d['property']}" for d in dep["inputs"]],
        }
        return client.post("/_dash-update-component", json=body)


def build_access_app(tmp: Path) -> AccessApp:
    from app import create_app
    from dashboard.access import tokens, users
    from dashboard.runtime import Runtime
    from dashboard.store.schema import Case
    from data_loader.demo.seed import seed_database

    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp / 'access.db'}", "HOTLINE_AUTH": "on"}
    env.pop("REDIS_URL", None)
    runtime = Runtime.from_environment(env)
    app = create_app(runtime, demo=False, poller=False)
    seed_database(runtime.engine, runtime.rules, days=4, per_day=1200, seed=11,
                  caller_key=runtime.settings.caller_hash_key)  # fmt: skip
    snapshot = runtime.make_poller(standby=False).tick()
    assert {c["district_code"] for c in snapshot["countdowns"]} - {OWN}, "the seed must have other districts' cases"
    for role in ROLES:
        users.add_user(runtime.engine, role, PASSWORD, role, [OWN] if role == "district" else [])
    made = AccessApp(
        runtime, app,
        wall_token=tokens.create_token(runtime.engine, "lobby", "wall"),
        district_token=tokens.create_token(runtime.engine, "chaoyang-api", "district", [OWN]),
        leader_token=tokens.create_token(runtime.engine, "leader-api", "leader"),
    )  # fmt: skip
    with runtime.engine.connect() as conn:
        rows = conn.execute(select(Case.case_id, Case.caller_hash, Case.description, Case.address,
                                   Case.district_code)).all()  # fmt: skip
    made.secrets = {
        "case_ids": {r.case_id for r in rows},
        "other_case_ids": {r.case_id for r in rows if r.district_code != OWN},
        "own_case_ids": {r.case_id for r in rows if r.district_code == OWN},
        "caller_hashes": {r.caller_hash for r in rows if r.caller_hash},
        "descriptions": {r.description for r in rows if r.description},
        "addresses": {r.address for r in rows if r.address},
    }
    return made


def leaks(text: str, secrets: dict[str, set[str]]) -> list[str]:
    """Seeded case ids, caller hashes, descriptions or addresses found in a response body."""
    found = [cid for cid in CASE_ID.findall(text) if cid in secrets["case_ids"]]
    found += [h for h in FULL_HASH.findall(text) if h in secrets["caller_hashes"]]
    found += ["description"] if "市民反映" in text else []
    found += ["address"] if "号楼" in text else []
    return found


def body_text(response) -> str:
    """A response as text; base64 downloads in callback answers are decoded first."""
    text = response.get_data(as_text=True)
    try:
        payload = json.loads(text)
    except ValueError:
        return text
    text = json.dumps(payload, ensure_ascii=False)
    downloads = re.findall(r'"content":\s*"([A-Za-z0-9+/=]{40,})"', text)
    for blob in downloads:
        raw = base64.b64decode(blob)
        if raw[:2] == b"PK":
            with zipfile.ZipFile(io.BytesIO(raw)) as book:
                text += "".join(book.read(n).decode("utf-8", "replace") for n in book.namelist())
        else:
            text += raw.decode("utf-8", "replace")
    return text

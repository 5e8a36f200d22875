"""The audit log: who did what, when, from where (logins, exports, token use, user and token changes)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert, select

from dashboard.store.schema import AuditEntry


def record(engine: Engine, actor: str, action: str, target: str | None = None, address: str | None = None,
           **detail: Any) -> None:  # fmt: skip
    """Append one entry; `detail` is stored as JSON (never a password or a token)."""
    with engine.begin() as conn:
        conn.execute(insert(AuditEntry).values(
            at=datetime.now(UTC), actor=actor[:80], action=action, target=None if target is None else target[:200],
            address=address, detail=json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
        ))  # fmt: skip


def entries(engine: Engine, since: datetime | None = None) -> list[dict[str, Any]]:
    """Entries oldest first, optionally from `since` on."""
    columns = (AuditEntry.at, AuditEntry.actor, AuditEntry.action, AuditEntry.target, AuditEntry.address,
               AuditEntry.detail)  # fmt: skip
    query = select(*columns).order_by(AuditEntry.at, AuditEntry.id)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    with engine.connect() as conn:
        return [{**row._asdict(), "at": row.at.isoformat()} for row in conn.execute(query)]

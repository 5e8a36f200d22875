"""Long random tokens for wall screens and API clients: shown once, stored as SHA-256 only.

A token has 256 bits of randomness, so a fast hash is enough (unlike passwords, it cannot be
guessed); looking it up by its hash is one indexed read.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, Row, insert, select, update

from dashboard.access.roles import TOKEN_ROLES, AccessError, Principal, check_role, principal_fields
from dashboard.store.schema import ApiToken

PREFIX = "h12345_"


@dataclass(frozen=True)
class TokenRecord(Principal):
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _record(row: Row) -> TokenRecord:
    return TokenRecord(*principal_fields(row), row.created_at, row.last_used_at, row.revoked_at)


def create_token(engine: Engine, name: str, role: str, districts: Iterable[str] = ()) -> str:
    """A new token (returned once, never stored in clear) for `role`."""
    name = name.strip()
    if not name or len(name) > 64:
        raise AccessError("a token name has 1 to 64 characters")
    token = PREFIX + secrets.token_urlsafe(32)
    with engine.begin() as conn:
        codes = check_role(role, districts, conn, TOKEN_ROLES)
        if conn.scalar(select(ApiToken.id).where(ApiToken.name == name)) is not None:
            raise AccessError(f"a token named {name!r} exists already")
        conn.execute(insert(ApiToken).values(name=name, token_hash=_digest(token), role=role, districts=codes,
                                             created_at=datetime.now(UTC)))  # fmt: skip
    return token


def list_tokens(engine: Engine) -> list[TokenRecord]:
    with engine.connect() as conn:
        return [_record(r) for r in conn.execute(select(*ApiToken.__table__.c).order_by(ApiToken.name))]


def revoke_token(engine: Engine, name: str) -> None:
    with engine.begin() as conn:
        done = conn.execute(update(ApiToken).where(ApiToken.name == name, ApiToken.revoked_at.is_(None))
                            .values(revoked_at=datetime.now(UTC)))  # fmt: skip
    if not done.rowcount:
        raise AccessError(f"no active token named {name!r}")


def get_token(engine: Engine, token_id: int) -> TokenRecord | None:
    """The token by id if it is not revoked (sessions opened with a token end when it is revoked)."""
    with engine.connect() as conn:
        row = conn.execute(select(*ApiToken.__table__.c).where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None)))
        found = row.one_or_none()
    return None if found is None else _record(found)


def check_token(engine: Engine, token: str) -> TokenRecord | None:
    """The active token matching `token`, with its last use stamped; None when unknown or revoked."""
    if not token.startswith(PREFIX) or len(token) > 128:
        return None
    with engine.begin() as conn:
        found = conn.execute(
            select(*ApiToken.__table__.c).where(ApiToken.token_hash == _digest(token), ApiToken.revoked_at.is_(None))
        ).one_or_none()
        if found is None:
            return None
        conn.execute(update(ApiToken).where(ApiToken.id == found.id).values(last_used_at=datetime.now(UTC)))
    return _record(found)

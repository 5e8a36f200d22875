"""People who log in: names, argon2 password hashes, roles and districts, enable/disable."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, Row, select, update

from dashboard.access.roles import AccessError, Principal, check_role, principal_fields
from dashboard.store.schema import User

MIN_PASSWORD = 10
_hasher = PasswordHasher()
# Verified when the name is unknown, so a failed login takes as long whether or not the user exists.
_DUMMY_HASH = _hasher.hash("no such user: constant-time answer")


@dataclass(frozen=True)
class UserRecord(Principal):
    active: bool


def _record(row: Row) -> UserRecord:
    return UserRecord(*principal_fields(row), bool(row.active))


def add_user(engine: Engine, name: str, password: str, role: str, districts: Iterable[str] = ()) -> UserRecord:
    name = name.strip()
    if not name or len(name) > 64:
        raise AccessError("a user name has 1 to 64 characters")
    if len(password) < MIN_PASSWORD:
        raise AccessError(f"a password needs at least {MIN_PASSWORD} characters")
    now = datetime.now(UTC)
    with engine.begin() as conn:
        codes = check_role(role, districts, conn)
        if conn.scalar(select(User.id).where(User.name == name)) is not None:
            raise AccessError(f"user {name!r} exists already (use set-role or disable)")
        conn.execute(User.__table__.insert().values(
            name=name, password_hash=_hasher.hash(password), role=role, districts=codes, active=True,
            created_at=now, updated_at=now))  # fmt: skip
    return find_user(engine, name)


def find_user(engine: Engine, name: str) -> UserRecord | None:
    with engine.connect() as conn:
        row = conn.execute(select(*User.__table__.c).where(User.name == name)).one_or_none()
    return None if row is None else _record(row)


def get_user(engine: Engine, user_id: int) -> UserRecord | None:
    with engine.connect() as conn:
        row = conn.execute(select(*User.__table__.c).where(User.id == user_id)).one_or_none()
    return None if row is None else _record(row)


def list_users(engine: Engine) -> list[UserRecord]:
    with engine.connect() as conn:
        return [_record(row) for row in conn.execute(select(*User.__table__.c).order_by(User.name))]


def _change(engine: Engine, name: str, **values) -> UserRecord:
    with engine.begin() as conn:
        done = conn.execute(update(User).where(User.name == name).values(updated_at=datetime.now(UTC), **values))
        if not done.rowcount:
            raise AccessError(f"no user named {name!r}")
    return find_user(engine, name)


def disable_user(engine: Engine, name: str) -> UserRecord:
    """The user can no longer log in, and open sessions end at their next request."""
    return _change(engine, name, active=False)


def set_role(engine: Engine, name: str, role: str, districts: Iterable[str] = ()) -> UserRecord:
    with engine.connect() as conn:
        codes = check_role(role, districts, conn)
    return _change(engine, name, role=role, districts=codes)


def authenticate(engine: Engine, name: str, password: str) -> UserRecord | None:
    """The active user whose password matches, else None (unknown, disabled and wrong look the same)."""
    with engine.connect() as conn:
        row = conn.execute(select(*User.__table__.c).where(User.name == name)).one_or_none()
    try:
        _hasher.verify(row.password_hash if row is not None else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or not row.active:
        return None
    if _hasher.check_needs_rehash(row.password_hash):
        with engine.begin() as conn:
            conn.execute(update(User).where(User.id == row.id).values(password_hash=_hasher.hash(password)))
    return _record(row)

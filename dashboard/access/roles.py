"""The four roles of the access policy (issue 12) and the scope each one gets."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, Row, select

from dashboard.scope import Scope
from dashboard.store.schema import District
from geo.reference import districts


@dataclass(frozen=True)
class Principal:
    """Whoever holds a role and a district scope: a person who logs in or a screen's token."""

    id: int
    name: str
    role: str
    districts: tuple[str, ...]


def principal_fields(row: Row) -> tuple[int, str, str, tuple[str, ...]]:
    """The `Principal` fields of a `users` or `api_tokens` row (districts stored as a JSON list)."""
    return row.id, row.name, row.role, tuple(row.districts or ())


ROLES = ("admin", "leader", "district", "wall")
TOKEN_ROLES = ("wall", "district", "leader")


class AccessError(ValueError):
    """A user, token or role request that cannot be honoured (reported to the operator as is)."""


def check_role(role: str, districts: Iterable[str], conn: Connection, allowed: tuple[str, ...] = ROLES) -> list[str]:
    """The role's district codes, validated: a district role needs at least one known district, others none."""
    if role not in allowed:
        raise AccessError(f"role must be one of {', '.join(allowed)}, got {role!r}")
    codes = sorted(set(districts))
    if role != "district":
        if codes:
            raise AccessError(f"--district applies to the district role only, not to {role}")
        return []
    if not codes:
        raise AccessError("the district role needs at least one --district CODE")
    known = set(conn.scalars(select(District.code))) or _shipped_districts()
    bad = [c for c in codes if c not in known]
    if bad:
        raise AccessError(f"unknown district code(s): {', '.join(bad)} (six digits, e.g. 110105)")
    return codes


def _shipped_districts() -> set[str]:
    """The district list shipped with the app, for a database the app has not started on yet."""
    return set(districts()["code"])


def scope_for(role: str, districts: Iterable[str]) -> Scope:
    """Admin and leader see everything; a district manager their districts' cases; a wall aggregates only."""
    if role in ("admin", "leader"):
        return Scope.all()
    if role == "district":
        return Scope.for_districts(districts)
    return Scope.wall()

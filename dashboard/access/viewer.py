"""The logged-in viewer (a user or a token) as Flask-Login sees it, and the scope it carries."""

from __future__ import annotations

from dataclasses import dataclass

from flask_login import UserMixin

from dashboard.access.roles import scope_for
from dashboard.scope import Scope


@dataclass(frozen=True, eq=False)
class Viewer(UserMixin):
    kind: str  # "user" or "token"
    ident: int
    name: str
    role: str
    districts: tuple[str, ...] = ()

    def get_id(self) -> str:
        return f"{self.kind}:{self.ident}"

    @property
    def label(self) -> str:
        """How the audit log names this viewer."""
        return self.name if self.kind == "user" else f"token:{self.name}"

    @property
    def scope(self) -> Scope:
        return scope_for(self.role, self.districts)

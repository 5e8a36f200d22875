"""Load the Beijing reference data (districts, townships, aliases) from geo/ into the database.

Run on every start: rows are upserted, so a second run changes nothing and a rebuilt data file
(or a real boundary file that makes some townships exact) updates the stored rows in place.
Townships are never deleted, because historic cases may still point at a dissolved one; aliases
are derived data with nothing pointing at them, so stale ones are removed.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Engine, Table, delete, tuple_
from sqlalchemy.dialects import postgresql, sqlite

from dashboard.store.schema import District, Township, TownshipAlias
from geo import reference


def load_reference(engine: Engine, exact_codes: Collection[str] = ()) -> None:
    """Upsert districts, townships and aliases; `exact_codes` are townships with a real boundary."""
    exact = set(exact_codes)
    districts = [
        {"code": r.code, "name": r.name, "name_en": r.name_en, "lon": float(r.lon), "lat": float(r.lat)}
        for r in reference.districts().itertuples()
    ]
    townships = [
        {
            "code": r.code,
            "name": r.name,
            "district_code": r.district_code,
            "kind": r.kind,
            "lon": float(r.lon),
            "lat": float(r.lat),
            "approximate": bool(r.approximate) and r.code not in exact,
        }
        for r in reference.townships().itertuples()
    ]
    aliases = [
        {"alias": r.alias, "district_code": r.district_code, "township_code": r.township_code}
        for r in reference.township_aliases().itertuples()
    ]
    with engine.begin() as conn:
        _upsert(conn, District.__table__, districts, ["code"])
        _upsert(conn, Township.__table__, townships, ["code"])
        table = TownshipAlias.__table__
        keep = [(a["alias"], a["district_code"]) for a in aliases]
        conn.execute(delete(table).where(tuple_(table.c.alias, table.c.district_code).not_in(keep)))
        _upsert(conn, table, aliases, ["alias", "district_code"])


def _upsert(conn: Any, table: Table, rows: Sequence[dict], keys: list[str]) -> None:
    """INSERT ... ON CONFLICT (keys) DO UPDATE, on SQLite and PostgreSQL alike."""
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table)
    changed = {c: stmt.excluded[c] for c in rows[0] if c not in keys}
    conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=changed), list(rows))

"""Loading the reference data into SQLite and PostgreSQL: complete, idempotent, and updating."""

from __future__ import annotations

from sqlalchemy import func, select, update

from dashboard.store.schema import District, Township, TownshipAlias
from data_loader.reference_tables import load_reference
from geo import reference


def counts(engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(conn.scalar(select(func.count()).select_from(t)) for t in (District, Township, TownshipAlias))


def test_load_is_complete_and_idempotent(any_engine):
    expected = (16, 343, len(reference.township_aliases()))
    load_reference(any_engine)
    assert counts(any_engine) == expected
    load_reference(any_engine)
    assert counts(any_engine) == expected
    with any_engine.connect() as conn:
        row = conn.execute(select(Township).where(Township.code == "110101001")).one()
        district = conn.execute(select(District.name, District.name_en).where(District.code == "110101")).one()
    assert (row.name, row.district_code, row.kind, row.approximate) == ("东华门街道", "110101", "街道", True)
    assert tuple(district) == ("东城区", "Dongcheng")


def test_reload_repairs_changed_rows_and_drops_stale_aliases(any_engine):
    load_reference(any_engine)
    with any_engine.begin() as conn:
        conn.execute(update(Township).where(Township.code == "110101001").values(name="旧名", lon=0.0))
        conn.execute(
            TownshipAlias.__table__.insert().values(alias="旧别名", district_code="110101", township_code="110101001")
        )
    load_reference(any_engine)
    with any_engine.connect() as conn:
        name, lon = conn.execute(select(Township.name, Township.lon).where(Township.code == "110101001")).one()
        stale = conn.scalar(select(func.count()).select_from(TownshipAlias).where(TownshipAlias.alias == "旧别名"))
    assert name == "东华门街道" and abs(lon - 116.39873) < 1e-6
    assert stale == 0


def test_real_boundaries_clear_the_approximate_flag(any_engine):
    load_reference(any_engine)
    load_reference(any_engine, exact_codes={"110101001", "110101002"})
    with any_engine.connect() as conn:
        exact = conn.scalars(select(Township.code).where(Township.approximate.is_(False)).order_by(Township.code)).all()
    assert exact == ["110101001", "110101002"]
    load_reference(any_engine)  # boundary file removed again
    with any_engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Township).where(Township.approximate.is_(False))) == 0

"""Schema and migrations on SQLite and the real PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select

from dashboard.store.db import current_revision, migrate
from dashboard.store.schema import Base, District, KeyValue


def test_migrated_schema_matches_the_models(any_engine):
    with any_engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    assert current_revision(any_engine) is not None


def test_every_table_and_screen_index_exists(any_engine):
    insp = inspect(any_engine)
    tables = set(insp.get_table_names())
    assert {"districts", "townships", "township_aliases", "cases", "import_batches", "rejected_rows",
            "rollup_daily", "kv_state"} <= tables  # fmt: skip
    case_indexes = {ix["name"] for ix in insp.get_indexes("cases")}
    assert {"ix_cases_updated_at", "ix_cases_status_due", "ix_cases_township_callback"} <= case_indexes


def test_migrating_again_keeps_existing_rows(any_engine):
    from sqlalchemy.orm import Session

    with Session(any_engine) as session:
        session.add(District(code="110101", name="东城区", name_en="Dongcheng", lon=116.4, lat=39.9))
        session.commit()
    migrate(any_engine)
    with Session(any_engine) as session:
        assert session.scalar(select(District.name).where(District.code == "110101")) == "东城区"


def test_times_round_trip_as_aware_utc(any_engine):
    """SQLite has no time zones: UTCDateTime must hand back the same instant on both engines."""
    from sqlalchemy.orm import Session

    local = datetime(2026, 10, 3, 14, 5, tzinfo=timezone(timedelta(hours=8)))
    with Session(any_engine) as session:
        session.add(KeyValue(key="k", value="v", updated_at=local))
        session.commit()
        stored = session.scalar(select(KeyValue.updated_at))
    assert stored == local
    assert stored.utcoffset() == timedelta(0)
    assert stored.hour == 6

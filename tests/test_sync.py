"""Sync from an existing case database: PostgreSQL -> SQLite and SQLite -> PostgreSQL, crash and resume."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select, text

from dashboard.assessment.rules import load_rules
from dashboard.settings import load_settings
from dashboard.store.db import make_engine
from dashboard.store.schema import Case, ImportBatch, RejectedRow
from data_loader import sync
from data_loader.reference_tables import load_reference
from tests.commands import run_data_loader

SETTINGS = load_settings({})
RULES = load_rules(SETTINGS.rules_path)
T0 = datetime(2026, 10, 3, 9, 0)

MAPPING = """
name = "legacy"

[source]
table = "work_orders"
updated = "modified"
key = "order_no"

[columns]
case_id = "order_no"
received_at = "created"
category = "kind_name"
urgency = "CASE WHEN kind = 'E' THEN 'emergency' ELSE 'general' END"
district = "area_name"
township = "street"
caller = "phone"
resolved_at = "finished"
"""


def _stamp(engine: Engine, value: datetime) -> object:
    """Store times the way each source engine would: text in SQLite, timestamp in PostgreSQL."""
    return value.strftime("%Y-%m-%d %H:%M:%S") if engine.dialect.name == "sqlite" else value


def make_source(engine: Engine, rows: int = 25) -> None:
    """A legacy table where rows 8..13 share one update time, straddling the page boundary at 10."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE work_orders (order_no VARCHAR(20) PRIMARY KEY, created TIMESTAMP, kind VARCHAR(2), "
                "kind_name VARCHAR(20), area_name VARCHAR(20), street VARCHAR(20), phone VARCHAR(20), "
                "finished TIMESTAMP, modified TIMESTAMP)"
            )
        )
        for i in range(1, rows + 1):
            modified = T0 + timedelta(minutes=8 if 8 <= i <= 13 else i)
            conn.execute(
                text("INSERT INTO work_orders VALUES (:o, :c, :k, :kn, :a, :s, :p, NULL, :m)"),
                {
                    "o": f"W{i:03d}",
                    "c": _stamp(engine, T0),
                    "k": "E" if i % 5 == 0 else "G",
                    "kn": "供暖",
                    "a": "朝阳区",
                    "s": "某某街道" if i == 17 else "建外街道",
                    "p": f"1380013{i:04d}",
                    "m": _stamp(engine, modified),
                },
            )


@pytest.fixture(params=["pg_to_sqlite", "sqlite_to_pg"])
def endpoints(request, tmp_path) -> tuple[Engine, Engine, str]:
    """(source, target, source URL); the target has the dashboard schema and reference data."""
    if request.param == "pg_to_sqlite":
        source, source_url = request.getfixturevalue("pg_engine"), request.getfixturevalue("pg_url")
        target = request.getfixturevalue("sqlite_engine")
    else:
        source_url = f"sqlite:///{tmp_path / 'legacy.db'}"
        source = make_engine(source_url)
        target = request.getfixturevalue("pg_engine")
    load_reference(target)
    make_source(source)
    return source, target, source_url


@pytest.fixture
def mapping(tmp_path) -> sync.Mapping:
    path = tmp_path / "legacy.toml"
    path.write_text(MAPPING, encoding="utf-8")
    return sync.load_mapping(path)


def counts(engine: Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        cases = conn.execute(select(func.count()).select_from(Case)).scalar()
        rejected = conn.execute(select(func.count()).select_from(RejectedRow)).scalar()
    return cases, rejected


def test_crash_after_first_batch_then_resume(endpoints, mapping, monkeypatch):
    source, target, _url = endpoints
    real_import = sync.import_raw
    calls = []

    def crash_on_second_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("simulated crash")
        return real_import(*args, **kwargs)

    monkeypatch.setattr(sync, "import_raw", crash_on_second_batch)
    with pytest.raises(RuntimeError, match="simulated crash"):
        sync.sync_once(source, target, mapping, SETTINGS, RULES, batch_size=10)
    assert counts(target) == (10, 0)
    with target.connect() as conn:
        assert sync.read_watermark(conn, mapping)[1] == "W010"  # inside the run of equal timestamps

    monkeypatch.setattr(sync, "import_raw", real_import)
    batches = sync.sync_once(source, target, mapping, SETTINGS, RULES, batch_size=10)
    assert [b.rows for b in batches] == [10, 5]
    assert sum(b.accepted for b in batches) == 14 and sum(b.rejected for b in batches) == 1
    assert sum(b.updated + b.unchanged for b in batches) == 0  # nothing read twice
    assert counts(target) == (24, 1)
    with target.connect() as conn:
        ids = set(conn.execute(select(Case.case_id)).scalars())
        reason = conn.execute(select(RejectedRow.reason)).scalar()
    assert ids == {f"W{i:03d}" for i in range(1, 26)} - {"W017"}
    assert reason == "unknown township '某某街道' in district 110105"
    assert sync.sync_once(source, target, mapping, SETTINGS, RULES, batch_size=10) == []


def test_changes_in_the_source_are_picked_up(endpoints, mapping):
    source, target, _url = endpoints
    sync.sync_once(source, target, mapping, SETTINGS, RULES, batch_size=7)
    later = T0 + timedelta(hours=2)
    with source.begin() as conn:
        conn.execute(
            text("UPDATE work_orders SET finished = :f, modified = :m WHERE order_no IN ('W002', 'W017')"),
            {"f": _stamp(source, later), "m": _stamp(source, later)},
        )
        conn.execute(text("UPDATE work_orders SET street = '朝外街道' WHERE order_no = 'W017'"))
        conn.execute(text("UPDATE work_orders SET modified = :m WHERE order_no = 'W003'"), {"m": _stamp(source, later)})
    batches = sync.sync_once(source, target, mapping, SETTINGS, RULES, clock=lambda: datetime(2026, 10, 4, tzinfo=UTC))
    assert [(b.accepted, b.updated, b.unchanged, b.rejected) for b in batches] == [(1, 1, 1, 0)]
    with target.connect() as conn:
        w002 = conn.execute(select(Case.status, Case.updated_at).where(Case.case_id == "W002")).one()
        w003 = conn.execute(select(Case.status, Case.updated_at).where(Case.case_id == "W003")).one()
        sources = set(conn.execute(select(ImportBatch.source)).scalars())
    assert w002.status == "resolved" and w002.updated_at == datetime(2026, 10, 4, tzinfo=UTC)
    assert w003.updated_at != datetime(2026, 10, 4, tzinfo=UTC)  # touched in the source, identical here
    assert sources == {"sync:legacy"}


def test_mapping_errors_are_named(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[source]\ntable = "t"\nupdated = "m"\n[columns]\ncase_id = "id"\nwhen = "x"\n')
    with pytest.raises(sync.SyncError, match=r"unknown contract column `columns\.when`"):
        sync.load_mapping(path)
    path.write_text('[source]\ntable = "t"\n[columns]\ncase_id = "id"\n')
    with pytest.raises(sync.SyncError, match="needs `updated`"):
        sync.load_mapping(path)


def test_cli_once(endpoints, mapping, tmp_path):
    _source, target, source_url = endpoints
    path = tmp_path / "legacy.toml"
    args = ["sync", "--source", source_url, "--mapping", str(path), "--once", "--batch-size", "20"]
    done = run_data_loader(args, target.url.render_as_string(hide_password=False))
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(b["rows"], b["accepted"], b["rejected"]) for b in lines] == [(20, 19, 1), (5, 5, 0)]
    assert counts(target) == (24, 1)

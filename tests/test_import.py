"""File import: every rejection reason on its row, counts that add up, idempotence, encodings, formats."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook
from sqlalchemy import Engine, func, inspect, select, text

from dashboard.assessment.rules import load_rules
from dashboard.privacy import hash_caller
from dashboard.settings import load_settings
from dashboard.store.schema import Case, ImportBatch, RejectedRow
from data_loader.files import upsert
from data_loader.files.importer import import_file
from data_loader.files.parsing import ImportFileError, map_headers
from data_loader.files.readers import read_table
from data_loader.reference_tables import load_reference
from geo.coords import to_wgs84
from tests.commands import run_data_loader

DATA = Path(__file__).parent / "data" / "import"
SETTINGS = load_settings({})
RULES = load_rules(SETTINGS.rules_path)
NOW = datetime(2026, 10, 10, 12, 0, tzinfo=UTC)

# (row number, reason) for every rejected row of messy.csv; header is row 1.
MESSY_REJECTIONS = {
    6: "duplicate case_id within file (first at row 2)",
    7: "missing case_id",
    8: "unparseable date in column 受理时间 (received_at): '2026-13-45'",
    9: "missing received_at",
    10: "missing category",
    11: "unknown urgency in column 紧急程度 (urgency): '特急'",
    12: "unknown satisfaction in column 满意度 (satisfaction): '还行'",
    13: "unknown yes/no in column 是否联系 (contacted): '也许'",
    14: "callback_at before resolved_at",
    15: "callback result without callback_at",
    16: "unparseable number in column 纬度 (lat): 'abc'; lon given without lat",
    17: "lat given without lon",
    18: "unknown district '火星区'",
    19: "unknown township '某某街道' in district 110105",
    20: "township 110105001 is not in district 110108",
    21: "ambiguous township '八里庄街道': give the district",
    22: "point outside Beijing",
    23: "point outside Beijing",
    24: "point lies in district 110105, not in the given district 110108",
    25: "missing township (give township or lat/lon)",
    26: "category too long (38 characters, max 32)",
    27: "dispatched_at before received_at",
    28: "row has 19 fields, header has 18",
}
MESSY_ACCEPTED = {"M001", "M002", "M003", "M004", "M028"}


@pytest.fixture
def engine(any_engine: Engine) -> Engine:
    load_reference(any_engine)
    return any_engine


def run_import(engine: Engine, path: Path, **kwargs) -> dict:
    summary = import_file(engine, path, SETTINGS, RULES, now=kwargs.pop("now", NOW), **kwargs).as_dict()
    assert summary["rows"] == sum(summary[k] for k in ("accepted", "updated", "unchanged", "rejected"))
    return summary


def rejections(engine: Engine, batch: int) -> dict[int, str]:
    with engine.connect() as conn:
        rows = conn.execute(select(RejectedRow.row_number, RejectedRow.reason).where(RejectedRow.batch_id == batch))
        return dict(rows.all())


def stored(engine: Engine) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(select(Case).order_by(Case.case_id)).mappings().all()).set_index("case_id")


def test_every_rejection_reason_is_on_its_row(engine):
    summary = run_import(engine, DATA / "messy.csv")
    assert summary == {
        "batch": summary["batch"],
        "rows": 28,
        "accepted": 5,
        "updated": 0,
        "unchanged": 0,
        "rejected": 23,
    }
    found = rejections(engine, summary["batch"])
    assert found == MESSY_REJECTIONS
    assert set(stored(engine).index) == MESSY_ACCEPTED


def test_values_are_parsed_and_derived(engine):
    run_import(engine, DATA / "messy.csv")
    cases = stored(engine)
    shanghai = "Asia/Shanghai"
    assert cases.at["M001", "received_at"] == pd.Timestamp("2026-10-03 14:05", tz=shanghai)
    assert cases.at["M002", "received_at"] == pd.Timestamp("2026-10-03 14:05", tz=shanghai)
    assert cases.at["M003", "received_at"] == pd.Timestamp("2026-10-03 12:00", tz=shanghai)  # Excel 46298.5
    assert cases.at["M028", "received_at"] == pd.Timestamp("2026-10-03 01:00", tz="UTC")
    assert cases.at["M001", "callback_at"] == pd.Timestamp("2026-10-05 09:30", tz=shanghai)
    assert cases.at["M003", "township_code"] == "110101001"  # statistics-bureau alias 东华门地区
    assert (cases.at["M004", "district_code"], cases.at["M004", "township_code"]) == ("110105", "110105001")
    assert cases.at["M028", "district_code"] == "110105"  # English district name
    assert cases.at["M001", "urgency"] == "utilities" and cases.at["M004", "urgency"] == "complex"
    assert cases.at["M003", "satisfaction"] == "basically" and not cases.at["M003", "solved"]
    assert cases.at["M028", "satisfaction"] == "dissatisfied" and cases.at["M028", "contacted"] is False
    assert cases.at["M001", "status"] == "closed" and cases.at["M002", "status"] == "open"
    assert cases.at["M001", "resolve_due_at"] == pd.Timestamp("2026-10-04 14:10", tz=shanghai)  # utilities: 24 h
    assert cases.at["M002", "dispatched_at"] == cases.at["M002", "received_at"]


def test_caller_numbers_are_hashed_never_stored(engine):
    summary = run_import(engine, DATA / "messy.csv")
    cases = stored(engine)
    assert cases.at["M001", "caller_hash"] == hash_caller("13800138000", SETTINGS.caller_hash_key)
    with engine.connect() as conn:
        raws = [json.dumps(r, ensure_ascii=False) for r in conn.execute(select(RejectedRow.raw)).scalars()]
    dump = " ".join(raws) + " ".join(map(str, cases.to_numpy().ravel()))
    assert "13800138000" not in dump and "138-0013-8000" not in dump and "13900139000" not in dump
    assert summary["rejected"] == len(raws)


def test_reimport_is_a_noop(engine):
    first = run_import(engine, DATA / "messy.csv")
    before = stored(engine)
    second = run_import(engine, DATA / "messy.csv", now=datetime(2026, 10, 11, tzinfo=UTC))
    assert (second["accepted"], second["updated"], second["unchanged"], second["rejected"]) == (0, 0, 5, 23)
    assert rejections(engine, second["batch"]) == rejections(engine, first["batch"])
    pd.testing.assert_frame_equal(stored(engine), before)


def test_gbk_and_bom_twins_import_the_same(engine, tmp_path):
    utf8 = run_import(engine, DATA / "messy.csv")
    gbk = run_import(engine, DATA / "messy_gbk.csv")
    bom = tmp_path / "messy_bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + (DATA / "messy.csv").read_bytes())
    with_bom = run_import(engine, bom)
    for twin in (gbk, with_bom):
        assert (twin["unchanged"], twin["rejected"]) == (utf8["accepted"], utf8["rejected"])
        assert rejections(engine, twin["batch"]) == rejections(engine, utf8["batch"])


def test_changed_row_is_updated_with_new_updated_at(engine, tmp_path):
    first = run_import(engine, DATA / "canonical_gcj02.csv", coords="gcj02")
    assert (first["accepted"], first["rejected"]) == (4, 0)
    before = stored(engine)
    changed = tmp_path / "changed.csv"
    changed.write_text(
        (DATA / "canonical_gcj02.csv").read_text(encoding="utf-8").replace("private parking lock", "parking lock gone")
    )
    later = datetime(2026, 10, 12, tzinfo=UTC)
    second = run_import(engine, changed, coords="gcj02", now=later)
    assert (second["accepted"], second["updated"], second["unchanged"]) == (0, 1, 3)
    after = stored(engine)
    assert after.at["C002", "description"] == "parking lock gone"
    assert after.at["C002", "updated_at"] == pd.Timestamp(later) and after.at["C002", "batch_id"] == second["batch"]
    unchanged = ["C001", "C003", "C004"]
    pd.testing.assert_frame_equal(after.loc[unchanged], before.loc[unchanged])


def test_coordinates_are_converted_to_wgs84(engine):
    run_import(engine, DATA / "canonical_gcj02.csv", coords="gcj02")
    cases = stored(engine)
    lon, lat = to_wgs84(np.array([116.456603, 116.442263]), np.array([39.907825, 39.921540]), "gcj02")
    np.testing.assert_allclose(cases.loc[["C001", "C002"], "lon"], lon, rtol=0, atol=1e-12)
    np.testing.assert_allclose(cases.loc[["C001", "C002"], "lat"], lat, rtol=0, atol=1e-12)
    assert cases.at["C002", "township_code"].startswith("110105")  # assigned from the point
    assert cases.at["C003", "district_code"] == "110108" and cases.at["C003", "resolve_due_at"] == pd.Timestamp(
        "2026-10-20 18:00", tz="Asia/Shanghai"
    )  # extension replaces the deadline
    assert cases.at["C001", "description"] == 'radiator cold, "again"'


def test_json_records(engine):
    summary = run_import(engine, DATA / "cases.json")
    assert (summary["rows"], summary["accepted"], summary["rejected"]) == (4, 2, 2)
    found = rejections(engine, summary["batch"])
    assert found[3] == "unparseable date in column received_at: 'not a date'"
    assert found[4] == "record is not a JSON object"
    cases = stored(engine)
    assert cases.at["J001", "contacted"] and cases.at["J001", "satisfaction"] == "satisfied"
    assert cases.at["12345", "township_code"] == "110105001"


def test_open311_request_list(engine):
    summary = run_import(engine, DATA / "open311_requests.json")
    assert (summary["rows"], summary["accepted"], summary["rejected"]) == (3, 2, 1)
    assert rejections(engine, summary["batch"]) == {3: "point outside Beijing"}
    cases = stored(engine)
    assert cases.at["OR-1001", "township_code"] == "110105001"  # agency_responsible
    assert cases.at["OR-1001", "category"] == "供暖" and cases.at["OR-1001", "status"] == "resolved"
    assert cases.at["OR-1001", "resolved_at"] == pd.Timestamp("2026-10-04 02:00", tz="UTC")
    assert cases.at["OR-1002", "district_code"] == "110108" and cases.at["OR-1002", "channel"] == "open311"
    with engine.connect() as conn:
        assert conn.execute(select(ImportBatch.format).where(ImportBatch.id == summary["batch"])).scalar() == "open311"


def test_xlsx_with_date_cells_matches_csv(engine, tmp_path):
    frame = pd.read_csv(DATA / "canonical_gcj02.csv", dtype=str, keep_default_na=False)
    book = Workbook()
    sheet = book.active
    sheet.append(list(frame.columns))
    for record in frame.to_dict("records"):
        record["received_at"] = pd.Timestamp(record["received_at"].replace("/", "-")).tz_localize(None).to_pydatetime()
        record["lat"] = float(record["lat"]) if record["lat"] else None
        sheet.append([record[c] if record[c] != "" else None for c in frame.columns])
    path = tmp_path / "cases.xlsx"
    book.save(path)
    first = run_import(engine, DATA / "canonical_gcj02.csv", coords="gcj02")
    second = run_import(engine, path, coords="gcj02")
    assert first["accepted"] == 4
    # C002 carries +08:00 in the CSV; the XLSX holds the same local wall time as a naive date cell.
    assert (second["unchanged"], second["rejected"]) == (4, 0), second


def test_a_failing_batch_leaves_nothing(engine, monkeypatch):
    def explode(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(upsert, "upsert_cases", explode)
    with pytest.raises(RuntimeError):
        run_import(engine, DATA / "messy.csv")
    with engine.connect() as conn:
        counts = [conn.execute(select(func.count()).select_from(t)).scalar() for t in (Case, ImportBatch, RejectedRow)]
    assert counts == [0, 0, 0]


def _indexes_and_keys(engine: Engine) -> set[str]:
    inspector = inspect(engine)
    return {ix["name"] for ix in inspector.get_indexes("cases")} | {
        f"fk:{fk['referred_table']}" for fk in inspector.get_foreign_keys("cases")
    }


def test_first_import_that_fails_keeps_indexes_and_foreign_keys(engine, monkeypatch):
    """A first import copies straight into the empty table with indexes (PostgreSQL: and foreign
    keys) dropped; a failure half-way must roll all of that back."""
    before = _indexes_and_keys(engine)
    assert {"ix_cases_received_at", "fk:townships"} <= before

    def half_then_fail(conn, table, frame):
        real_copy_frame(conn, table, frame.iloc[:2])
        raise RuntimeError("connection lost")

    real_copy_frame = upsert.copy_frame
    monkeypatch.setattr(upsert, "copy_frame", half_then_fail)
    with pytest.raises(RuntimeError):
        run_import(engine, DATA / "messy.csv")
    assert _indexes_and_keys(engine) == before
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Case)).scalar() == 0
    monkeypatch.undo()
    run_import(engine, DATA / "messy.csv")
    assert _indexes_and_keys(engine) == before


def test_new_changed_and_unchanged_rows_into_a_filled_table(engine, tmp_path):
    """After the first import, batches are staged: new rows inserted, changed rows updated, the rest untouched."""
    run_import(engine, DATA / "messy.csv")
    mixed = tmp_path / "mixed.csv"
    mixed.write_text(
        (DATA / "canonical_gcj02.csv").read_text(encoding="utf-8").replace("private parking lock", "lock removed")
    )
    assert run_import(engine, DATA / "canonical_gcj02.csv", coords="gcj02")["accepted"] == 4
    before = stored(engine)
    later = datetime(2026, 10, 12, tzinfo=UTC)
    summary = run_import(engine, mixed, coords="gcj02", now=later)
    assert (summary["accepted"], summary["updated"], summary["unchanged"]) == (0, 1, 3)
    after = stored(engine)
    assert after.at["C002", "updated_at"] == pd.Timestamp(later)
    untouched = after.index.difference(["C002"])
    pd.testing.assert_frame_equal(after.loc[untouched], before.loc[untouched])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"", "the file is empty"),
        (b"a,b\n\x00\x01\x02binary\n", "binary"),
        (b"name,when\nx,y\n", "no case_id column"),
        (b'[{"case_id": 1', "not valid JSON"),
        (b"\x81\x30\xff\xff\xfe", "unknown text encoding"),
    ],
)
def test_unreadable_file_is_one_clear_error(tmp_path, content, message):
    path = tmp_path / ("bad.json" if content and content.startswith(b"[") else "bad.csv")
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ImportFileError, match=message):
        map_headers(read_table(path).frame.columns)


def test_cli_contract_and_rejected_listing(sqlite_url, tmp_path):
    done = run_data_loader(["import", str(DATA / "messy_gbk.csv")], sqlite_url)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary == {"batch": 1, "rows": 28, "accepted": 5, "updated": 0, "unchanged": 0, "rejected": 23}
    out = tmp_path / "rejected.csv"
    done = run_data_loader(["rejected", "--batch", "1", "--format", "csv", "--out", str(out)], sqlite_url)
    assert done.returncode == 0, done.stderr
    listed = pd.read_csv(out, dtype=str, encoding="utf-8-sig")
    assert list(listed.columns[:5]) == ["batch", "row", "column", "reason", "工单编号"]
    assert "来电号码" not in listed.columns
    assert listed.set_index("row").at["19", "reason"] == "unknown township '某某街道' in district 110105"
    as_json = json.loads(run_data_loader(["rejected", "--format", "json"], sqlite_url).stdout)
    assert len(as_json) == 23 and as_json[0]["raw"]["工单编号"] == "M001"
    # Rejected rows exported to CSV import again: the extra columns are ignored.
    again = run_data_loader(["import", str(out)], sqlite_url)
    assert again.returncode == 0 and json.loads(again.stdout.strip().splitlines()[-1])["rows"] == 23


@pytest.mark.parametrize("name", ["missing.csv", "not_a_table.bin"])
def test_cli_unreadable_file_exits_nonzero_without_traceback(sqlite_url, tmp_path, name):
    path = tmp_path / name
    if name.endswith(".bin"):
        path.write_bytes(bytes(range(256)) * 4)
    done = run_data_loader(["import", str(path)], sqlite_url)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert done.stdout == ""


def test_sql_stays_portable(engine):
    """The staging upsert SQL is shared by both engines; make sure no stage table is left behind."""
    run_import(engine, DATA / "messy.csv")
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            left = conn.execute(text("SELECT count(*) FROM sqlite_temp_master WHERE name = 'import_stage'")).scalar()
        else:
            left = conn.execute(text("SELECT count(*) FROM pg_tables WHERE tablename = 'import_stage'")).scalar()
    assert left == 0


def test_gbk_twin_is_really_gbk():
    with pytest.raises(UnicodeDecodeError):
        (DATA / "messy_gbk.csv").read_bytes().decode("utf-8")
    assert (DATA / "messy_gbk.csv").read_bytes().decode("gbk") == (DATA / "messy.csv").read_text(encoding="utf-8")

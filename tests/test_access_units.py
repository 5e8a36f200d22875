"""Access control in small pieces, with answers worked out by hand: the scoped snapshot, start modes,
users and tokens at rest, personal data in rejected rows, formula-safe exports, Open311 limits."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from dashboard.access import tokens, users
from dashboard.access.cells import escape_formula
from dashboard.access.filtering import may_open_unit, scoped_snapshot
from dashboard.access.modes import StartRefused, login_required
from dashboard.access.roles import AccessError, scope_for
from dashboard.api import open311
from dashboard.assessment import export
from dashboard.assessment.rules import load_rules
from dashboard.privacy import scrub_personal
from dashboard.scope import Scope
from dashboard.settings import SettingsError, load_settings
from dashboard.store.schema import ApiToken, RejectedRow, User
from data_loader.files.importer import import_file
from data_loader.files.rejected import rejected_rows, render
from data_loader.reference_tables import load_reference

HASH_A = "ab12cd" + "0" * 58
HASH_B = "ef34ab" + "1" * 58


def tiny_snapshot() -> dict:
    """Two districts: 110105 (朝阳) has cases A and C, 110101 (东城) has case B."""

    def row(case_id: str, district: str) -> dict:
        return {"case_id": case_id, "district_code": district, "township_code": district + "001",
                "township_name": "街道", "district_name": "区", "category": "住房", "subcategory": "屋顶漏雨",
                "urgency": "general", "dispatched_at": "2026-12-01T00:00:00+00:00",
                "due_at": "2026-12-02T00:00:00+00:00",
                "due_kind": "respond", "state": "ok", "respond_due_at": "x", "resolve_due_at": "y"}  # fmt: skip

    return {
        "version": 3, "generated_at": "2026-12-01T00:00:00+00:00", "kpis": {"open": 3},
        "countdowns": [row("A", "110105"), row("B", "110101"), row("C", "110105")],
        "repeat_callers": [{"district_code": "110105", "township_code": "110105001", "caller_hash": HASH_A,
                            "case_ids": ["A"], "orders": 3},
                           {"district_code": "110101", "township_code": "110101001", "caller_hash": HASH_B,
                            "case_ids": ["B"], "orders": 4}],
        "hotspots": [{"kind": "cluster", "district_code": "110105", "count": 5, "case_ids": ["A", "C"]},
                     {"kind": "cluster", "district_code": "110101", "count": 6, "case_ids": ["B"]}],
    }  # fmt: skip


def test_district_scope_keeps_own_cases_and_all_aggregates():
    snap = scoped_snapshot(tiny_snapshot(), Scope.for_districts(["110105"]))
    assert [c["case_id"] for c in snap["countdowns"]] == ["A", "C"]  # B is 东城's
    assert snap["repeat_callers"] == [{"district_code": "110105", "township_code": "110105001", "case_ids": ["A"],
                                       "orders": 3, "caller_tag": "AB12CD"}]  # fmt: skip
    assert snap["hotspots"][0]["case_ids"] == ["A", "C"] and "case_ids" not in snap["hotspots"][1]
    assert snap["hotspots"][1]["count"] == 6 and snap["kpis"] == {"open": 3}  # aggregates stay city-wide
    assert snap["viewer"] == "cases:110105"


def test_wall_scope_has_place_category_urgency_deadline_only():
    snap = scoped_snapshot(tiny_snapshot(), Scope.wall())
    assert len(snap["countdowns"]) == 3 and all("case_id" not in c for c in snap["countdowns"])
    assert snap["repeat_callers"] == [] and all("case_ids" not in h for h in snap["hotspots"])
    assert HASH_A not in json.dumps(snap)


def test_leader_sees_everything_but_never_a_full_caller_hash():
    original = tiny_snapshot()
    snap = scoped_snapshot(original, Scope.all())
    assert [c["case_id"] for c in snap["countdowns"]] == ["A", "B", "C"]
    assert [r["caller_tag"] for r in snap["repeat_callers"]] == ["AB12CD", "EF34AB"]
    assert HASH_A not in json.dumps(snap) and HASH_B not in json.dumps(snap)
    assert original["repeat_callers"][0]["caller_hash"] == HASH_A  # the shared snapshot is not modified


def test_roles_map_to_scopes_and_unit_pages():
    parents = {"110105001": "110105", "110101001": "110101"}
    district = scope_for("district", ["110105"])
    assert may_open_unit(district, "district", "110105", parents) and may_open_unit(district, "township",
                                                                                   "110105001", parents)  # fmt: skip
    assert not may_open_unit(district, "district", "110101", parents)
    assert not may_open_unit(district, "township", "110101001", parents)
    assert not may_open_unit(district, "township", "<script>", parents)
    assert may_open_unit(scope_for("wall", []), "district", "110101", parents)  # aggregates only there
    assert scope_for("leader", []) == Scope.all() and scope_for("wall", []).aggregates_only


@pytest.mark.parametrize(
    ("env", "demo", "expected"),
    [
        ({}, True, False),  # the embedded demo: no login, banner
        ({"HOTLINE_AUTH": "on"}, True, True),
        ({"HOTLINE_CALLER_KEY": "k", "HOTLINE_SECRET_KEY": "s"}, False, True),  # production default: on
        ({"HOTLINE_CALLER_KEY": "k", "HOTLINE_SECRET_KEY": "s", "HOTLINE_AUTH": "off"}, False, False),
    ],
)
def test_login_modes(env, demo, expected):
    assert login_required(load_settings(env), demo) is expected


@pytest.mark.parametrize("env", [{}, {"HOTLINE_CALLER_KEY": "k"}, {"HOTLINE_SECRET_KEY": "s", "HOTLINE_AUTH": "off"}])
def test_production_start_without_secrets_is_refused(env):
    with pytest.raises(StartRefused, match="HOTLINE_"):
        login_required(load_settings(env), demo=False)


def test_bad_auth_setting_is_an_error():
    with pytest.raises(SettingsError, match="HOTLINE_AUTH"):
        load_settings({"HOTLINE_AUTH": "maybe"})


def test_passwords_and_tokens_are_stored_hashed(sqlite_engine):
    load_reference(sqlite_engine)
    users.add_user(sqlite_engine, "li", "long enough pw", "district", ["110105"])
    token = tokens.create_token(sqlite_engine, "wall-1", "wall")
    with sqlite_engine.connect() as conn:
        stored_hash = conn.scalar(select(User.password_hash))
        token_hash = conn.scalar(select(ApiToken.token_hash))
    assert stored_hash.startswith("$argon2id$") and "long enough pw" not in stored_hash
    assert token not in token_hash and len(token_hash) == 64 and len(token) > 40
    assert users.authenticate(sqlite_engine, "li", "long enough pw").districts == ("110105",)
    assert users.authenticate(sqlite_engine, "li", "wrong password") is None
    users.disable_user(sqlite_engine, "li")
    assert users.authenticate(sqlite_engine, "li", "long enough pw") is None
    assert tokens.check_token(sqlite_engine, token).role == "wall"
    tokens.revoke_token(sqlite_engine, "wall-1")
    assert tokens.check_token(sqlite_engine, token) is None
    for bad in (lambda: users.add_user(sqlite_engine, "x", "long enough pw", "district", []),
                lambda: users.add_user(sqlite_engine, "y", "long enough pw", "leader", ["110105"]),
                lambda: users.add_user(sqlite_engine, "z", "short", "admin"),
                lambda: tokens.create_token(sqlite_engine, "t", "admin")):  # fmt: skip
        with pytest.raises(AccessError):
            bad()


def test_scrub_personal_drops_columns_and_masks_numbers():
    raw = {"工单编号": "BJ2026120113800138000", "联系电话": "13800138000", "手机号": "13900139000",
           "诉求内容": "请回电 138-0013-8000 或 010-12345678，邮箱 li@example.cn", "受理时间": "2026-12-01 12:00",
           "first_name": "Li", "last_name": "Si", "email": "a@b.cn", "phone": "1",
           None: "13912345678", "纬度": 39.9}  # fmt: skip
    assert scrub_personal(raw) == {
        "工单编号": "BJ2026120113800138000",  # a case id that contains a number-like run is kept
        "诉求内容": "请回电 [已删除 removed] 或 [已删除 removed]，邮箱 [已删除 removed]",
        "受理时间": "2026-12-01 12:00",
        None: "[已删除 removed]",  # a number shifted into an extra cell
        "纬度": 39.9,
    }


def test_rejected_rows_keep_no_personal_data_and_export_no_formulas(sqlite_engine, tmp_path):
    load_reference(sqlite_engine)
    settings = load_settings({})
    path = tmp_path / "bad.csv"
    path.write_text(
        "工单编号,受理时间,所属区,街乡镇,问题分类,紧急程度,联系电话,手机号,诉求内容\n"
        "X1,2026-12-01 10:00,朝阳区,建外街道,住房,特急,13800138000,13900139000,"
        '=HYPERLINK("http://x") 电话13700137000\n'
        "X2,2026-12-01 10:00,朝阳区,建外街道,住房,一般,010-12345678,,ok,13600136000\n",
        encoding="utf-8",
    )
    summary = import_file(sqlite_engine, path, settings, load_rules(settings.rules_path))
    assert summary.rejected == 2
    with sqlite_engine.connect() as conn:
        stored = json.dumps([r for r in conn.scalars(select(RejectedRow.raw))], ensure_ascii=False)
    for secret in ("13800138000", "13900139000", "13700137000", "13600136000", "12345678", "联系电话", "手机号"):
        assert secret not in stored
    csv_text = render(rejected_rows(sqlite_engine), "csv")
    assert "'=HYPERLINK" in csv_text and ",=HYPERLINK" not in csv_text


def test_exports_escape_formula_cells_but_keep_numbers():
    assert [escape_formula(v) for v in ("=1+1", "+86", "-x", "@SUM(A1)", "朝阳", -3, 2.5)] == [
        "'=1+1", "'+86", "'-x", "'@SUM(A1)", "朝阳", -3, 2.5]  # fmt: skip
    row = {"rank": 1, "code": "110105001", "name": "=cmd|' /C calc'!A0", "district_code": "110105", "orders": 12,
           "valid_callbacks": 10, "response_rate": 0.9, "resolution_rate": 0.8, "satisfaction_rate": 0.7,
           "composite": 77.0, "classes": ["advanced"], "previous_rank": 2, "rank_change": -1,
           "composite_change": -0.5}  # fmt: skip
    payload = {"period": "month", "date": "2026-11", "level": "township", "first_day": "2026-11-01",
               "last_day": "2026-11-30", "rules_version": "1", "rules_digest": "d", "min_valid_callbacks": 10,
               "rows": [row]}  # fmt: skip
    assert "'=cmd" in export.to_csv(payload).decode("utf-8-sig") and ",-1," in export.to_csv(payload).decode()
    sheet = load_workbook(io.BytesIO(export.to_xlsx(payload))).active
    values = [c.value for r in sheet.iter_rows() for c in r if c.value is not None]
    assert "'=cmd|' /C calc'!A0" in values and -1 in values
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)


def test_open311_service_codes_are_capped_and_checked(sqlite_engine):
    now = datetime(2026, 12, 1, tzinfo=UTC)
    tz = load_settings({}).tz
    with pytest.raises(open311.Open311Error, match="at most 50"):
        open311.find_requests(sqlite_engine, {"service_code": ",".join(f"c{i}" for i in range(51))}, tz, now)
    with pytest.raises(open311.Open311Error, match="unknown service_code"):
        open311.find_requests(
            sqlite_engine, {"service_code": "住房/屋顶漏雨,' OR 1=1"}, tz, now, None, {"住房/屋顶漏雨"}
        )
    assert (
        open311.find_requests(sqlite_engine, {"service_code": "住房/屋顶漏雨"}, tz, now, None, {"住房/屋顶漏雨"}) == []
    )

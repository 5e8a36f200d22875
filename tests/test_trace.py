"""The callbacks behind a figure add up to the figure (issue 15).

Hand-worked on the March 2026 scenario of tests/test_rankings.py:
110101002: CSs x3, CSb (+1 callback with no satisfaction)   -> valid 4, contacted 4, solved 4,
           satisfied 3, basically 1, invalid 1; satisfaction (3 + .9) / 4 = .975 as ranked.
110105003: CSs CSb C-d and S-3 (--d, called 03-31 23:30 local, still March) -> valid 4, contacted 3,
           solved 2, satisfied 1, basically 1: resolution 2/4 = .5, composite 51.5 as ranked.
110101003: CSs x4 and S-1 (C-d, a February order called back 03-02) -> valid 5, solved 4 (.8).
110105002: S-2 (CSs) is called back 2026-04-01 00:30 local -> it is April's, not March's.
District 110105 pools 110105001..004: valid 3 + 4 + 4 = 11, contacted 8, solved 6 (as ranked).
"""

from __future__ import annotations

import io

import openpyxl
import pytest
from flask import Flask

from dashboard.api import analysis
from dashboard.assessment.rankings import rankings_payload
from dashboard.assessment.trace import TraceDenied, rows_behind, trace_payload
from dashboard.scope import Scope
from tests.analysis_data import fake_runtime, write_scenario
from tests.assessment_data import SHANGHAI
from tests.test_rankings import RULES


@pytest.fixture
def scenario(any_engine):
    return write_scenario(any_engine)


def _trace(engine, level, code, period="month", date="2026-03", scope=None):
    return trace_payload(engine, RULES, level, code, period, date, scope or Scope.all(), SHANGHAI)


def test_hand_worked_township_traces(scenario):
    t = _trace(scenario, "township", "110101002")
    assert t["totals"] == {"valid_callbacks": 4, "contacted": 4, "solved": 4, "satisfied": 3, "basically": 1,
                           "invalid": 1}  # fmt: skip
    invalid = [r for r in t["rows"] if not r["counted"]]
    assert len(invalid) == 1 and invalid[0]["reason"] == "satisfaction not recorded"
    assert t["figures"]["satisfaction_rate"] == 0.975 and t["figures"]["valid_callbacks"] == 4

    t = _trace(scenario, "township", "110105003")
    assert t["totals"] == {"valid_callbacks": 4, "contacted": 3, "solved": 2, "satisfied": 1, "basically": 1,
                           "invalid": 0}  # fmt: skip
    assert t["figures"]["composite"] == 51.5 and "S-3" in {r["case_id"] for r in t["rows"]}
    not_solved = rows_behind(t, "resolution_rate")
    assert sorted(r["case_id"] for r in not_solved) == ["M-110105003-2", "S-3"]  # C-d and --d
    assert set(rows_behind(t, "response_rate")[0]) >= {"case_id", "township_code", "callback_at", "reason"}

    t = _trace(scenario, "township", "110101003")
    assert t["totals"]["valid_callbacks"] == 5 and t["totals"]["solved"] == 4
    assert "S-1" in {r["case_id"] for r in t["rows"]}

    march = {r["case_id"] for r in _trace(scenario, "township", "110105002")["rows"]}
    april = {r["case_id"] for r in _trace(scenario, "township", "110105002", date="2026-04")["rows"]}
    assert "S-2" not in march and april == {"S-2"}


CASES = [("township", "month", "2026-03"), ("district", "month", "2026-03"), ("township", "day", "2026-03-10"),
         ("district", "month", "2026-02")]  # fmt: skip


@pytest.mark.parametrize(("level", "period", "date"), CASES)
def test_every_unit_adds_up_to_its_ranking_row(scenario, level, period, date):
    ranking = rankings_payload(scenario, RULES, period, date, level, Scope.all())
    for row in ranking["rows"]:
        t = _trace(scenario, level, row["code"], period, date)
        sums = t["totals"]
        assert sums["valid_callbacks"] == row["valid_callbacks"], row["code"]
        if row["valid_callbacks"]:
            v = sums["valid_callbacks"]
            assert sums["contacted"] / v == pytest.approx(row["response_rate"], abs=1e-6)
            assert sums["solved"] / v == pytest.approx(row["resolution_rate"], abs=1e-6)
            assert (sums["satisfied"] + 0.9 * sums["basically"]) / v == pytest.approx(
                row["satisfaction_rate"], abs=1e-6
            )
        assert {k: t["figures"][k] for k in ("composite", "rank")} == {k: row[k] for k in ("composite", "rank")}


def test_district_trace_pools_its_townships(scenario):
    t = _trace(scenario, "district", "110105")
    assert (t["totals"]["valid_callbacks"], t["totals"]["contacted"], t["totals"]["solved"]) == (11, 8, 6)
    assert {r["township_code"] for r in t["rows"]} == {"110105001", "110105002", "110105003"}


def test_scope_limits_traces_to_own_districts(scenario):
    own = Scope.for_districts(["110101"])
    assert _trace(scenario, "township", "110101002", scope=own)["totals"]["valid_callbacks"] == 4
    with pytest.raises(TraceDenied):
        _trace(scenario, "township", "110105003", scope=own)
    with pytest.raises(TraceDenied):
        _trace(scenario, "district", "110105", scope=own)
    with pytest.raises(TraceDenied):  # the wall: aggregates only, never case ids
        _trace(scenario, "township", "110101002", scope=Scope.for_districts(["110101"], aggregates_only=True))
    with pytest.raises(ValueError, match="unknown township"):
        _trace(scenario, "township", "110199999")


def _client(engine, scope):
    app = Flask(__name__)
    app.register_blueprint(analysis.make_blueprint(fake_runtime(engine), scope_of=lambda: scope))
    return app.test_client()


def test_trace_endpoint_json_xlsx_and_scope(scenario):
    client = _client(scenario, Scope.for_districts(["110105"]))
    body = client.get("/api/v1/trace?level=township&code=110105003&period=month&date=2026-03").get_json()
    assert body["figures"]["composite"] == 51.5 and len(body["rows"]) == 4
    assert set(body["rows"][0]) >= {"case_id", "township_code", "callback_at", "contacted", "solved", "satisfaction",
                                    "counted", "reason"}  # fmt: skip
    denied = client.get("/api/v1/trace?level=township&code=110101002&period=month&date=2026-03")
    assert denied.status_code == 403 and "outside your scope" in denied.get_json()["error"]
    assert client.get("/api/v1/trace.xlsx?level=district&code=110101&period=month&date=2026-03").status_code == 403
    assert "missing parameter" in client.get("/api/v1/trace?level=township").get_json()["error"]
    assert client.get("/api/v1/trace?level=town&code=1&period=month&date=2026-03").status_code == 400

    got = client.get(
        "/api/v1/trace.xlsx?level=township&code=110105003&period=month&date=2026-03&figure=resolution_rate"
    )
    assert got.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(got.data)).active
    cases = [row[0] for row in sheet.iter_rows(min_row=6, values_only=True)]
    assert sorted(cases) == ["M-110105003-2", "S-3"]  # the two not-solved callbacks behind 解决率 .5


def test_seeded_history_adds_up_to_the_rankings(sqlite_engine):
    """Demo history (seeded, with its invalid callbacks): every township's traced rows of one district
    add up to its rankings row, for the month and for one day."""
    from datetime import datetime

    import pandas as pd

    from dashboard.assessment.rules import load_rules
    from dashboard.live.rollups import rebuild
    from dashboard.settings import DEFAULT_RULES_PATH
    from data_loader.demo.seed import seed_database

    rules = load_rules(DEFAULT_RULES_PATH)
    now = datetime(2026, 11, 21, 6, 0, tzinfo=SHANGHAI)
    seed_database(sqlite_engine, rules, days=25, per_day=600, seed=3, now=now, caller_key="k")
    rebuild(sqlite_engine, rules, SHANGHAI)
    for period, date in (("month", "2026-11"), ("day", "2026-11-12")):
        t = trace_payload(sqlite_engine, rules, "district", "110105", period, date, Scope.all(), SHANGHAI)
        rows = pd.DataFrame(t["rows"])
        counted = rows[rows["counted"]]
        assert len(counted) > 0 and t["totals"]["valid_callbacks"] == t["figures"]["valid_callbacks"]
        ranking = rankings_payload(sqlite_engine, rules, period, date, "township", Scope.for_districts(["110105"]))
        for row in ranking["rows"]:
            mine = counted[counted["township_code"] == row["code"]]
            assert len(mine) == row["valid_callbacks"], row["code"]
            if len(mine):
                assert (~mine["not_solved"]).mean() == pytest.approx(row["resolution_rate"], abs=1e-6)
                assert (~mine["not_contacted"]).mean() == pytest.approx(row["response_rate"], abs=1e-6)

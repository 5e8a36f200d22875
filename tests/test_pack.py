"""The monthly meeting pack (issue 15), on the March 2026 scenario of test_rankings (arithmetic there).

District 110105, March: pooled valid 11, composite 51.6364, 3rd of 3 districts.
Worst three ranked townships, lowest first: 110105002 (10th), 110105003 (9th), 110105001 (4th).
Callbacks that pulled them down:
  110105002: CSb (fine), C-d (not solved, dissatisfied), --d, --d           -> 3 rows
  110105003: CSs, CSb (fine), C-d, S-3 --d                                  -> 2 rows
  110105001: CSs, CSb (fine), CSd (dissatisfied)                            -> 1 row
Categories: every order is 供暖; March 12 orders against February's 4 + 4 + 2 = 10 -> +20%.
Overdue: 110102004's 9 orders were never called back nor resolved: open past their 7-day deadline.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import UTC, datetime

import openpyxl
import pytest
from flask import Flask

from dashboard.api import analysis
from dashboard.assessment.pack import build_pack, render_pack
from dashboard.assessment.trace import TraceDenied
from dashboard.scope import Scope
from tests.analysis_data import fake_runtime, write_scenario
from tests.assessment_data import SHANGHAI
from tests.test_rankings import RULES

NOW = datetime(2026, 4, 20, 4, 0, tzinfo=UTC)


@pytest.fixture
def scenario(sqlite_engine):
    return write_scenario(sqlite_engine)


def test_pack_by_hand(scenario):
    pack = build_pack(scenario, RULES, "110105", "2026-03", Scope.all(), NOW, SHANGHAI)
    assert pack["name"] == "朝阳区" and pack["kpis"]["valid_callbacks"] == 11
    assert pack["kpis"]["composite"] == 51.6364 and pack["kpis"]["rank"] == 3 and pack["kpis"]["districts_ranked"] == 3
    assert [t["code"] for t in pack["townships"]] == ["110105001", "110105003", "110105002", "110105004"]
    assert [(w["code"], len(w["rows"])) for w in pack["worst"]] == [("110105002", 3), ("110105003", 2),
                                                                     ("110105001", 1)]  # fmt: skip
    assert {r["case_id"] for r in pack["worst"][1]["rows"]} == {"M-110105003-2", "S-3"}
    assert pack["categories"] == [{"category": "供暖", "orders": 12, "last_month": 10, "change": 0.2}]
    assert pack["repeat_callers"] == [] and pack["overdue"] == []
    other = build_pack(scenario, RULES, "110102", "2026-03", Scope.all(), NOW, SHANGHAI)
    assert len(other["overdue"]) == 9 and {o["township"] for o in other["overdue"]} == {"西城街道4"}


def test_pack_files(scenario, tmp_path):
    pack = build_pack(scenario, RULES, "110105", "2026-03", Scope.all(), NOW, SHANGHAI)
    book = openpyxl.load_workbook(io.BytesIO(render_pack(pack, "xlsx")))
    assert len(book.sheetnames) == 8 and book.sheetnames[0].startswith("一、关键指标")
    towns = [row for row in book.worksheets[1].iter_rows(min_row=5, values_only=True)]
    assert towns[0][:2] == (4, "朝阳街道1") and towns[-1][0] == "样本不足"
    pdf = render_pack(pack, "pdf")
    assert pdf.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        (tmp_path / "p.pdf").write_bytes(pdf)
        text = subprocess.run(["pdftotext", str(tmp_path / "p.pdf"), "-"], capture_output=True, text=True).stdout
        assert "朝阳区 2026-03 接诉即办月度例会材料" in text and "S-3" in text and "+20.0%" in text
    with pytest.raises(ValueError, match="format"):
        render_pack(pack, "docx")


def test_a_district_user_gets_only_own_packs(scenario):
    with pytest.raises(TraceDenied):
        build_pack(scenario, RULES, "110105", "2026-03", Scope.for_districts(["110101"]), NOW, SHANGHAI)
    with pytest.raises(ValueError, match="unknown district"):
        build_pack(scenario, RULES, "110199", "2026-03", Scope.all(), NOW, SHANGHAI)
    app = Flask(__name__)
    app.register_blueprint(
        analysis.make_blueprint(fake_runtime(scenario), scope_of=lambda: Scope.for_districts(["110101"]))
    )
    client = app.test_client()
    assert client.get("/api/v1/pack.pdf?district=110105&date=2026-03").status_code == 403
    own = client.get("/api/v1/pack.xlsx?district=110101&date=2026-03")
    assert own.status_code == 200 and "pack-110101-2026-03.xlsx" in own.headers["Content-Disposition"]
    assert client.get("/api/v1/pack.doc?district=110101&date=2026-03").status_code == 400

"""What-if rules on a past month (issue 15), hand-worked on the March 2026 scenario of test_rankings.

Candidate = the test rules with min_valid_callbacks 2 instead of 3 (class sizes 2):
March: 110101004 (CSs x2, composite 100) is now ranked; it ties 110101001 at 100 with the same
resolution, so the lower code leads: 110101001 (1), 110101004 (2), 110101002 99 (3), then every
other township one place lower than officially (110102001 3 -> 4, ..., 110105002 10 -> 11).
February: 110105001 (CSs x2, 100) is ranked too, so it has a baseline, but its gain 85.33 - 100 < 0.
Classes: advanced = 110101001, 110101004 (110101002 drops out of advanced); improved stays
110105003 (+34), 110102002 (+25); rectification = the two lowest of the rest, still 110105002 (11)
and 110102003 (8); governance is by orders, unchanged. So exactly two townships change class:
110101004 gains advanced, 110101002 loses it.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from dashboard.assessment.rankings import rankings_payload
from dashboard.assessment.whatif import WhatIfError, changed_frame, compare
from dashboard.scope import Scope
from dashboard.settings import DEFAULT_RULES_PATH, REPO_ROOT
from dashboard.store.schema import DailyRollup
from tests.analysis_data import write_scenario
from tests.assessment_data import make_rules
from tests.test_rankings import RULES

CLASS_SIZES = {f"classes.township.{c}": 2 for c in ("advanced", "improved", "rectification", "governance")}
CANDIDATE = make_rules(**{"ranking.min_valid_callbacks": 2}, **CLASS_SIZES)


@pytest.fixture
def scenario(any_engine):
    return write_scenario(any_engine)


def _rollup_sums(engine):
    with engine.connect() as conn:
        return conn.execute(select(func.count(), func.sum(DailyRollup.solved))).one()


def test_whatif_by_hand_and_never_writes(scenario):
    before = (_rollup_sums(scenario), rankings_payload(scenario, RULES, "month", "2026-03", "township", Scope.all()))
    result = compare(scenario, RULES, CANDIDATE, "2026-03", "township", Scope.all())
    rows = {r["code"]: r for r in result["rows"]}
    assert result["changed"] == ["110101004", "110101002"]  # in what-if rank order (2, 3)
    assert rows["110101004"]["official"]["rank"] is None and rows["110101004"]["whatif"]["rank"] == 2
    assert rows["110101004"]["classes_gained"] == ["advanced"]
    assert rows["110101002"]["classes_lost"] == ["advanced"] and rows["110101002"]["rank_change"] == -1
    assert rows["110102001"]["official"]["rank"] == 3 and rows["110102001"]["whatif"]["rank"] == 4
    assert rows["110105002"]["whatif"]["classes"] == ["rectification"] and not rows["110105002"]["class_changed"]
    assert rows["110105003"]["whatif"]["classes"] == ["improved"]
    assert rows["110101001"]["whatif"]["composite"] == rows["110101001"]["official"]["composite"] == 100.0
    assert list(changed_frame(result)["code"]) == ["110101004", "110101002"]
    after = (_rollup_sums(scenario), rankings_payload(scenario, RULES, "month", "2026-03", "township", Scope.all()))
    assert after == before  # the official numbers never change


def test_weights_change_composites_and_scope_removes_rows_only(scenario):
    # Satisfaction credit 0.6: 110101002 (CSs x3, CSb) satisfaction (3 + .6) / 4 = .9 -> 10 + 50 + 36 = 96.
    credit = make_rules(**{"ranking.min_valid_callbacks": 3, "rates.basically_satisfied_credit": 0.6}, **CLASS_SIZES)
    result = compare(scenario, RULES, credit, "2026-03", "township", Scope.for_districts(["110101"]))
    rows = {r["code"]: r for r in result["rows"]}
    assert set(rows) == {"110101001", "110101002", "110101003", "110101004"}
    assert rows["110101002"]["official"]["composite"] == 99.0 and rows["110101002"]["whatif"]["composite"] == 96.0
    assert rows["110101002"]["whatif"]["rank"] == 2  # city-wide rank, 96 still beats 85.5


def test_day_cutoff_change_is_refused(scenario):
    with pytest.raises(WhatIfError, match="day_cutoff_hour"):
        compare(scenario, RULES, make_rules(**{"periods.day_cutoff_hour": 12}), "2026-03", "township", Scope.all())


def test_cli_prints_the_side_by_side_table(scenario, tmp_path):
    official = tmp_path / "rules.toml"
    text = DEFAULT_RULES_PATH.read_text("utf-8").replace("min_valid_callbacks = 10", "min_valid_callbacks = 3")
    for name in ("advanced", "improved", "rectification", "governance"):
        text = text.replace(f"{name} = 10", f"{name} = 2")
    official.write_text(text, "utf-8")
    candidate = tmp_path / "candidate.toml"
    candidate.write_text(text.replace("min_valid_callbacks = 3", "min_valid_callbacks = 2"), "utf-8")
    env = {**os.environ, "DATABASE_URL": scenario.url.render_as_string(hide_password=False),
           "HOTLINE_RULES": str(official), "HOTLINE_TZ": "Asia/Shanghai"}  # fmt: skip
    env.pop("REDIS_URL", None)

    def whatif(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "dashboard", "whatif", *args], cwd=REPO_ROOT, env=env,
                              capture_output=True, check=False, text=True)  # fmt: skip

    done = whatif("--rules", str(candidate), "--date", "2026-03")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "2 change class" in lines[0]
    marked = [line.split()[1] for line in lines[2:] if line.startswith("*")]
    assert marked == ["110101004", "110101002"]
    bad = whatif("--rules", str(candidate), "--date", "2026-3")
    assert bad.returncode == 2 and "YYYY-MM" in bad.stderr

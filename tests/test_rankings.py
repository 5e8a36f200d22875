"""Hand-computed rankings: 13 townships in 3 districts, February and March 2026, worked out on paper.

Rules for this test: defaults (credit 0.9, weights 0.1 / 0.5 / 0.4) but min 3 valid callbacks and
class sizes 2 (townships) / 1 (districts), so a handful of cases per township is enough.
composite = 10 r + 50 s + 40 t   (r, s, t = response, resolution, satisfaction rates).

Answers: C/- contacted, S/- solved, s/b/d satisfied / basically / dissatisfied.

MARCH (callbacks 2026-03-10 unless noted; orders = cases received in March)
code       callbacks                      r     s     t                   composite           orders
110101001  CSs x4                         1     1     1                   10+50+40   = 100     4
110101002  CSs x3, CSb (+1 invalid: no    1     1     (3+.9)/4 = .975     10+50+39   = 99      5
           satisfaction -> not counted)
110101003  CSs x4, C-d (the C-d case was  1     .8    .8                  10+40+32   = 82      4
           received 02-27, called 03-02)
110101004  CSs x2 -> insufficient sample  1     1     1                   100, rank null        2
110102001  CSs CSs CSb C-b                1     .75   (2+1.8)/4 = .95     10+37.5+38 = 85.5     4
110102002  CSs x3, C-s x2                 1     .6    1                   10+30+40   = 80      5
110102003  CSs x3, CSb x5, C-d x2         1     .8    (3+4.5)/10 = .75    10+40+30   = 80      10
110102004  no callbacks, 9 orders         -     -     -                   null, rank null       9
110102005  same as 110101003              1     .8    .8                  82                    5
110105001  CSs CSb CSd                    1     1     1.9/3 = .633333     60+76/3 = 85.3333     3
110105002  CSb C-d --d --d (+CSs called   .5    .25   .9/4 = .225         5+12.5+9   = 26.5     5
           2026-04-01 00:30 local -> April)
110105003  CSs CSb C-d --d (--d called    .75   .5    1.9/4 = .475        7.5+25+19  = 51.5     4
           2026-03-31 23:30 local -> March)
110105004  nothing                        -     -     -                   null, rank null       0

Ranks: 100 (1) > 99 (2) > 85.5 (3) > 85.3333 (4) > 82 / 82 tie, same resolution -> lower code:
110101003 (5), 110102005 (6) > 80 / 80 tie -> higher resolution .8 beats .6: 110102003 (7),
110102002 (8) > 51.5 (9) > 26.5 (10).

FEBRUARY (received and called back in February)
110101001 CSs CSs C-d C-d -> 10+25+20 = 55;  110102001 CSs x4 -> 100;  110102002 as 110101001 -> 55;
110105003 CSd C-d --d --d -> 5+12.5 = 17.5;  110105002 --s --d --d --d -> 40 x .25 = 10;
110105001 CSs x2 -> insufficient.  Feb ranks: 100 (1), 55 / 55 same resolution -> 110101001 (2),
110102002 (3), 17.5 (4), 10 (5).

CLASSES (March, N = 2): advanced = rank 1, 2 (110101001, 110101002).
Improved, among the rest ranked in Feb with a gain: 110105003 +34, 110102002 +25, 110105002 +16.5
(110102001 -14.5; 110105001 not ranked in Feb) -> 110105003, 110102002.
Rectification, bottom 2 of the rest minus improved (ranks 3,4,5,6,7,10) -> 110102003 (7), 110105002 (10).
Governance, top 2 orders -> 110102003 (10), 110102004 (9, insufficient sample but listed).

DISTRICTS (pooled counts, not averaged rates)
110101: valid 4+4+5+2 = 15, contacted 15, solved 14, satisfied 13, basically 1
        r 1, s 14/15 = .933333, t 13.9/15 = .926667, composite 10 + 700/15 + 556/15 = 93.7333; orders 15
110102: valid 4+5+10+5 = 24, contacted 24, solved 18, satisfied 14, basically 7
        r 1, s .75, t 20.3/24 = .845833, composite 47.5 + 812/24 = 81.3333; orders 33
110105: valid 3+4+4 = 11, contacted 8, solved 6, satisfied 2, basically 3
        r 8/11 = .727273, s 6/11 = .545455, t 4.7/11 = .427273, composite 568/11 = 51.6364; orders 12
Feb: 110101 55 (rank 2); 110102 pooled valid 8, C 8, S 6, sat 6 -> 10+37.5+30 = 77.5 (rank 1);
     110105 valid 10, C 4, S 3, sat 3 -> 4+15+12 = 31 (rank 3).
Classes (N = 1): advanced 110101; improved among 110102 (+3.8333) / 110105 (+20.6364) -> 110105;
rectification -> 110102; governance (orders) -> 110102.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import openpyxl
import pytest

from dashboard.assessment.rankings import rankings_payload, top_concentration
from dashboard.assessment.rules import load_rules
from dashboard.live.rollups import catch_up
from dashboard.scope import Scope
from dashboard.settings import DEFAULT_RULES_PATH, REPO_ROOT
from tests.assessment_data import SHANGHAI, add_reference, case, make_rules, write_cases

RULES = make_rules(
    **{"ranking.min_valid_callbacks": 3},
    **{f"classes.township.{c}": 2 for c in ("advanced", "improved", "rectification", "governance")},
    **{f"classes.district.{c}": 1 for c in ("advanced", "improved", "rectification", "governance")},
)

MARCH = {
    "110101001": ["CSs"] * 4,
    "110101002": ["CSs"] * 3 + ["CSb", "CS?"],
    "110101003": ["CSs"] * 4,
    "110101004": ["CSs"] * 2,
    "110102001": ["CSs", "CSs", "CSb", "C-b"],
    "110102002": ["CSs"] * 3 + ["C-s"] * 2,
    "110102003": ["CSs"] * 3 + ["CSb"] * 5 + ["C-d"] * 2,
    "110102004": [None] * 9,
    "110102005": ["CSs"] * 4 + ["C-d"],
    "110105001": ["CSs", "CSb", "CSd"],
    "110105002": ["CSb", "C-d", "--d", "--d"],
    "110105003": ["CSs", "CSb", "C-d"],
}
FEBRUARY = {
    "110101001": ["CSs", "CSs", "C-d", "C-d"],
    "110102001": ["CSs"] * 4,
    "110102002": ["CSs", "CSs", "C-d", "C-d"],
    "110105003": ["CSd", "C-d", "--d", "--d"],
    "110105002": ["--s", "--d", "--d", "--d"],
    "110105001": ["CSs"] * 2,
}


def _month_cases(month: dict, prefix: str, received: str, called: str) -> list[dict]:
    return [
        case(f"{prefix}-{code}-{i}", code, received, called if answer else None, answer)
        for code, answers in month.items()
        for i, answer in enumerate(answers)
    ]


def _special_cases() -> list[dict]:
    return [
        case("S-1", "110101003", "2026-02-27 09:00", "2026-03-02 10:00", "C-d"),  # Feb order, March callback
        case("S-2", "110105002", "2026-03-30 09:00", "2026-04-01 00:30", "CSs"),  # April callback (local time)
        case("S-3", "110105003", "2026-03-05 09:00", "2026-03-31 23:30", "--d"),  # still March locally
    ]


@pytest.fixture
def scenario(any_engine):
    add_reference(any_engine)
    # Written in two batches with an incremental rollup apply after each: the poller's path.
    write_cases(any_engine, _month_cases(FEBRUARY, "F", "2026-02-03 09:00", "2026-02-10 10:00"), RULES)
    catch_up(any_engine, RULES, tz=SHANGHAI)
    later = datetime.now(UTC) + timedelta(seconds=1)
    march = _month_cases(MARCH, "M", "2026-03-05 09:00", "2026-03-10 10:00") + _special_cases()
    write_cases(any_engine, march, RULES, now=later)
    catch_up(any_engine, RULES, tz=SHANGHAI)
    return any_engine


def _by_code(payload: dict) -> dict[str, dict]:
    return {r["code"]: r for r in payload["rows"]}


# code: (orders, valid, response, resolution, satisfaction, composite, rank, classes, prev_rank, composite_change)
TOWNSHIP_MARCH = {
    "110101001": (4, 4, 1.0, 1.0, 1.0, 100.0, 1, ["advanced"], 2, 45.0),
    "110101002": (5, 4, 1.0, 1.0, 0.975, 99.0, 2, ["advanced"], None, None),
    "110102001": (4, 4, 1.0, 0.75, 0.95, 85.5, 3, [], 1, -14.5),
    "110105001": (3, 3, 1.0, 1.0, 0.633333, 85.3333, 4, [], None, None),
    "110101003": (4, 5, 1.0, 0.8, 0.8, 82.0, 5, [], None, None),
    "110102005": (5, 5, 1.0, 0.8, 0.8, 82.0, 6, [], None, None),
    "110102003": (10, 10, 1.0, 0.8, 0.75, 80.0, 7, ["rectification", "governance"], None, None),
    "110102002": (5, 5, 1.0, 0.6, 1.0, 80.0, 8, ["improved"], 3, 25.0),
    "110105003": (4, 4, 0.75, 0.5, 0.475, 51.5, 9, ["improved"], 4, 34.0),
    "110105002": (5, 4, 0.5, 0.25, 0.225, 26.5, 10, ["rectification"], 5, 16.5),
    "110101004": (2, 2, 1.0, 1.0, 1.0, 100.0, None, [], None, None),
    "110102004": (9, 0, None, None, None, None, None, ["governance"], None, None),
    "110105004": (0, 0, None, None, None, None, None, [], None, None),
}
FIELDS = (
    "orders", "valid_callbacks", "response_rate", "resolution_rate", "satisfaction_rate", "composite", "rank",
    "classes", "previous_rank", "composite_change",
)  # fmt: skip


def test_township_month_by_hand(scenario):
    payload = rankings_payload(scenario, RULES, "month", "2026-03", "township", Scope.all())
    assert payload["period"] == "month" and payload["date"] == "2026-03" and payload["level"] == "township"
    assert payload["rules_version"] == RULES.version
    assert [r["code"] for r in payload["rows"]] == list(TOWNSHIP_MARCH)  # ranked by rank, then unranked by code
    rows = _by_code(payload)
    for code, expected in TOWNSHIP_MARCH.items():
        assert tuple(rows[code][f] for f in FIELDS) == expected, code
    assert rows["110101001"]["rank_change"] == 1  # 2nd in Feb -> 1st
    assert rows["110102002"]["rank_change"] == -5  # 3rd -> 8th
    assert rows["110101004"]["sufficient_sample"] is False and rows["110101004"]["name"] == "东城街道4"
    json.dumps(payload)  # plain JSON types only


def test_district_month_pools_townships(scenario):
    rows = _by_code(rankings_payload(scenario, RULES, "month", "2026-03", "district", Scope.all()))
    got = {c: (r["orders"], r["valid_callbacks"], r["response_rate"], r["resolution_rate"],
               r["satisfaction_rate"], r["composite"], r["rank"], r["classes"], r["previous_rank"],
               r["composite_change"]) for c, r in rows.items()}  # fmt: skip
    assert got == {
        "110101": (15, 15, 1.0, 0.933333, 0.926667, 93.7333, 1, ["advanced"], 2, 38.7333),
        "110102": (33, 24, 1.0, 0.75, 0.845833, 81.3333, 2, ["rectification", "governance"], 1, 3.8333),
        "110105": (12, 11, 0.727273, 0.545455, 0.427273, 51.6364, 3, ["improved"], 3, 20.6364),
    }
    assert rows["110102"]["name"] == "西城区" and rows["110102"]["district_code"] == "110102"


def test_scope_filters_rows_but_ranks_stay_city_wide(scenario):
    payload = rankings_payload(scenario, RULES, "month", "2026-03", "township", Scope.for_districts(["110105"]))
    assert [(r["code"], r["rank"]) for r in payload["rows"]] == [
        ("110105001", 4), ("110105003", 9), ("110105002", 10), ("110105004", None),
    ]  # fmt: skip


def test_day_ranking_and_insufficient_sample(scenario):
    rows = _by_code(rankings_payload(scenario, RULES, "day", "2026-03-10", "township", Scope.all()))
    # On 03-10 110101003 has only its four CSs callbacks (C-d was called on 03-02): 100, tie with
    # 110101001 at 100 and resolution 1 -> lower code first.
    assert rows["110101001"]["rank"] == 1 and rows["110101003"]["rank"] == 2
    assert rows["110101003"]["valid_callbacks"] == 4
    assert rows["110105003"]["valid_callbacks"] == 3  # the 03-31 callback is another day
    assert all(r["classes"] == [] for r in rows.values())  # classes are monthly
    assert rows["110101004"]["rank"] is None
    assert rows["110101001"]["previous_rank"] is None  # nothing on 03-09


def test_top_concentration_by_orders_received(scenario):
    top = top_concentration(scenario, RULES, date(2026, 3, 5), Scope.all())
    # Received 03-05: 110102003 10, 110102004 9, then 5 each: 110101002, 110102002, 110102005 (by code).
    assert [(t["position"], t["code"], t["orders"]) for t in top[:5]] == [
        (1, "110102003", 10), (2, "110102004", 9), (3, "110101002", 5), (4, "110102002", 5), (5, "110102005", 5),
    ]  # fmt: skip
    assert top[0]["top_category"] == "供暖" and top[0]["top_category_orders"] == 10
    # Then the 4-order townships by code; 110105001 (3) and 110101004 (2) fall outside concentration.top_n = 10.
    assert [t["code"] for t in top[5:]] == ["110101001", "110101003", "110102001", "110105002", "110105003"]
    scoped = top_concentration(scenario, RULES, date(2026, 3, 5), Scope.for_districts(["110105"]))
    assert [(t["position"], t["code"]) for t in scoped] == [(9, "110105002"), (10, "110105003")]


def test_bad_arguments_are_readable(scenario):
    with pytest.raises(ValueError, match="YYYY-MM"):
        rankings_payload(scenario, RULES, "month", "2026-3", "township", Scope.all())
    with pytest.raises(ValueError, match="level"):
        rankings_payload(scenario, RULES, "month", "2026-03", "street", Scope.all())


def _cli(engine, tmp_path, *args: str) -> subprocess.CompletedProcess:
    """Run `python -m dashboard rankings` against the test database with the test rules file."""
    rules_file = tmp_path / "rules.toml"
    text = DEFAULT_RULES_PATH.read_text("utf-8").replace("min_valid_callbacks = 10", "min_valid_callbacks = 3")
    text = text.replace("advanced = 10", "advanced = 2").replace("improved = 10", "improved = 2")
    text = text.replace("rectification = 10", "rectification = 2").replace("governance = 10", "governance = 2")
    text = re.sub(r"(\[classes\.district\][^\[]*)", lambda m: m.group(1).replace("= 3", "= 1"), text)
    rules_file.write_text(text, "utf-8")
    env = {
        **os.environ,
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "HOTLINE_RULES": str(rules_file),
        "HOTLINE_TZ": "Asia/Shanghai",
    }
    env.pop("REDIS_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "dashboard", "rankings", *args], cwd=REPO_ROOT, env=env, capture_output=True, check=False
    )


@pytest.mark.parametrize("level", ["township", "district"])
def test_cli_json_equals_payload(scenario, tmp_path, level):
    done = _cli(scenario, tmp_path, "--period", "month", "--date", "2026-03", "--level", level)
    assert done.returncode == 0, done.stderr.decode()
    printed = json.loads(done.stdout)
    expected = rankings_payload(scenario, load_rules(tmp_path / "rules.toml"), "month", "2026-03", level, Scope.all())
    assert printed == expected
    assert printed["rows"][0]["composite"] == (100.0 if level == "township" else 93.7333)


def test_cli_xlsx_is_a_report_with_the_four_lists(scenario, tmp_path):
    out = tmp_path / "march.xlsx"
    done = _cli(scenario, tmp_path, "--period", "month", "--date", "2026-03", "--level", "township",
                "--format", "xlsx", "--out", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr.decode()
    sheet = openpyxl.load_workbook(out).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    text = [row[0] for row in cells if row and isinstance(row[0], str)]
    assert "2026-03" in text[0] and any("2026.1-default" in t for t in text)
    heads = {t.split(" (")[0]: i for i, t in enumerate(r[0] for r in cells) if isinstance(t, str) and "类" in t}
    assert set(heads) == {"先进类 Advanced", "进步类 Improved", "整改类 Rectification", "治理类 Governance"}
    row_of = {tuple(r[:2]): i for i, r in enumerate(cells)}
    assert (1, "110101001") in row_of and (9, "110105003") in row_of  # advanced and improved members listed
    gov = [r[1] for r in cells[heads["治理类 Governance"] + 1 : heads["治理类 Governance"] + 3]]
    assert gov == ["110102003", "110102004"]
    header = next(i for i, r in enumerate(cells) if r[0] == "排名 Rank")
    first = sheet[header + 2]  # 1-based rows: the first data row under the header
    assert first[6].value == 1.0 and first[6].number_format == "0.00%"  # response rate as a percentage
    assert sheet.page_setup.orientation == "landscape"


def test_cli_csv_and_errors(scenario, tmp_path):
    done = _cli(scenario, tmp_path, "--period", "day", "--date", "2026-03-10", "--level", "district", "--format", "csv")
    lines = done.stdout.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("rank,code,name") and len(lines) == 4
    bad = _cli(scenario, tmp_path, "--period", "day", "--date", "2026-03", "--level", "district")
    assert bad.returncode == 2 and b"YYYY-MM-DD" in bad.stderr

"""The change feed on both engines: late commits, concurrent catch-up, readers current without a poller."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, func, select

from dashboard.live.change_feed import Feed, read_changes
from dashboard.live.open_cases import OpenCases
from dashboard.live.rollups import RollupConsumer, catch_up, rebuild
from dashboard.settings import REPO_ROOT
from dashboard.store.case_rows import CASE_COLUMNS, complete_cases
from dashboard.store.db import copy_frame
from dashboard.store.schema import DailyRollup, RollupLedger
from data_loader.reference_tables import load_reference
from tests.assessment_data import SHANGHAI, add_reference, case, make_rules, write_cases

T0 = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # the injected clock: every stamp is explicit


def ledger_ids(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(RollupLedger.case_id)).scalars())


def rollup_table(engine: Engine) -> pd.DataFrame:
    with engine.connect() as conn:
        rows = conn.execute(select(DailyRollup.__table__).order_by(*DailyRollup.__table__.primary_key)).all()
    return pd.DataFrame(rows)


def total_orders(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.sum(DailyRollup.orders))) or 0)


def test_a_commit_60_s_after_its_stamp_reaches_rollups_and_sla_set_within_one_tick(any_engine):
    """Writer L stamps its case at T0 and commits 60 s later; meanwhile writers commit 2 cases every
    10 s (6 rounds = 12 cases, stamped T0+10 s .. T0+60 s) and the poller ticks after each commit.

    Each tick must hold exactly the committed cases; the tick after L's commit must hold L too, and
    in the end the rollups count 14 orders (one earlier case + 12 + L), equal to a rebuild: nothing
    missed or doubled. (The earlier case keeps the table non-empty, so no writer takes the bulk
    path's index rebuild, which would wait for L's lock.)
    On PostgreSQL L really holds its transaction open (uncommitted rows) through all 6 rounds. On
    SQLite one writer at a time holds the write lock, so L's stamped rows are written at its commit.
    """
    add_reference(any_engine)
    rules = make_rules()
    open_set = OpenCases()
    feed = Feed([RollupConsumer(rules, SHANGHAI), open_set])
    write_cases(any_engine, [case("EARLIER", "110102001", "2026-03-10 08:00")], rules, now=T0 - timedelta(hours=1))
    feed.advance(any_engine)
    late_rows = complete_cases(pd.DataFrame([case("LATE", "110101001", "2026-03-10 09:00")]), rules, T0)
    postgresql = any_engine.dialect.name == "postgresql"
    late = any_engine.connect()
    if postgresql:
        late.begin()
        copy_frame(late, "cases", late_rows[list(CASE_COLUMNS)])  # written, stamped T0, not committed
    committed = {"EARLIER"}
    for i in range(1, 7):
        ids = [f"B{i}a", f"B{i}b"]
        write_cases(any_engine, [case(c, "110102001", "2026-03-10 09:30") for c in ids], rules,
                    now=T0 + timedelta(seconds=10 * i))  # fmt: skip
        committed |= set(ids)
        feed.advance(any_engine)
        assert ledger_ids(any_engine) == committed  # every commit in the rollups one tick later, L not yet
        assert set(open_set.frame.index) == committed
    if not postgresql:
        late.exec_driver_sql("BEGIN IMMEDIATE")
        copy_frame(late, "cases", late_rows[list(CASE_COLUMNS)])
    late.commit()  # 60 s after its stamp
    late.close()
    feed.advance(any_engine)
    assert ledger_ids(any_engine) == committed | {"LATE"}
    assert "LATE" in open_set.frame.index and len(open_set.frame) == 14
    assert total_orders(any_engine) == 14
    incremental = rollup_table(any_engine)
    rebuild(any_engine, rules, SHANGHAI)
    pd.testing.assert_frame_equal(incremental, rollup_table(any_engine))


def test_a_deleted_case_leaves_the_rollups(any_engine):
    add_reference(any_engine)
    rules = make_rules()
    write_cases(any_engine, [case("A", "110101001", "2026-03-01 08:00", "2026-03-02 08:00", "CSs"),
                             case("B", "110101001", "2026-03-01 09:00")], rules, now=T0)  # fmt: skip
    catch_up(any_engine, rules, SHANGHAI)
    assert total_orders(any_engine) == 2
    with any_engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM cases WHERE case_id = 'A'")
        assert read_changes(conn, 0).deleted == ["A"]  # the feed names it although the row is gone
    catch_up(any_engine, rules, SHANGHAI)
    # By hand: B's order remains; A's order and its valid callback (03-02) are gone.
    assert total_orders(any_engine) == 1
    assert int(rollup_table(any_engine)["valid_callbacks"].sum()) == 0


def test_readers_catching_up_at_once_count_every_case_once(any_engine):
    """Four processes' readers catch up at the same moment (advisory lock / BEGIN IMMEDIATE)."""
    add_reference(any_engine)
    rules = make_rules()
    catch_up(any_engine, rules, SHANGHAI)
    write_cases(any_engine, [case(f"C{i}", "110105001", "2026-03-03 10:00") for i in range(40)], rules, now=T0)
    errors: list[BaseException] = []

    def reader() -> None:
        try:
            catch_up(any_engine, rules, SHANGHAI)
        except BaseException as exc:  # reported below: a thread's exception would otherwise vanish
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert total_orders(any_engine) == 40


CSV_HEADER = "工单编号,受理时间,问题分类,紧急程度,所属区,街乡镇,回访时间,是否联系,是否解决,满意度\n"


def _csv(rows: list[tuple[str, str, str, str]]) -> str:
    """rows of (id, received, callback, answer 'CSs' style) in township 110105001 (建外街道)."""
    words = {"s": "满意", "b": "基本满意", "d": "不满意"}
    lines = [
        f"{cid},{received},供暖,一般,110105,110105001,{callback},{'是' if a[0] == 'C' else '否'},"
        f"{'是' if a[1] == 'S' else '否'},{words[a[2]]}\n"
        for cid, received, callback, a in rows
    ]
    return CSV_HEADER + "".join(lines)


def _run(args: list[str], url: str) -> str:
    env = {**os.environ, "DATABASE_URL": url}
    env.pop("REDIS_URL", None)
    done = subprocess.run([sys.executable, *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                          timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def _township(url: str, month: str) -> dict:
    out = _run(["-m", "dashboard", "rankings", "--period", "month", "--date", month, "--level", "township"], url)
    return next(r for r in json.loads(out)["rows"] if r["code"] == "110105001")


def test_rankings_cli_right_after_an_import_without_a_poller(any_engine, tmp_path: Path):
    """Import two months, run the CLI at once (no poller, no rebuild step), edit a called-back case, again.

    September: 10 callbacks, all contacted, solved, satisfied -> composite 100.
    October: 10 callbacks, contacted 10, solved 8, satisfied 6, basically 2, dissatisfied 2:
      response 1.0, resolution 0.8, satisfaction (6 + 0.9 x 2) / 10 = 0.78,
      composite 100 x (0.1 x 1.0 + 0.5 x 0.8 + 0.4 x 0.78) = 81.2, change vs September -18.8.
    Re-import with O8 (a dissatisfied one) now solved and satisfied: solved 9, satisfied 7:
      resolution 0.9, satisfaction (7 + 1.8) / 10 = 0.88, composite 100 x (0.1 + 0.45 + 0.352) = 90.2.
    """
    load_reference(any_engine)
    url = any_engine.url.render_as_string(hide_password=False)
    september = [(f"S{i}", f"2026-09-{i + 1:02d} 09:00", f"2026-09-{i + 12:02d} 10:00", "CSs") for i in range(10)]
    answers = ["CSs"] * 6 + ["CSb"] * 2 + ["C-d"] * 2
    october = [(f"O{i}", f"2026-10-{i + 1:02d} 09:00", f"2026-10-{i + 12:02d} 10:00", a)
               for i, a in enumerate(answers)]  # fmt: skip
    first = tmp_path / "two_months.csv"
    first.write_text(_csv(september + october), encoding="utf-8")
    summary = json.loads(_run(["-m", "data_loader", "import", str(first)], url).strip().splitlines()[-1])
    assert summary["accepted"] == 20
    assert _township(url, "2026-09")["composite"] == 100.0
    row = _township(url, "2026-10")
    assert (row["orders"], row["valid_callbacks"]) == (10, 10)
    assert (row["resolution_rate"], row["satisfaction_rate"], row["composite"]) == (0.8, 0.78, 81.2)
    assert row["composite_change"] == -18.8
    edited = [*october[:8], ("O8", october[8][1], october[8][2], "CSs"), october[9]]
    second = tmp_path / "edits.csv"
    second.write_text(_csv(edited), encoding="utf-8")
    summary = json.loads(_run(["-m", "data_loader", "import", str(second)], url).strip().splitlines()[-1])
    assert (summary["updated"], summary["unchanged"]) == (1, 9)
    row = _township(url, "2026-10")
    assert (row["resolution_rate"], row["satisfaction_rate"], row["composite"]) == (0.9, 0.88, 90.2)

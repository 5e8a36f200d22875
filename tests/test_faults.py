"""Faults survived (issue 14), each against real services, asserting what a user sees and that
nothing is lost. Broken services are private ones (tests/private_services.py), never the shared ones.

Redis down, a dead leader's lease and the database closed to connections are in
tests/test_pipeline_live.py (marked `faults` too).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import redis
from flask import Flask
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from dashboard.api.json_api import make_blueprint
from dashboard.assessment.rules import load_rules
from dashboard.live.cache import PREFIX, FallbackCache, MemoryCache, RedisCache
from dashboard.live.poller import Poller, start_in_thread
from dashboard.live.rollups import ROLLUP_KEY, ROLLUP_VALUES, aggregate, contributions, ledger_rows
from dashboard.runtime import Runtime
from dashboard.settings import load_settings
from dashboard.store.db import make_engine, migrate
from dashboard.store.schema import Case, DailyRollup, ImportBatch, RejectedRow
from data_loader.demo.seed import seed_database
from data_loader.files.importer import import_file
from data_loader.reference_tables import load_reference
from tests.conftest import free_port
from tests.private_services import PrivatePostgres, TinyFilesystem
from tests.test_pipeline_gunicorn import stop as stop_process
from tests.waiting import wait_for

pytestmark = [pytest.mark.faults, pytest.mark.slow]
ROOT = Path(__file__).resolve().parent.parent
SETTINGS = load_settings({"POLL_SECONDS": "1"})
RULES = load_rules(SETTINGS.rules_path)
POLL = 1.0
HEADER = "工单编号,受理时间,问题分类,所属区,街乡镇,回访时间,是否联系,是否解决,满意度"


@pytest.fixture
def private_pg() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres()
    server.start()
    yield server
    server.destroy()


@pytest.fixture
def private_engine(private_pg) -> Iterator[Engine]:
    engine = make_engine(private_pg.url)
    migrate(engine)
    load_reference(engine)
    yield engine
    engine.dispose()


def web_client(engine: Engine, cache) -> Flask:
    app = Flask("worker")
    app.register_blueprint(make_blueprint(Runtime(SETTINGS, engine, RULES, cache, "web")))
    return app.test_client()


def poller_for(engine: Engine, cache, **kwargs) -> Poller:
    return Poller(engine, RULES, cache, SETTINGS.tz, POLL, **kwargs)


def rollups_match_a_recount(engine: Engine) -> None:
    """The incrementally kept rollups equal a recount of every case: nothing lost, nothing twice."""
    with engine.connect() as conn:
        cases = pd.read_sql(select(Case.case_id, Case.township_code, Case.category, Case.received_at,
                                   Case.callback_at, Case.contacted, Case.solved, Case.satisfaction), conn)  # fmt: skip
        kept = pd.read_sql(select(DailyRollup.__table__), conn)
    expected = aggregate([contributions(ledger_rows(cases, RULES, SETTINGS.tz), +1)])
    key = list(ROLLUP_KEY)
    expected = expected[(expected[list(ROLLUP_VALUES)] != 0).any(axis=1)].sort_values(key).reset_index(drop=True)
    kept = kept[(kept[list(ROLLUP_VALUES)] != 0).any(axis=1)].sort_values(key).reset_index(drop=True)
    kept["day"] = pd.to_datetime(kept["day"]).dt.date
    expected["day"] = pd.to_datetime(expected["day"]).dt.date
    cols = key + list(ROLLUP_VALUES)
    ints = dict.fromkeys(ROLLUP_VALUES, "int64")
    pd.testing.assert_frame_equal(kept[cols].astype(ints), expected[cols].astype(ints), check_dtype=False)
    assert int(kept["orders"].sum()) == len(cases)


def test_postgresql_restarted_during_polling_goes_stale_then_recovers_by_itself(private_pg, private_engine,
                                                                                insert_case):  # fmt: skip
    seed_database(private_engine, RULES, days=2, per_day=800, seed=7, caller_key="test")
    cache = MemoryCache()
    poller = poller_for(private_engine, cache)
    web = web_client(private_engine, cache)
    stop = start_in_thread(poller)
    try:
        good = wait_for(lambda: (r := web.get("/api/v1/snapshot")).status_code == 200 and r.json, 120, "a snapshot")
        private_pg.crash()
        # What the wall shows: the last good figures, flagged stale with the reason; /health says degraded.
        # (A busy machine may first show the web side's "no new snapshot" flag: the poller's reason follows.)
        stale = wait_for(lambda: (s := web.get("/api/v1/snapshot").json)["stale"]
                         and s["stale"]["reason"].startswith("database unreachable") and s, 120,
                         "the stale flag saying why")  # fmt: skip
        assert stale["generated_at"] >= good["generated_at"] and stale["kpis"]["orders_today"] > 0
        health = web.get("/health").json
        assert health["status"] == "degraded" and any("database unreachable" in r for r in health["reasons"])
        private_pg.start()
        insert_case(private_engine, "AFTER-RESTART")  # written once the server is back: one more open order
        fresh = wait_for(lambda: (s := web.get("/api/v1/snapshot").json)["stale"] is None
                         and s["kpis"]["open"] == stale["kpis"]["open"] + 1 and s, 120, "recovery")  # fmt: skip
        assert fresh["generated_at"] > stale["generated_at"]
        wait_for(lambda: web.get("/health").json["status"] == "ok", 120, "health ok again")
    finally:
        stop.set()
    rollups_match_a_recount(private_engine)


def big_file(tmp_path: Path, rows: int, prefix: str = "B") -> Path:
    # Even rows carry a valid callback; every seventh row lacks its category (rejected).
    lines = [HEADER] + [
        f"{prefix}{i},2026-10-01 09:00,{'' if i % 7 == 0 else '住房'},朝阳区,建外街道,"
        + ("2026-10-03 10:00,是,是,满意" if i % 2 == 0 else ",,,")
        for i in range(rows)
    ]
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def test_postgresql_restarted_during_an_import_leaves_nothing_and_the_batch_can_be_rerun(
    private_pg, private_engine, tmp_path, monkeypatch
):
    import data_loader.files.importer as importer

    rows = 3000  # i % 7 == 0 for 0, 7, ..., 2996: 429 rejected; 2571 accepted
    path = big_file(tmp_path, rows)
    real = importer.write_batch

    def crash_midway(conn, *args, **kwargs):
        conn.execute(text("SELECT 1"))  # the batch's transaction is open on the server ...
        private_pg.restart()  # ... when the server goes away and comes back
        return real(conn, *args, **kwargs)

    monkeypatch.setattr(importer, "write_batch", crash_midway)
    with pytest.raises(SQLAlchemyError):
        import_file(private_engine, path, SETTINGS, RULES)
    monkeypatch.setattr(importer, "write_batch", real)
    with private_engine.connect() as conn:  # atomic: not one row of the batch arrived
        assert conn.scalar(select(func.count()).select_from(Case)) == 0
        assert conn.scalar(select(func.count()).select_from(ImportBatch)) == 0
        assert conn.scalar(select(func.count()).select_from(RejectedRow)) == 0
    again = import_file(private_engine, path, SETTINGS, RULES).as_dict()
    assert (again["rows"], again["accepted"], again["rejected"]) == (rows, 2571, 429)
    third = import_file(private_engine, path, SETTINGS, RULES).as_dict()
    assert third["accepted"] == 0 and third["unchanged"] == 2571  # re-running changes nothing
    with private_engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Case)) == 2571


def test_the_import_cli_with_the_database_down_is_one_clear_line(private_pg, private_engine, tmp_path):
    path = big_file(tmp_path, 10)
    private_pg.crash()
    done = subprocess.run([sys.executable, "-m", "data_loader", "import", str(path)], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "DATABASE_URL": private_pg.url})  # fmt: skip
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("import: database error:") and done.stderr.strip().count("\n") <= 2


def test_redis_flushed_screens_keep_working_and_the_poller_republishes(pg_engine, redis_url):
    seed_database(pg_engine, RULES, days=2, per_day=800, seed=7, caller_key="test")
    poller = poller_for(pg_engine, FallbackCache(RedisCache(redis_url)))
    web = web_client(pg_engine, FallbackCache(RedisCache(redis_url)))
    client = redis.Redis.from_url(redis_url)
    stop = start_in_thread(poller)
    try:
        before = wait_for(lambda: (r := web.get("/api/v1/snapshot")).status_code == 200 and r.json, 120, "snapshot")
        client.flushdb()  # snapshot, version and the leader's lease all gone at once
        assert web.get("/api/v1/snapshot").status_code == 200  # the worker's last read stays on screen
        wait_for(lambda: client.get(PREFIX + "version"), 120, "the poller publishes again")
        wait_for(lambda: client.get(PREFIX + "leader") == poller.owner.encode(), 120, "the lease is taken again")
        after = wait_for(lambda: (s := web.get("/api/v1/snapshot").json)["version"] > before["version"] and s, 120,
                         "a newer snapshot on screen")  # fmt: skip
        assert after["stale"] is None and web.get("/health").json["status"] == "ok"
    finally:
        stop.set()
        client.close()


def test_redis_down_health_and_snapshot_say_so(pg_engine, throwaway_redis):
    seed_database(pg_engine, RULES, days=2, per_day=800, seed=7, caller_key="test")
    cache = FallbackCache(RedisCache(throwaway_redis.url), retry_seconds=0.5)
    poller = poller_for(pg_engine, cache, standby=True)
    web = web_client(pg_engine, cache)
    stop = start_in_thread(poller)
    try:
        throwaway_redis.stop()
        snap = wait_for(lambda: (r := web.get("/api/v1/snapshot")).status_code == 200 and r.json, 120,
                        "the standby poller serves the screens in-process")  # fmt: skip
        assert snap["cache_degraded"].startswith("redis unreachable")
        health = web.get("/health").json
        assert health["status"] == "degraded" and "cache: redis unreachable: ConnectionError" in health["reasons"]
    finally:
        stop.set()


def lock_waiters(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                    "AND datname = current_database()")))  # fmt: skip


def poller_process(url: str, redis_url: str, log: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": redis_url, "POLL_SECONDS": str(POLL)}
    return subprocess.Popen([sys.executable, "-m", "dashboard", "poller"], cwd=ROOT, env=env,
                            stdout=log.open("a"), stderr=subprocess.STDOUT)  # fmt: skip


def test_a_poller_killed_mid_tick_resumes_and_counts_nothing_twice(pg_engine, pg_url, redis_url, insert_case, tmp_path):
    seed_database(pg_engine, RULES, days=2, per_day=800, seed=7, caller_key="test")
    client = redis.Redis.from_url(redis_url)
    procs = []
    try:
        for round_ in range(3):
            proc = poller_process(pg_url, redis_url, tmp_path / "poller.log")
            procs.append(proc)
            wait_for(lambda: client.get(PREFIX + "leader"), 120, "the poller leads")
            version = int(client.get(PREFIX + "version") or 0)
            wait_for(lambda v=version: int(client.get(PREFIX + "version") or 0) > v, 120, "a tick")
            if round_ == 0:  # open orders before any of ours (no simulator: only our inserts change it)
                base_open = FallbackCache(RedisCache(redis_url)).get()["kpis"]["open"]
            with pg_engine.connect() as blocker:  # hold the rollups so the next tick stops inside its transaction
                blocker.execute(text("LOCK TABLE rollup_daily IN SHARE ROW EXCLUSIVE MODE"))
                for n in range(5):
                    insert_case(pg_engine, f"KILL-{round_}-{n}")
                wait_for(lambda: lock_waiters(pg_engine) >= 1, 120, "the tick waiting inside the rollups' transaction")
                proc.send_signal(signal.SIGKILL)  # dies mid-tick: its transaction is rolled back by the server
                proc.wait(timeout=60)
                blocker.rollback()
            client.delete(PREFIX + "leader")  # the next poller need not wait out the dead one's lease
        proc = poller_process(pg_url, redis_url, tmp_path / "poller.log")
        procs.append(proc)
        wait_for(lambda: (FallbackCache(RedisCache(redis_url)).get() or {})["kpis"]["open"] == base_open + 15, 120,
                 "the last poller's snapshot with every case, each once")  # fmt: skip
    finally:
        for proc in procs:
            stop_process(proc)
        client.close()
    rollups_match_a_recount(pg_engine)


def test_a_hung_poller_gives_its_lease_up_and_another_takes_over(pg_engine, redis_url):
    seed_database(pg_engine, RULES, days=2, per_day=800, seed=7, caller_key="test")
    hung = poller_for(pg_engine, FallbackCache(RedisCache(redis_url)), tick_deadline=3)
    other = poller_for(pg_engine, FallbackCache(RedisCache(redis_url)))
    web = web_client(pg_engine, FallbackCache(RedisCache(redis_url)))
    release, entered = threading.Event(), threading.Event()
    stops = [start_in_thread(hung)]
    try:
        wait_for(lambda: hung.ticks >= 2, 120, "the first poller leads and ticks")
        stops.append(start_in_thread(other))
        wait_for(lambda: other.loops >= 2, 120, "the second poller waits its turn")
        assert other.ticks == 0
        advance = hung.feed.advance

        def stuck(engine):  # alive but not ticking: a read of the change feed that never returns
            entered.set()
            release.wait(300)
            return advance(engine)

        hung.feed.advance = stuck
        assert entered.wait(120)
        hung_ticks = hung.ticks
        wait_for(lambda: other.ticks >= 2, 120, "the other poller takes over")
        assert not hung.leading.is_set()
        version = web.get("/api/v1/snapshot").json["version"]
        wait_for(lambda: web.get("/api/v1/snapshot").json["version"] > version, 120, "screens keep moving")
        hung.feed.advance = advance
        loops = hung.loops
        release.set()  # the hung tick returns at last: its result is dropped, the lease stays where it is
        wait_for(lambda: hung.loops > loops, 120, "the hung tick ends")
        assert hung.ticks == hung_ticks and other.leading.is_set() and not hung.leading.is_set()
    finally:
        release.set()
        for stop in stops:
            stop.set()


def test_a_killed_gunicorn_worker_leaves_the_others_serving(pg_engine, pg_url, redis_url, tmp_path):
    from urllib.request import urlopen

    seed_database(pg_engine, RULES, days=2, per_day=800, seed=7, caller_key="test")
    port = free_port()
    env = {**os.environ, "DATABASE_URL": pg_url, "REDIS_URL": redis_url, "POLL_SECONDS": str(POLL)}
    log = (tmp_path / "procs.log").open("w")
    poller = subprocess.Popen([sys.executable, "-m", "dashboard", "poller"], cwd=ROOT, env=env, stdout=log,
                              stderr=subprocess.STDOUT)  # fmt: skip
    web = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
                            "--timeout", "120", "app:server"], cwd=ROOT, env={**env, "HOTLINE_ROLE": "web"},
                           stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    base = f"http://127.0.0.1:{port}"

    def snapshot_from() -> str | None:
        try:
            with urlopen(base + "/api/v1/snapshot", timeout=30) as response:
                return response.headers["X-Hotline-Worker"] if response.status == 200 else None
        except OSError:
            return None

    def workers() -> list[int]:
        path = Path(f"/proc/{web.pid}/task/{web.pid}/children")
        return [int(p) for p in path.read_text().split()] if path.exists() else []

    try:
        wait_for(lambda: len(workers()) == 2 and snapshot_from(), 300, "two workers serving a snapshot")
        victim = workers()[0]
        os.kill(victim, signal.SIGKILL)
        answers = [snapshot_from() for _ in range(40)]  # every request after the kill is answered
        assert None not in answers and str(victim) not in answers
        wait_for(lambda: len(workers()) == 2 and victim not in workers(), 120, "gunicorn replaces the worker")
    finally:
        for proc in (web, poller):
            stop_process(proc)
        log.close()


def test_a_full_disk_under_sqlite_is_a_clear_error_and_the_database_stays_sound(tmp_path):
    disk = TinyFilesystem("3m")
    try:
        url = f"sqlite:///{disk.path / 'hotline.db'}"
        engine = make_engine(url)
        migrate(engine)
        load_reference(engine)
        first = import_file(engine, big_file(tmp_path, 50, "OK"), SETTINGS, RULES).as_dict()
        assert first["accepted"] == 42  # 50 rows, 8 without a category (0, 7, ..., 49)
        filler = disk.path / "filler"  # the disk fills up (another process's log, say)
        with filler.open("wb") as out:
            try:
                while True:
                    out.write(b"\0" * 65536)
                    out.flush()
            except OSError:
                pass
        with pytest.raises(OperationalError, match=r"database or disk is full|disk I/O error"):
            import_file(engine, big_file(tmp_path, 20000, "FULL"), SETTINGS, RULES)
        done = subprocess.run([sys.executable, "-m", "data_loader", "import", str(big_file(tmp_path, 20000, "F2"))],
                              cwd=ROOT, capture_output=True, text=True, timeout=300,
                              env={**os.environ, "DATABASE_URL": url})  # fmt: skip
        assert done.returncode == 1 and "Traceback" not in done.stderr
        assert done.stderr.startswith("import: database error:") and "full" in done.stderr
        filler.unlink()
        engine.dispose()
        engine = make_engine(url)
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            assert (
                conn.scalar(select(func.count()).select_from(Case)) == 42
            )  # the first batch, whole; no part of the rest
        engine.dispose()
    finally:
        disk.destroy()

"""Import benchmark: a generated N-row CSV into a fresh PostgreSQL and SQLite database.

Run from the repository root: `python bench/bench_import.py [--rows N]` (default 1,000,000).
Writes bench/results/import.md with rows/s per phase (read, validate, write) for a first import
(all rows new) and a re-import of the same file (all rows unchanged). PostgreSQL comes from
BENCH_PG_ADMIN_URL (default: local postgres superuser); a scratch database is created and dropped.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dashboard.assessment.rules import load_rules  # noqa: E402
from dashboard.settings import load_settings  # noqa: E402
from dashboard.store.db import make_engine, migrate  # noqa: E402
from data_loader.files.places import Places  # noqa: E402
from data_loader.files.readers import read_table  # noqa: E402
from data_loader.files.upsert import write_batch  # noqa: E402
from data_loader.files.validate import ImportOptions, validate  # noqa: E402
from data_loader.reference_tables import load_reference  # noqa: E402
from geo import reference  # noqa: E402

OUT = Path(os.environ.get("BENCH_OUT", ROOT / "bench" / "results" / "import.md"))
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def make_csv(path: Path, n: int, seed: int = 7) -> None:
    """Chinese headers; 80% township by name, 10% by code, 10% by point only; half called back."""
    rng = np.random.default_rng(seed)
    towns = reference.townships()
    names = reference.districts().set_index("code")["name"]
    pick = rng.integers(0, len(towns), n)
    received = pd.Timestamp("2026-09-01") + pd.to_timedelta(rng.integers(0, 30 * 86400, n), unit="s")
    resolved = received + pd.to_timedelta(rng.integers(3600, 5 * 86400, n), unit="s")
    called = rng.random(n) < 0.5
    how = rng.random(n)
    township = np.where(how < 0.8, towns["name"].to_numpy()[pick], towns["code"].to_numpy()[pick]).astype(object)
    township[how >= 0.9] = ""
    point = how >= 0.9
    frame = pd.DataFrame(
        {
            "工单编号": [f"B{i:08d}" for i in range(n)],
            "受理时间": received.strftime("%Y-%m-%d %H:%M:%S"),
            "来源渠道": rng.choice(["电话", "网站", "微信", "app"], n),
            "问题分类": rng.choice(["供暖", "市场监管", "住房", "交通", "环境卫生"], n),
            "紧急程度": rng.choice(["一般", "水电气热", "紧急", "疑难复杂"], n, p=[0.8, 0.12, 0.03, 0.05]),
            "所属区": names.reindex(towns["district_code"].to_numpy()[pick]).to_numpy(),
            "街乡镇": township,
            "纬度": np.where(point, np.round(towns["lat"].to_numpy()[pick], 6), np.nan),
            "经度": np.where(point, np.round(towns["lon"].to_numpy()[pick], 6), np.nan),
            "来电号码": [f"138{x:08d}" for x in rng.integers(0, n // 3 + 1, n)],
            "办结时间": resolved.strftime("%Y-%m-%d %H:%M:%S"),
            "回访时间": np.where(called, (resolved + pd.Timedelta(hours=20)).strftime("%Y-%m-%d %H:%M:%S"), ""),
            "是否联系": np.where(called, "是", ""),
            "是否解决": np.where(called, rng.choice(["是", "否"], n, p=[0.9, 0.1]), ""),
            "满意度": np.where(called, rng.choice(["满意", "基本满意", "不满意"], n, p=[0.8, 0.15, 0.05]), ""),
        }
    )
    frame.to_csv(path, index=False)


def _server_cpu(conn) -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (same machine; 0 for SQLite).

    With the client's own CPU time this gives the import's CPU cost, which other processes on a
    busy machine do not inflate the way they inflate wall time. Parallel index-build workers are
    separate processes and not counted.
    """
    if conn.dialect.name != "postgresql":
        return 0.0
    pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed_import(engine, path: Path, settings, rules) -> dict:
    """The steps of `importer.import_raw`, timed one by one so the report shows where the time goes."""
    t0, cpu0 = time.perf_counter(), time.process_time()
    raw = read_table(path)
    t1 = time.perf_counter()
    with engine.begin() as conn:
        server0 = _server_cpu(conn)
        checked = validate(raw, Places.load(conn), ImportOptions(settings.tz, settings.caller_hash_key))
        t2 = time.perf_counter()
        summary = write_batch(
            conn, checked.cases, checked.rejected, rules=rules, now=datetime.now(UTC), source=str(path), fmt="csv"
        )
        server = _server_cpu(conn) - server0
    t3 = time.perf_counter()
    cpu = time.process_time() - cpu0 + server
    return {"summary": summary, "read": t1 - t0, "validate": t2 - t1, "write": t3 - t2, "total": t3 - t0, "cpu": cpu}


def run_engine(url: str, path: Path, settings, rules) -> list[dict]:
    """First import into a fresh database, then a re-import of the same file; load average with each."""
    engine = make_engine(url)
    migrate(engine)
    load_reference(engine)
    try:
        runs = []
        for _ in range(2):
            before = os.getloadavg()[0]
            runs.append(timed_import(engine, path, settings, rules) | {"load": (before, os.getloadavg()[0])})
        return runs
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    settings = load_settings({})
    rules = load_rules(settings.rules_path)
    results: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cases.csv"
        t = time.perf_counter()
        make_csv(path, args.rows)
        print(f"generated {args.rows} rows in {time.perf_counter() - t:.1f} s", flush=True)
        name = f"bench_import_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            results["PostgreSQL"] = run_engine(PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", path, settings, rules)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        results["SQLite"] = run_engine(f"sqlite:///{Path(tmp) / 'bench.db'}", path, settings, rules)
    write_report(args.rows, results)


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def write_report(n: int, results: dict[str, list[dict]]) -> None:
    lines = [
        "# Import benchmark",
        "",
        f"`python bench/bench_import.py --rows {n}` on {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, pandas {pd.__version__}, pyarrow {_version('pyarrow')}; "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        "CSV with Chinese headers; 80% of townships by name, 10% by code, 10% by WGS-84 point only;",
        "caller numbers hashed; half the rows called back. Target: >= 50,000 rows/s into PostgreSQL.",
        "Load = 1-minute load average before and after each run (2 CPUs: above 2, other processes compete).",
        "CPU s = client process CPU + PostgreSQL backend CPU; rows/CPU s is what one otherwise idle core",
        "would reach if nothing waited on the disk (load-independent, unlike the wall-clock rows/s).",
        "",
        "| database | run | rows | accepted | unchanged | read s | validate s | write s | total s | rows/s | CPU s "
        "| rows/CPU s | load |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for db, runs in results.items():
        for label, r in zip(("first import", "re-import"), runs, strict=True):
            s = r["summary"]
            lines.append(
                f"| {db} | {label} | {s.rows:,} | {s.accepted:,} | {s.unchanged:,} | {r['read']:.1f} | "
                f"{r['validate']:.1f} | {r['write']:.1f} | {r['total']:.1f} | {s.rows / r['total']:,.0f} | "
                f"{r['cpu']:.1f} | {s.rows / r['cpu']:,.0f} | {r['load'][0]:.1f} -> {r['load'][1]:.1f} |"
            )
    pg, lite = results["PostgreSQL"][0]["total"], results["SQLite"][0]["total"]
    lines += ["", f"First import, SQLite time / PostgreSQL time in this run: {lite / pg:.2f}.", ""]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

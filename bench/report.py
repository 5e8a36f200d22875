"""docs/benchmarks.md from every bench/results/*.json (the scale runs, then the soak), with the issue-13
targets beside each figure.

The hand-written part (profiles, before/after, what closes a miss) lives in bench/notes.md and is
appended unchanged, so regenerating the figures never loses the analysis.
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
NOTES = Path(__file__).resolve().parent / "notes.md"
ORDER = {"10m": 0, "1m": 1, "100k": 2}
SOAK = "soak.json"  # bench/soak.py's result, its own section


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}" if value >= 10 else f"{value:.1f}"


def _mark(ok: bool | None) -> str:
    return "" if ok is None else (" ✅" if ok else " ❌")


def _engine_rows(name: str, e: dict) -> list[str]:
    t, r = e["ticks"], e["ranking"]
    warm = t["warm_tick"]
    rows = [
        f"| cases / open orders | {e['cases']:,} / {t['open_orders']:,} | 10m / ~110k |",
        f"| warm tick p95, 1 changed | {_ms(warm['1']['p95_ms'])} ms{_mark(warm['1']['p95_ms'] <= 100)} | ≤ 100 ms |",
        "| poller CPU per warm tick (p50; 1 / 100 / 1,000 changed) | "
        + " / ".join(f"{_ms(warm[k].get('cpu_p50_ms'))}" for k in ("1", "100", "1000"))
        + " ms | |",
        f"| warm tick p95, 100 changed | {_ms(warm['100']['p95_ms'])} ms{_mark(warm['100']['p95_ms'] <= 200)} "
        "| ≤ 200 ms |",
        f"| warm tick p95, 1,000 changed | {_ms(warm['1000']['p95_ms'])} ms{_mark(warm['1000']['p95_ms'] <= 500)} "
        "| ≤ 500 ms |",
        f"| cold first tick | {t['cold_tick_s']:.1f} s{_mark(t['cold_tick_s'] <= 5)} | ≤ 5 s |",
        f"| rollup rebuild (set-based) | {e['rollup_rebuild_s']:.1f} s{_mark(e['rollup_rebuild_s'] <= 60)} | ≤ 60 s |",
        f"| month township ranking with classes, from rollups | {_ms(r['rollups_ms'])} ms"
        f"{_mark(r['rollups_ms'] <= 20)} | ≤ 20 ms |",
        f"| same answer by GROUP BY over cases (BI tool) | {_ms(r['group_by_over_cases_ms'])} ms | |",
        f"| ratio, same run | **{r['speedup']:,.0f}x**{_mark(r['speedup'] >= 100)} "
        f"(answers identical: {r['same_answer']}) | ≥ 100x |",
        f"| snapshot published per tick | {t['snapshot_bytes'] / 1024:,.0f} KB{_mark(t['snapshot_bytes'] <= 1 << 20)}"
        f", json decode {_ms(t['snapshot_decode_ms'])} ms | ≤ 1 MB |",
    ]
    if e.get("seed_rows_per_s"):
        rows.append(f"| seed (this run) | {e['seed_rows_per_s']:,.0f} rows/s{_mark(e['seed_rows_per_s'] >= 50_000)} "
                    "| ≥ 50k rows/s |")  # fmt: skip
    return [f"#### {name}: {e['engine']}", "", "| figure | measured | target |", "|---|---:|---|", *rows, ""]


def _viewer_rows(v: dict) -> list[str]:
    load, one, w, mem = v["load"], v["one_viewer"], v["page_weights"], v["memory"]
    lat = load["latency"]

    def p(kind: str) -> str:
        return f"{_ms(lat[kind]['p95_ms'])} ms (n={lat[kind]['n']:,})" if kind in lat else "—"

    def ok(kind: str, limit: float) -> str:
        return _mark(lat[kind]["p95_ms"] <= limit) if kind in lat else ""

    ratio = load["db_transactions_per_min"] / max(one["db_transactions_per_min"], 1e-9)
    walls = v.get("walls_only")
    walls_rows = []
    if walls:  # results from before the walls-only phase existed do not have it
        walls_ratio = walls["db_transactions_per_min"] / max(one["db_transactions_per_min"], 1e-9)
        walls_rows = [
            f"| DB transactions / min, 1 wall → {walls['walls']} walls | {one['db_transactions_per_min']:,.0f} → "
            f"{walls['db_transactions_per_min']:,.0f} ({walls_ratio:.2f}x){_mark(walls_ratio <= 1.2)} | the same |",
            f"| poll p95 with 1 wall / {walls['walls']} walls alone | "
            f"{_ms(one['latency'].get('poll_cycle', {}).get('p95_ms'))} / "
            f"{_ms(walls['latency'].get('poll_cycle', {}).get('p95_ms'))} ms | |",
        ]
    workers = ", ".join(f"{m:.0f}" for m in mem["web_worker_rss_mb"])
    return [
        f"Viewer load: {load['walls']} walls polling every 5 s + {load['tablets']} tablets (drill-downs, SLA board "
        f"blocks) for {load['seconds']:.0f} s; gunicorn 2 workers x 8 threads, separate poller, Redis, loopback.",
        "",
        "| figure | measured | target |",
        "|---|---:|---|",
        f"| poll p95 (version check + Dash poll) | {p('poll_cycle')}{ok('poll_cycle', 100)} | ≤ 100 ms |",
        f"| wall panel refresh p95 | {p('wall_panel')} | |",
        f"| drill-down (district page) p95 | {p('drill_down')}{ok('drill_down', 300)} | ≤ 300 ms |",
        f"| SLA page p95 | {p('sla_page')}{ok('sla_page', 300)} | ≤ 300 ms |",
        f"| SLA grid block p95 | {p('sla_block')}{ok('sla_block', 300)} | ≤ 300 ms |",
        f"| request errors | {load['errors']}{_mark(load['errors'] == 0)} | 0 |",
        *walls_rows,
        f"| DB transactions / min with the tablets too | {load['db_transactions_per_min']:,.0f} ({ratio:.1f}x; the "
        "difference is the SLA board's and district pages' own queries) | same apart from SLA queries |",
        f"| first page load over the wire | {w['first_load_bytes'] / 1024:,.0f} KB"
        f"{_mark(w['first_load_bytes'] <= 1.5 * (1 << 20))} | ≤ 1.5 MB |",
        f"| repeat load | {w['repeat_load_bytes'] / 1024:,.0f} KB{_mark(w['repeat_load_bytes'] <= 100 * 1024)} "
        "| ≤ 100 KB |",
        f"| map refresh payload | {w['map_refresh_bytes'] / 1024:,.1f} KB{_mark(w['map_refresh_bytes'] <= 30 * 1024)} "
        f"(all panels of the overview: {w['refresh_bytes_all_panels'] / 1024:,.1f} KB) | ≤ 30 KB |",
        f"| unchanged poll (version + Dash poll, headers included) | {w['unchanged_poll_bytes']:,} bytes "
        f"(HTTP {w['unchanged_poll_status']}) | a few hundred bytes |",
        f"| web worker RSS after the load | {workers} MB | ≤ 400 MB |",
        f"| poller RSS | {mem['poller_rss_mb']:.0f} MB{_mark(mem['poller_rss_mb'] <= 1024)} | ≤ 1 GB |",
        "",
    ]


def _soak_rows(summary: dict) -> list[str]:
    """The soak's section (bench/soak.py writes bench/results/soak.json)."""
    g = summary["growth_second_half_vs_first"]
    lines = [
        "## Soak",
        "",
        f"`python -m bench soak --minutes {summary['minutes']:g}`, {summary['started']}, {summary['machine']}. "
        f"PostgreSQL, Redis, gunicorn 2 workers (HOTLINE_ROLE=web), poller process, simulator at "
        f"{summary['rate']:.2f} orders/s ({summary['rate_factor']:g}x the demo), {summary['viewers']} simulated "
        f"viewers, the wall in headless Chromium; a sample every {summary['sample_s']:g} s, the first "
        f"{summary['warmup_min']:g} min left out as warm-up. Raw samples: bench/results/soak.json.",
        "",
        "Growth = second half / first half after the warm-up (1.00 = flat): medians, except the JS heap's",
        "floor (it saws with garbage collection). Statements per minute follow the tick rate, which the",
        "machine's load sets; statements per tick are the measure of database work.",
        "",
        "| measure | min | median | max | growth |",
        "|---|---:|---:|---:|---:|",
    ]

    def row(name: str, span: dict | None, growth: float | None) -> None:
        if span:
            lines.append(f"| {name} | {span['min']} | {span['median']} | {span['max']} | {growth} |")

    row("poller RSS MiB", summary["poller_rss_mib"], g["poller_rss"])
    worker_growth = [v for k, v in g.items() if k.startswith("worker_")]
    row("worker RSS MiB (both workers)", summary["worker_rss_mib"], max(worker_growth, default=None))
    row("wall tab JS heap MiB (growth of the floor)", summary["js_heap_mib"], g["browser_js_heap_floor"])
    row("poller SQL statements / tick", summary["statements_per_tick"], g["statements_per_tick"])
    row("poller SQL statements / min", summary["statements_per_min"], None)
    lines += [
        "",
        f"Viewer requests {summary['viewer_requests']:,}, errors {summary['viewer_errors']}; samples with the "
        f"wall's badge not live: {summary['stale_or_late_samples']} of {summary['samples_after_warmup']}; "
        f"/health not ok: {summary['health_not_ok_samples']}; largest snapshot age {summary['max_snapshot_age_s']} s; "
        f"browser page errors: {summary['page_errors']}; cases at the end {summary['cases_end']:,} "
        f"(from {summary['cases_start']:,}).",
        "",
    ]
    return lines


def render(results: list[dict], soak: dict | None = None) -> str:
    lines = [
        "# Benchmarks (issue 13: today's Beijing volume on one modest machine)",
        "",
        "Generated by `python -m bench [--scale 100k|1m|10m] [--quick]` from `bench/results/*.json`; every ratio is "
        "measured within one run. ✅/❌: the issue's target (set for 10 million cases on PostgreSQL) met or missed.",
        "",
    ]
    for result in sorted(results, key=lambda r: (r.get("quick", False), ORDER.get(r["scale"], 9))):
        m = result["machine"]
        lines += [
            f"## {result['scale']}{' (quick)' if result.get('quick') else ''}: {result['date']}",
            "",
            f"{m['cpus']} CPUs ({m['cpu']}), {m['memory_gb']} GB, {m['os']}, Python {m['python']}; load average "
            f"at start {', '.join(f'{x:.1f}' for x in m['load_avg_at_start'])} (the 2 cores are shared). "
            + ", ".join(f"{k} {v}" for k, v in m["packages"].items() if v)
            + f". Seeded at {result['per_day']:,} cases a day; the run took {result['seconds'] / 60:.1f} min.",
            "",
        ]
        for name, figures in result["engines"].items():
            lines += _engine_rows(name, figures)
            if "viewers" in figures:
                lines += _viewer_rows(figures["viewers"])
    if soak:
        lines += _soak_rows(soak)
    if NOTES.exists():
        lines += [NOTES.read_text(encoding="utf-8")]
    return "\n".join(lines) + "\n"


def write_markdown(results_dir: Path, out: Path) -> None:
    soak_file = results_dir / SOAK
    results = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(results_dir.glob("*.json")) if p != soak_file]
    soak = json.loads(soak_file.read_text(encoding="utf-8"))["summary"] if soak_file.exists() else None
    out.write_text(render(results, soak), encoding="utf-8")

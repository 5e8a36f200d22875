#!/usr/bin/env bash
# All benchmarks, one command: `bash bench/run.sh` from the repository root (with the venv active).
# Each writes its figures to bench/results/<name>.md; ratios are measured within the same run.
# Needs PostgreSQL at 127.0.0.1:5432 for the PostgreSQL rows. Takes about 15-25 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python}
uptime
$PY bench/bench_geo.py
$PY bench/bench_seed.py
$PY bench/bench_import.py
$PY bench/bench_pipeline.py --engine sqlite
$PY bench/bench_pipeline.py --engine postgresql --out bench/results/pipeline-postgresql.md
$PY -m bench --scale 1m  # city scale (issue 13): bench/results/1m.json and docs/benchmarks.md
echo "figures: bench/results/"

"""`python -m bench [--scale 100k|1m|10m] [--quick]` runs the city-scale benchmarks (bench/run.py);
`python -m bench soak ...` the long soak (bench/soak.py). Same dispatcher as `python -m dashboard`."""

from __future__ import annotations

import sys

from dashboard.cli.dispatch import run_commands

COMMANDS = {
    "run": ("bench.run", "city-scale benchmarks: ticks, rebuild, ranking vs GROUP BY, viewer load, page weights"),
    "soak": ("bench.soak", "long-running soak under viewer load (memory, errors, freshness)"),
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help")):
        argv = ["run", *argv]  # `python -m bench --scale 1m` is `python -m bench run --scale 1m`
    return run_commands("python -m bench", COMMANDS, argv)


if __name__ == "__main__":
    sys.exit(main())

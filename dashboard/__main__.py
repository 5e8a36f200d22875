"""`python -m dashboard <command>`: rankings export and the stand-alone snapshot poller."""

from __future__ import annotations

import sys

from dashboard.cli.dispatch import run_commands

COMMANDS = {
    "rankings": ("dashboard.cli.rankings", "print or export daily / monthly rankings"),
    "poller": ("dashboard.cli.poller", "run the snapshot poller alone (multi-worker deployments)"),
    "rebuild-rollups": ("dashboard.cli.rollups", "rebuild the daily rollups from the cases table"),
}


def main(argv: list[str] | None = None) -> int:
    return run_commands("python -m dashboard", COMMANDS, argv)


if __name__ == "__main__":
    sys.exit(main())

"""`python -m dashboard <command>`: rankings export and the stand-alone snapshot poller."""

from __future__ import annotations

import sys

from dashboard.cli.dispatch import run_commands

COMMANDS = {
    "rankings": ("dashboard.rankings_cli", "print or export daily / monthly rankings"),
    "poller": ("dashboard.poller", "run the snapshot poller alone (multi-worker deployments)"),
    "rebuild-rollups": ("dashboard.rollups", "rebuild the daily rollups from the cases table"),
    "whatif": ("dashboard.cli.whatif", "preview a changed rules file on a past month (reads only)"),
    "forecast": ("dashboard.cli.forecast", "month-end forecast on a day, or its back-test on past months"),
    "pack": ("dashboard.cli.pack", "write a district's monthly meeting pack (XLSX or PDF)"),
}


def main(argv: list[str] | None = None) -> int:
    return run_commands("python -m dashboard", COMMANDS, argv)


if __name__ == "__main__":
    sys.exit(main())

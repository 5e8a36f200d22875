"""`python -m dashboard <command>`: rankings export, the stand-alone poller, users, tokens and audit."""

from __future__ import annotations

import sys

from dashboard.cli.dispatch import run_commands

COMMANDS = {
    "rankings": ("dashboard.cli.rankings", "print or export daily / monthly rankings"),
    "poller": ("dashboard.cli.poller", "run the snapshot poller alone (multi-worker deployments)"),
    "rebuild-rollups": ("dashboard.cli.rollups", "rebuild the daily rollups from the cases table"),
    "users": ("dashboard.cli.users", "add, list, disable users and set their roles"),
    "tokens": ("dashboard.cli.tokens", "create, list and revoke wall-screen and API tokens"),
    "audit": ("dashboard.cli.audit", "print the audit log (logins, exports, token use, changes)"),
    "whatif": ("dashboard.cli.whatif", "preview a changed rules file on a past month (reads only)"),
    "forecast": ("dashboard.cli.forecast", "month-end forecast on a day, or its back-test on past months"),
    "pack": ("dashboard.cli.pack", "write a district's monthly meeting pack (XLSX or PDF)"),
}


def main(argv: list[str] | None = None) -> int:
    return run_commands("python -m dashboard", COMMANDS, argv)


if __name__ == "__main__":
    sys.exit(main())

"""`python -m data_loader <command>`: each command lives in its own module with add_arguments/run."""

from __future__ import annotations

import sys

from dashboard.cli.dispatch import run_commands

COMMANDS = {
    "seed": ("data_loader.seed", "generate demo history into the case database"),
    "simulate": ("data_loader.simulate", "run the live simulator (new orders, progressing cases)"),
    "import": ("data_loader.importer", "import a CSV / XLSX / JSON / Open311 file"),
    "rejected": ("data_loader.rejected", "list or export rejected rows"),
    "sync": ("data_loader.sync", "incrementally copy cases from an existing case database"),
}


def main(argv: list[str] | None = None) -> int:
    return run_commands("python -m data_loader", COMMANDS, argv)


if __name__ == "__main__":
    sys.exit(main())

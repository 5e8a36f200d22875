"""A tiny command dispatcher: each sub-command is a module with add_arguments(parser) and run(args)."""

from __future__ import annotations

import argparse
import importlib
import sys

from sqlalchemy.exc import SQLAlchemyError

from dashboard.assessment.rules import RulesError
from dashboard.settings import SettingsError


def run_commands(prog: str, commands: dict[str, tuple[str, str]], argv: list[str] | None = None) -> int:
    """Parse argv and run the chosen command's module; modules are imported only when listed."""
    parser = argparse.ArgumentParser(prog=prog)
    sub = parser.add_subparsers(dest="command", required=True)
    modules = {}
    for name, (module_name, help_text) in commands.items():
        module = importlib.import_module(module_name)
        modules[name] = module
        module.add_arguments(sub.add_parser(name, help=help_text, description=help_text))
    args = parser.parse_args(argv)
    try:
        return int(modules[args.command].run(args) or 0)
    except (SettingsError, RulesError) as exc:  # a bad environment or rules file: one clear line, no traceback
        print(f"{args.command}: {exc}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:  # the database is down or refused: say so, exit 1
        print(f"{args.command}: database error: {getattr(exc, 'orig', None) or exc}", file=sys.stderr)
        return 1

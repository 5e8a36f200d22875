"""A tiny command dispatcher: each sub-command is a module with add_arguments(parser) and run(args)."""

from __future__ import annotations

import argparse
import importlib


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
    return int(modules[args.command].run(args) or 0)

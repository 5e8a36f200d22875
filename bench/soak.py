"""Placeholder for the soak benchmark (issue 14 writes the real one with this same interface)."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--minutes", type=float, default=60, help="how long to soak")


def run(args: argparse.Namespace) -> int:
    print("bench soak: not in this branch yet (issue 14 provides bench/soak.py)")
    return 2

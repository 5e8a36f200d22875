"""`python -m dashboard tokens create|list|revoke`: wall-screen and API tokens.

`create` prints the token once; only its hash is stored, so a lost token is revoked and replaced.
"""

from __future__ import annotations

import argparse
import sys

from dashboard.access import audit, tokens
from dashboard.access.roles import TOKEN_ROLES, AccessError
from dashboard.runtime import Runtime


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    create = sub.add_parser("create", help="make a token and print it once")
    create.add_argument("--name", required=True)
    create.add_argument("--role", choices=TOKEN_ROLES, required=True)
    create.add_argument("--district", action="append", default=[], metavar="CODE", help="district code (repeatable)")
    sub.add_parser("list", help="list tokens (never the token itself)")
    revoke = sub.add_parser("revoke", help="revoke a token: its sessions end at their next request")
    revoke.add_argument("name")


def _time(value) -> str:
    return value.isoformat(timespec="seconds") if value else "-"


def run(args: argparse.Namespace) -> int:
    engine = Runtime.from_environment().engine
    try:
        if args.action == "list":
            for t in tokens.list_tokens(engine):
                state = f"revoked {_time(t.revoked_at)}" if t.revoked_at else "active"
                print(f"{t.name}\t{t.role}\t{','.join(t.districts) or '-'}\t{state}\tlast used {_time(t.last_used_at)}")
            return 0
        if args.action == "create":
            token = tokens.create_token(engine, args.name, args.role, args.district)
            audit.record(engine, "cli", "token.create", args.name, role=args.role, districts=args.district)
            print(token)
            return 0
        tokens.revoke_token(engine, args.name)
    except AccessError as exc:
        print(f"tokens {args.action}: {exc}", file=sys.stderr)
        return 2
    audit.record(engine, "cli", "token.revoke", args.name)
    print(f"revoked {args.name}")
    return 0
